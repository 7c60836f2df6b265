#include "net/listener.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/api_router.hpp"
#include "metrics/server_metrics.hpp"
#include "net/connection_limits.hpp"
#include "net/disk_reads.hpp"
#include "net/session_hint.hpp"
#include "net/tls_stream.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_session.hpp"
#include "session/room_directory.hpp"
#include "util/log.hpp"

namespace controlroom::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* control_path = "/v1/control";

// Completes with the API's response on the coroutine's own executor, even
// when the router answers from a database thread.
template <class Token>
auto async_route(api_router& api, http_request req, Token&& token) {
  return asio::async_initiate<Token, void(http_response)>(
      [&api](auto handler, http_request req) {
        using handler_type = decltype(handler);
        auto shared = std::make_shared<handler_type>(std::move(handler));
        auto work = std::make_shared<asio::executor_work_guard<asio::any_io_executor>>(
            asio::get_associated_executor(*shared));
        api.handle(req, [shared, work](http_response response) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, work, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      token, std::move(req));
}

template <class Body>
void set_headers(http::response<Body>& res, const http_response& r, bool keep_alive,
                 const std::string& server) {
  res.set(http::field::server, server);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers) {
    res.set(name, value);
  }
  res.keep_alive(keep_alive);
}

http::response<http::string_body> to_beast(const http_response& r, unsigned version,
                                           bool keep_alive, bool head, const std::string& server) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  set_headers(res, r, keep_alive, server);
  res.body() = head ? std::string() : r.body;
  res.prepare_payload();
  if (head) {
    res.content_length(r.body.size());
  }
  return res;
}

// A file descriptor closed on every way out.
struct file_handle {
  int fd = -1;
  explicit file_handle(int opened) : fd(opened) {}
  ~file_handle() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;
};

// Reads one piece of a take file without the worker waiting for the disk:
// from the page cache at once, else on a disk thread (net/disk_reads.hpp).
// The bytes read, or -errno.
asio::awaitable<ssize_t> read_piece(net_context& ctx, int fd, char* into, std::size_t n, off_t at) {
  if (const auto cached = read_cached(fd, into, n, at)) {
    co_return *cached;
  }
  ctx.metrics.disk_reads_deferred.inc();
  co_return co_await ctx.disk.run([fd, into, n, at] { return read_waiting(fd, into, n, at); });
}

// Sends a response whose body is part of a file (a take download) in
// pieces, so a long take is never held in memory. A piece the client does
// not take within idle_timeout ends the download; a slow client that keeps
// taking is served however long the whole takes. The file is opened (on a
// disk thread: opening may read the disk too) before the status goes out,
// so a file deleted meanwhile still streams whole; its pieces are read by
// read_piece.
template <class Stream>
asio::awaitable<beast::error_code> write_file_response(Stream& stream, const http_response& r,
                                                       unsigned version, bool keep_alive, bool head,
                                                       net_context& ctx) {
  const auto& server = ctx.cfg.server_name;
  const auto& part = *r.file;
  // A named lambda: GCC 12 destroys a temporary's captures twice when the
  // temporary is made inside a co_await expression.
  auto open_file = [path = part.path] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); };
  const file_handle file(co_await ctx.disk.run(open_file));
  if (file.fd < 0) {
    auto res = to_beast(json_error(500, "internal", "the file could not be opened"), version,
                        keep_alive, head, server);
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return ec;
  }
  http::response<http::buffer_body> res{static_cast<http::status>(r.status), version};
  set_headers(res, r, keep_alive, server);
  res.content_length(part.length);
  res.body().data = nullptr;
  res.body().more = !head && part.length > 0;
  http::response_serializer<http::buffer_body> serializer{res};
  auto [ec, n] =
      co_await http::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
  if (ec || head) {
    co_return ec;
  }
  constexpr std::size_t piece_bytes = 64 * 1024;
  std::vector<char> piece(piece_bytes);
  std::uint64_t sent = 0;
  while (sent < part.length) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, part.length - sent));
    const auto got = co_await read_piece(ctx, file.fd, piece.data(), want,
                                         static_cast<off_t>(part.offset + sent));
    if (got <= 0) {
      // The status is out: all that is left is to cut the response short,
      // which the client sees as a body shorter than Content-Length.
      log::warn(log_subsystem::http, {}, "reading ", part.path, " failed at byte ",
                part.offset + sent, "; response cut short");
      co_return beast::error_code(got < 0 ? static_cast<int>(-got) : EIO, beast::system_category());
    }
    res.body().data = piece.data();
    res.body().size = static_cast<std::size_t>(got);
    sent += static_cast<std::uint64_t>(got);
    res.body().more = sent < part.length;
    beast::get_lowest_layer(stream).expires_after(ctx.cfg.idle_timeout);
    auto [write_ec, written] =
        co_await http::async_write(stream, serializer, asio::as_tuple(asio::use_awaitable));
    if (write_ec == http::error::need_buffer) {
      write_ec = {};
    }
    if (write_ec) {
      co_return write_ec;
    }
  }
  co_return beast::error_code{};
}

// A plain connection let go by one worker's io_context for another's to
// adopt (the TLS one is tls_stream::released). Closed if never adopted.
class released_socket {
 public:
  released_socket(int fd, tcp protocol) : fd_(fd), protocol_(protocol) {}
  released_socket(released_socket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), protocol_(other.protocol_) {}
  released_socket& operator=(released_socket&&) = delete;
  ~released_socket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  tcp::socket adopt(const asio::any_io_executor& executor) {
    return tcp::socket(executor, protocol_, std::exchange(fd_, -1));
  }

 private:
  int fd_;
  tcp protocol_;
};

released_socket release(beast::tcp_stream& stream) {
  beast::error_code ec;
  const auto endpoint = stream.socket().local_endpoint(ec);
  const auto protocol = ec ? tcp::v4() : endpoint.protocol();
  const int fd = stream.socket().release(ec);
  return {ec ? -1 : fd, protocol};
}

beast::tcp_stream adopt(const asio::any_io_executor& executor, released_socket connection) {
  return beast::tcp_stream(connection.adopt(executor));
}

tls_stream::released release(tls_stream& stream) {
  return stream.release();
}

tls_stream adopt(const asio::any_io_executor& executor, tls_stream::released connection) {
  return tls_stream(executor, std::move(connection));
}

// Serves an upgraded connection's WebSocket session on worker `home`: the
// stream is let go here and adopted on that worker's thread.
template <class Stream>
void serve_websocket_on(worker_pool& workers, std::size_t home, Stream& stream, net_context& ctx,
                        connection_limits::slot place, http::request<http::string_body> upgrade) {
  auto& target = workers.context(home);
  asio::post(target, [&target, &ctx, home, connection = release(stream), place = std::move(place),
                      upgrade = std::move(upgrade)]() mutable {
    auto conn = std::make_shared<ws_session<Stream>>(
        adopt(target.get_executor(), std::move(connection)), ctx, home, std::move(place));
    conn->start(std::move(upgrade));
  });
}

// The answer to every request of a connection over max_connections_per_address:
// an HTTP client reads a status, a WebSocket client a refused upgrade.
http_response too_many_connections(const config& cfg) {
  auto response = json_error(
      429, "too_many_connections",
      "more than " + std::to_string(cfg.max_connections_per_address) +
          " connections from your address are open (max_connections_per_address); close one "
          "and try again");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

// `place`: the connection's slot among the open ones. `over_limit`: its
// address already has max_connections_per_address; its one request gets a 429.
template <class Stream>
asio::awaitable<void> serve_http(Stream stream, net_context& ctx, worker_pool& workers,
                                 std::size_t worker, connection_limits::slot place,
                                 bool over_limit) {
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(ctx.cfg.max_http_body_bytes);
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(ctx.cfg.handshake_timeout);
    auto [ec, ignored] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == http::error::body_limit) {
        ctx.metrics.limit_exceeded(limit::http_body_size).inc();
        auto res = to_beast(json_error(413, "too_large", "request body over the limit"), 11, false,
                            false, ctx.cfg.server_name);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      } else if (ec == beast::error::timeout && (first || parser.got_some())) {
        // A keep-alive connection that goes quiet between requests is no
        // offence; one that never completes a request is.
        ctx.metrics.limit_exceeded(limit::handshake_timeout).inc();
      }
      break;  // end of stream, timeout or garbage: nothing more to serve
    }
    auto req = parser.release();
    // The deadline above was for the request; the response gets its own
    // (a take download may rightly take minutes).
    beast::get_lowest_layer(stream).expires_after(ctx.cfg.idle_timeout);
    if (over_limit) {
      auto res = to_beast(too_many_connections(ctx.cfg), req.version(), false,
                          req.method() == http::verb::head, ctx.cfg.server_name);
      co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      break;
    }
    const auto target = std::string(req.target());
    const auto path = target.substr(0, target.find('?'));
    if (beast::websocket::is_upgrade(req) && path == control_path) {
      beast::get_lowest_layer(stream).expires_never();
      // A connection that names its session is served where the session
      // lives: its frames then never cross threads. (Clients wait for the
      // upgrade's answer before they send, so nothing is left unread here.)
      const auto hint = session_hint(target);
      const auto home = hint ? ctx.svc.rooms.owner_of(*hint) : worker;
      if (home != worker && buffer.size() == 0) {
        ctx.metrics.connections_moved.inc();
        serve_websocket_on(workers, home, stream, ctx, std::move(place), std::move(req));
        co_return;
      }
      auto conn =
          std::make_shared<ws_session<Stream>>(std::move(stream), ctx, worker, std::move(place));
      conn->start(std::move(req));
      co_return;
    }
    http_request api_req{std::string(req.method_string()), target,
                         std::string(req[http::field::authorization]), std::move(req.body()),
                         std::string(req[http::field::range])};
    http_response response;
    if (path == control_path) {
      response = json_error(426, "upgrade_required",
                            "the control plane speaks WebSocket; send an Upgrade request");
    } else {
      beast::get_lowest_layer(stream).expires_never();  // the database's time is not the client's
      response = co_await async_route(ctx.api, std::move(api_req), asio::use_awaitable);
      beast::get_lowest_layer(stream).expires_after(ctx.cfg.idle_timeout);
    }
    const bool head = req.method() == http::verb::head;
    if (response.file) {
      const auto write_ec = co_await write_file_response(stream, response, req.version(),
                                                         req.keep_alive(), head, ctx);
      if (write_ec || !req.keep_alive()) {
        break;
      }
      continue;
    }
    auto res = to_beast(response, req.version(), req.keep_alive(), head, ctx.cfg.server_name);
    auto [write_ec, written] =
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (write_ec || !res.keep_alive()) {
      break;
    }
  }
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } else {
    // Asynchronously: a synchronous TLS shutdown inside a coroutine would
    // block the worker's only thread.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  }
}

// Plain TCP, or TLS first (https/wss) when a certificate is configured.
asio::awaitable<void> serve(tcp::socket socket, net_context& ctx, worker_pool& workers,
                            std::size_t worker, connection_limits::slot place, bool over_limit) {
  if (ctx.tls == nullptr) {
    co_await serve_http(beast::tcp_stream(std::move(socket)), ctx, workers, worker,
                        std::move(place), over_limit);
    co_return;
  }
  tls_stream stream(std::move(socket), ctx.tls->native_handle());
  stream.expires_after(ctx.cfg.handshake_timeout);
  auto [ec, ignored] = co_await stream.async_handshake(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    ctx.metrics.tls_handshake_failures.inc();
    if (ec == beast::error::timeout) {
      ctx.metrics.limit_exceeded(limit::handshake_timeout).inc();
    }
    log::debug(log_subsystem::net, {}, "TLS handshake failed: ", ec.message());
    co_return;
  }
  co_await serve_http(std::move(stream), ctx, workers, worker, std::move(place), over_limit);
}

// The client's IP address as the limits count it: an IPv4 client of a dual
// stack socket is the same client as over IPv4.
template <class Socket>
std::string address_of(const Socket& socket) {
  beast::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) {
    return {};
  }
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

struct listener::impl : std::enable_shared_from_this<impl> {
  impl(worker_pool& w, net_context& c)
      : workers(w),
        ctx(c),
        acceptor(w.context(0)),
        limits(c.cfg.max_connections, c.cfg.max_connections_per_address) {}

  asio::awaitable<void> accept_loop() {
    for (;;) {
      const auto worker = next_worker++ % workers.size();
      auto [ec, socket] = co_await acceptor.async_accept(workers.context(worker),
                                                         asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
          co_return;
        }
        // Out of file descriptors and the like: keep accepting the others.
        log::warn(log_subsystem::net, {}, "accept failed: ", ec.message());
        continue;
      }
      ctx.metrics.connections_accepted.inc();
      auto admission = limits.admit(address_of(socket));
      if (admission.result == connection_limits::verdict::over_total) {
        // Past max_connections even a refusal would cost what the limit
        // protects (descriptors, memory): drop it unanswered.
        ctx.metrics.limit_exceeded(limit::connections).inc();
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      const bool over_limit = admission.result == connection_limits::verdict::over_address;
      if (over_limit) {
        ctx.metrics.limit_exceeded(limit::connections_per_address).inc();
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(
          workers.context(worker),
          serve(std::move(socket), ctx, workers, worker, std::move(admission.place), over_limit),
          [](std::exception_ptr error) {
            if (!error) {
              return;
            }
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              log::error(log_subsystem::net, {}, "http connection: ", e.what());
            }
          });
    }
  }

  worker_pool& workers;
  net_context& ctx;
  tcp::acceptor acceptor;
  connection_limits limits;
  std::size_t next_worker = 0;
};

listener::listener(worker_pool& workers, net_context& ctx)
    : impl_(std::make_shared<impl>(workers, ctx)) {}

listener::~listener() = default;

std::uint16_t listener::start(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    throw std::runtime_error("listen_address '" + address + "' is not an IP address");
  }
  const tcp::endpoint endpoint{ip, port};
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  acceptor.listen(asio::socket_base::max_listen_connections);
  const auto bound = acceptor.local_endpoint().port();
  asio::co_spawn(
      impl_->acceptor.get_executor(), [self = impl_]() { return self->accept_loop(); },
      asio::detached);
  return bound;
}

void listener::stop() {
  asio::post(impl_->acceptor.get_executor(), [self = impl_] {
    beast::error_code ignored;
    self->acceptor.close(ignored);
  });
}

}  // namespace controlroom::server
