#include "net/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/api_router.hpp"
#include "net/connection_limits.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_session.hpp"
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

http::response<http::string_body> to_beast(const http_response& r, unsigned version,
                                           bool keep_alive, bool head, const std::string& server) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, server);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers) {
    res.set(name, value);
  }
  res.keep_alive(keep_alive);
  res.body() = head ? std::string() : r.body;
  res.prepare_payload();
  if (head) {
    res.content_length(r.body.size());
  }
  return res;
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
asio::awaitable<void> serve_http(Stream stream, net_context& ctx, std::size_t worker,
                                 connection_limits::slot place, bool over_limit) {
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
      response = co_await async_route(ctx.api, std::move(api_req), asio::use_awaitable);
    }
    auto res = to_beast(response, req.version(), req.keep_alive(), req.method() == http::verb::head,
                        ctx.cfg.server_name);
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
asio::awaitable<void> serve(tcp::socket socket, net_context& ctx, std::size_t worker,
                            connection_limits::slot place, bool over_limit) {
  if (ctx.tls == nullptr) {
    co_await serve_http(beast::tcp_stream(std::move(socket)), ctx, worker, std::move(place),
                        over_limit);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx.tls);
  beast::get_lowest_layer(stream).expires_after(ctx.cfg.handshake_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                              asio::as_tuple(asio::use_awaitable));
  if (ec) {
    ctx.metrics.tls_handshake_failures.inc();
    if (ec == beast::error::timeout) {
      ctx.metrics.limit_exceeded(limit::handshake_timeout).inc();
    }
    log::debug(log_subsystem::net, {}, "TLS handshake failed: ", ec.message());
    co_return;
  }
  co_await serve_http(std::move(stream), ctx, worker, std::move(place), over_limit);
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
      asio::co_spawn(workers.context(worker),
                     serve(std::move(socket), ctx, worker, std::move(admission.place), over_limit),
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
