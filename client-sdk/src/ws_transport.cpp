#include "ws_transport.hpp"

#include <deque>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "url.hpp"

namespace controlroom::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using namespace std::chrono_literals;

// Control messages are small; 16 MiB is far beyond any legitimate Joined reply
// yet keeps a broken server from exhausting memory.
constexpr std::size_t max_inbound_message_bytes = 16 * 1024 * 1024;
// Beast pings a server silent for half of this and drops it after all of it,
// so a vanished server (no FIN, no RST) is noticed.
constexpr auto dead_server_timeout = 30s;
// A close handshake longer than this is abandoned and the socket shut.
constexpr auto close_grace = 1s;
// Keep-alives faster than this would only burn CPU, whatever the server asks.
constexpr auto min_keepalive_interval = 100ms;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

// The TLS client context of one wss:// transport, or why there is none (an
// unreadable ca_file). The trust settings are per client, so each
// transport makes its own rather than sharing a process-wide one.
struct tls_setup {
  std::unique_ptr<ssl::context> context;
  bool verify = true;
  status problem;
};

tls_setup make_tls_context(const tls_options& options) {
  tls_setup out;
  out.context = std::make_unique<ssl::context>(ssl::context::tls_client);
  out.context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
  out.verify = !options.insecure_skip_verify;
  if (!out.verify) {
    out.context->set_verify_mode(ssl::verify_none);
    return out;
  }
  boost::system::error_code ec;
  out.context->set_verify_mode(ssl::verify_peer, ec);
  if (options.ca_file.empty()) {
    out.context->set_default_verify_paths(ec);
    if (ec)
      out.problem = {errc::handshake_failed, "cannot load the system's CA store: " + ec.message()};
  } else {
    out.context->load_verify_file(options.ca_file, ec);
    if (ec) {
      out.problem = {errc::handshake_failed,
                     "cannot load ca_file " + options.ca_file + ": " + ec.message()};
    }
  }
  return out;
}

// Only do_open() and abort() reach below ws_; for wss:// (NextLayer
// tls_stream) the TLS close is part of Beast's asynchronous WebSocket close,
// never a synchronous shutdown, which would block the network thread.
template <class NextLayer>
class beast_transport final : public ws_transport,
                              public std::enable_shared_from_this<beast_transport<NextLayer>> {
  static constexpr bool is_tls = std::is_same_v<NextLayer, tls_stream>;

  static websocket::stream<NextLayer> make_stream(asio::io_context& context, ssl::context* tls) {
    if constexpr (is_tls) {
      return websocket::stream<NextLayer>(context, *tls);
    } else {
      return websocket::stream<NextLayer>(context);
    }
  }

 public:
  using std::enable_shared_from_this<beast_transport<NextLayer>>::shared_from_this;

  beast_transport(asio::io_context& context, tls_setup tls, ws_transport_handlers handlers)
      : handlers_(std::move(handlers)),
        tls_(std::move(tls)),
        ws_(make_stream(context, tls_.context.get())),
        resolver_(context),
        open_deadline_(context),
        close_timer_(context),
        keepalive_timer_(context) {}

  void open(const ws_url& url, std::chrono::milliseconds timeout, std::string user_agent,
            std::function<void(status)> done) override {
    open_deadline_.expires_after(timeout);
    open_deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->phase_ != phase::opening)
        return;
      self->open_timed_out_ = true;
      self->abort();
    });
    asio::co_spawn(ws_.get_executor(), do_open(url, std::move(user_agent)),
                   [self = shared_from_this(), url, timeout, done = std::move(done)](
                       std::exception_ptr e, status s) {
                     self->open_deadline_.cancel();
                     if (e)
                       s = {errc::connection_failed, "SDK internal error: " + describe(e)};
                     if (self->open_timed_out_) {
                       s = {errc::timeout, "no WebSocket to " + url.host_header + " within " +
                                               std::to_string(timeout.count()) + " ms"};
                     } else if (self->user_closed_) {
                       s = {errc::disconnected, "closed by the client while connecting"};
                     }
                     if (s) {
                       self->phase_ = phase::open;
                       self->spawn(self->read_loop());
                     } else {
                       self->phase_ = phase::closed;
                       self->abort();
                     }
                     done(s);
                   });
  }

  bool is_open() const noexcept override { return phase_ == phase::open; }

  void send(std::shared_ptr<const std::string> message) override {
    if (phase_ != phase::open)
      return;
    queue_.push_back(std::move(message));
    sent_since_tick_ = true;
    if (!writing_) {
      writing_ = true;
      spawn(write_loop());
    }
  }

  void keep_alive(std::chrono::milliseconds interval,
                  std::function<std::shared_ptr<const std::string>()> make_message) override {
    if (phase_ != phase::open || keepalive_started_)
      return;
    keepalive_started_ = true;
    spawn(keepalive_loop(std::max<std::chrono::milliseconds>(interval, min_keepalive_interval),
                         std::move(make_message)));
  }

  void close() override {
    user_closed_ = true;
    if (phase_ == phase::opening) {
      abort();
    } else if (phase_ == phase::open) {
      begin_close();
    }
  }

 private:
  enum class phase { opening, open, closing, closed };

  asio::awaitable<status> do_open(ws_url url, std::string user_agent) {
    if (tls_.problem.error())
      co_return tls_.problem;
    auto [rec, endpoints] =
        co_await resolver_.async_resolve(url.host, std::to_string(url.port), use_tuple);
    if (rec) {
      co_return status{errc::connection_failed,
                       "cannot resolve " + url.host + ": " + rec.message()};
    }
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    auto [cec, endpoint] = co_await tcp_layer.async_connect(endpoints, use_tuple);
    if (cec) {
      co_return status{errc::connection_failed,
                       "cannot connect to " + url.host_header + ": " + cec.message()};
    }
    // Requests are small and latency-bound; Nagle would only delay them.
    boost::system::error_code ignored;
    tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (is_tls) {
      if (auto s = co_await tls_handshake(url.host); !s)
        co_return s;
    }

    ws_.binary(true);
    ws_.read_message_max(max_inbound_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [ua = std::move(user_agent)](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, ua);
        }));
    websocket::response_type response;
    auto [hec] = co_await ws_.async_handshake(response, url.host_header, url.target, use_tuple);
    if (hec == websocket::error::upgrade_declined) {
      co_return status{errc::handshake_failed, "server refused the WebSocket upgrade for " +
                                                   url.target + ": HTTP " +
                                                   std::to_string(response.result_int())};
    }
    if (hec) {
      co_return status{errc::handshake_failed, "WebSocket handshake failed: " + hec.message()};
    }
    // The opening deadline was ours; from here on Beast bounds the close
    // handshake and detects a dead server.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = close_grace;
    t.idle_timeout = dead_server_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    co_return status{};
  }

  asio::awaitable<status> tls_handshake(const std::string& host) {
    SSL* handle = ws_.next_layer().native_handle();
    boost::system::error_code not_ip;
    asio::ip::make_address(host, not_ip);
    // RFC 6066: SNI carries host names only, never address literals.
    if (not_ip)
      SSL_set_tlsext_host_name(handle, host.c_str());
    if (tls_.verify) {
      // OpenSSL checks the name during the handshake: subjectAltName DNS
      // entries for names, IP entries for addresses.
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                             : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
      if (set != 1)
        co_return status{errc::handshake_failed, "cannot check a certificate for " + host};
    }
    auto [ec] = co_await ws_.next_layer().async_handshake(ssl::stream_base::client, use_tuple);
    if (!ec)
      co_return status{};
    const long verdict = SSL_get_verify_result(handle);
    if (tls_.verify && verdict != X509_V_OK) {
      co_return status{errc::handshake_failed,
                       "the server's certificate for " + host +
                           " was refused: " + X509_verify_cert_error_string(verdict)};
    }
    co_return status{errc::handshake_failed,
                     "TLS handshake with " + host + " failed: " + ec.message()};
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, size] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) {
        finish(errc::disconnected, describe_read_error(ec));
        co_return;
      }
      if (!ws_.got_binary()) {
        finish(errc::protocol_error, "server sent a text frame");
        co_return;
      }
      if (phase_ == phase::open && handlers_.on_message) {
        handlers_.on_message(
            std::string_view(static_cast<const char*>(buffer.cdata().data()), buffer.size()));
      }
    }
  }

  std::string describe_read_error(boost::system::error_code ec) const {
    if (ec != websocket::error::closed)
      return "connection lost: " + ec.message();
    const auto& why = ws_.reason();
    return "server closed the connection (code " + std::to_string(why.code) +
           (why.reason.empty() ? ")" : ": " + std::string(why.reason.c_str()) + ")");
  }

  asio::awaitable<void> write_loop() {
    auto self = shared_from_this();
    while (!queue_.empty() && phase_ == phase::open) {
      auto [ec, size] = co_await ws_.async_write(asio::buffer(*queue_.front()), use_tuple);
      if (ec) {
        finish(errc::disconnected, "connection lost: " + ec.message());
        co_return;
      }
      queue_.pop_front();
    }
    writing_ = false;
    if (phase_ == phase::closing)
      co_await close_handshake();
  }

  asio::awaitable<void> keepalive_loop(
      std::chrono::milliseconds interval,
      std::function<std::shared_ptr<const std::string>()> make_message) {
    auto self = shared_from_this();
    while (phase_ == phase::open) {
      keepalive_timer_.expires_after(interval);
      auto [ec] = co_await keepalive_timer_.async_wait(use_tuple);
      if (ec || phase_ != phase::open)
        co_return;
      if (!sent_since_tick_)
        send(make_message());
      sent_since_tick_ = false;
    }
  }

  void begin_close() {
    phase_ = phase::closing;
    keepalive_timer_.cancel();
    close_timer_.expires_after(close_grace);
    close_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec)
        self->finish(errc::disconnected, "close handshake timed out");
    });
    // Beast allows one write-like operation at a time, and the close frame is
    // one: it waits for the write in flight; messages queued behind it are dropped.
    if (writing_) {
      queue_.resize(1);
    } else {
      spawn(close_handshake());
    }
  }

  asio::awaitable<void> close_handshake() {
    auto self = shared_from_this();
    auto [ec] = co_await ws_.async_close(websocket::close_code::normal, use_tuple);
    // On success the read loop sees the server's close frame and finishes.
    if (ec)
      finish(errc::disconnected, "closed by the client");
  }

  // Cancels everything outstanding; pending operations complete with errors.
  void abort() {
    open_deadline_.cancel();
    close_timer_.cancel();
    keepalive_timer_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  // The one way an open WebSocket ends, whichever operation noticed first.
  void finish(std::error_code ec, const std::string& reason) {
    if (phase_ == phase::closed)
      return;
    const bool notify = !user_closed_ && phase_ == phase::open;
    phase_ = phase::closed;
    abort();
    queue_.clear();
    if (notify && handlers_.on_closed)
      handlers_.on_closed(ec, reason);
  }

  // One catch-all per task: an exception here is an SDK bug, and ending the
  // WebSocket is the only safe answer to it.
  void spawn(asio::awaitable<void> task) {
    asio::co_spawn(ws_.get_executor(), std::move(task),
                   [self = shared_from_this()](std::exception_ptr e) {
                     if (e)
                       self->finish(errc::disconnected, "SDK internal error: " + describe(e));
                   });
  }

  ws_transport_handlers handlers_;
  tls_setup tls_;  // before ws_, which refers to its context
  websocket::stream<NextLayer> ws_;
  tcp::resolver resolver_;
  asio::steady_timer open_deadline_;
  asio::steady_timer close_timer_;
  asio::steady_timer keepalive_timer_;
  phase phase_ = phase::opening;
  bool open_timed_out_ = false;
  bool user_closed_ = false;
  bool writing_ = false;
  bool sent_since_tick_ = false;
  bool keepalive_started_ = false;
  // Bounded by the number of threads blocked in a request, plus one keep-alive.
  std::deque<std::shared_ptr<const std::string>> queue_;
};

}  // namespace

std::shared_ptr<ws_transport> ws_transport::create(asio::io_context& context, const ws_url& url,
                                                   const tls_options& tls,
                                                   ws_transport_handlers handlers) {
  if (url.tls) {
    return std::make_shared<beast_transport<tls_stream>>(context, make_tls_context(tls),
                                                         std::move(handlers));
  }
  return std::make_shared<beast_transport<beast::tcp_stream>>(context, tls_setup{},
                                                              std::move(handlers));
}

}  // namespace controlroom::detail
