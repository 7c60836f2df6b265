#include "control_client.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace controlroom::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
namespace v1 = controlroom::v1;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

class tls_client_context {
 public:
  explicit tls_client_context(const tls_options& options)
      : context_(ssl::context::tls_client), verify_(!options.insecure) {
    // Mumble's tunnel negotiates TLS 1.3 with OpenSSL's defaults; so do we.
    SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_2_VERSION);
    if (!verify_) {
      context_.set_verify_mode(ssl::verify_none);
      return;
    }
    context_.set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (options.ca_file.empty()) {
      context_.set_default_verify_paths(ec);
    } else {
      context_.load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      throw std::runtime_error(
          "cannot load " + (options.ca_file.empty() ? "the system's CA store" : options.ca_file) +
          ": " + ec.message());
    }
  }

  ssl::context& context() { return context_; }
  bool verify() const { return verify_; }

 private:
  ssl::context context_;
  bool verify_;
};

server_address parse_ws_url(const std::string& url, const tls_options& tls) {
  server_address a;
  const auto scheme = url.find("://");
  auto rest = url;
  if (scheme != std::string::npos) {
    const auto name = url.substr(0, scheme);
    if (name != "ws" && name != "wss") {
      throw std::runtime_error("expected a ws:// or wss:// URL, got " + url);
    }
    if (name == "wss") {
      a.tls = std::make_shared<tls_client_context>(tls);
    }
    rest = url.substr(scheme + 3);
  }
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    a.path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    a.host = rest;
  } else {
    a.host = rest.substr(0, colon);
    a.port = rest.substr(colon + 1);
  }
  return a;
}

// The operations control_client needs of its WebSocket, whatever lies under
// it; one virtual call per frame is noise next to a syscall.
class control_client::stream {
 public:
  virtual ~stream() = default;
  virtual asio::awaitable<void> connect(const server_address& address) = 0;
  virtual asio::awaitable<error_code> write(const std::string& bytes) = 0;
  virtual asio::awaitable<error_code> read(v1::ServerEnvelope& env) = 0;
  virtual tcp::socket& socket() = 0;
};

namespace {

using tls_layer = beast::ssl_stream<tcp::socket>;

template <class NextLayer>
class websocket_stream final : public control_client::stream {
  static constexpr bool is_tls = std::is_same_v<NextLayer, tls_layer>;

 public:
  websocket_stream(asio::io_context& ioc, tls_client_context* tls)
      : ws_(make(ioc, tls)), tls_(tls) {
    // Joined may carry a whole snapshot: server frames are not bounded by
    // the client's max_frame_bytes (protocol.md §1).
    ws_.read_message_max(64 * 1024 * 1024);
  }

  asio::awaitable<void> connect(const server_address& address) override {
    tcp::resolver resolver(ws_.get_executor());
    const auto endpoints =
        co_await resolver.async_resolve(address.host, address.port, use_awaitable);
    co_await asio::async_connect(socket(), endpoints, use_awaitable);
    socket().set_option(tcp::no_delay(true));
    if constexpr (is_tls) {
      co_await tls_handshake(address.host);
    }
    co_await ws_.async_handshake(address.host, address.path, use_awaitable);
    ws_.binary(true);
  }

  asio::awaitable<error_code> write(const std::string& bytes) override {
    error_code ec;
    co_await ws_.async_write(asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
    co_return ec;
  }

  asio::awaitable<error_code> read(v1::ServerEnvelope& env) override {
    buffer_.clear();
    error_code ec;
    co_await ws_.async_read(buffer_, asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      const auto data = buffer_.cdata();
      if (!env.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
        env.Clear();
      }
    }
    co_return ec;
  }

  tcp::socket& socket() override { return beast::get_lowest_layer(ws_); }

 private:
  static websocket::stream<NextLayer> make(asio::io_context& ioc, tls_client_context* tls) {
    if constexpr (is_tls) {
      return websocket::stream<NextLayer>(ioc, tls->context());
    } else {
      return websocket::stream<NextLayer>(ioc);
    }
  }

  asio::awaitable<void> tls_handshake(const std::string& host) {
    SSL* handle = ws_.next_layer().native_handle();
    error_code not_ip;
    asio::ip::make_address(host, not_ip);
    // RFC 6066: SNI carries host names only, never address literals.
    if (not_ip && SSL_set_tlsext_host_name(handle, host.c_str()) != 1) {
      throw std::runtime_error("cannot set SNI " + host);
    }
    if (tls_->verify()) {
      // OpenSSL checks the name during the handshake: subjectAltName DNS
      // entries for names, IP entries for addresses.
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                             : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
      if (set != 1) {
        throw std::runtime_error("cannot check a certificate for " + host);
      }
    }
    error_code ec;
    co_await ws_.next_layer().async_handshake(ssl::stream_base::client,
                                              asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      co_return;
    }
    const long verdict = SSL_get_verify_result(handle);
    if (tls_->verify() && verdict != X509_V_OK) {
      throw std::runtime_error("the server's certificate for " + host +
                               " was refused: " + X509_verify_cert_error_string(verdict));
    }
    throw boost::system::system_error(ec, "TLS handshake with " + host);
  }

  websocket::stream<NextLayer> ws_;
  tls_client_context* tls_;
  beast::flat_buffer buffer_;
};

}  // namespace

control_client::control_client(asio::io_context& ioc) : ioc_(ioc) {}

control_client::~control_client() = default;

asio::awaitable<void> control_client::open(const server_address& address,
                                           const std::string& token) {
  if (address.tls) {
    stream_ = std::make_unique<websocket_stream<tls_layer>>(ioc_, address.tls.get());
  } else {
    stream_ = std::make_unique<websocket_stream<tcp::socket>>(ioc_, nullptr);
  }
  co_await stream_->connect(address);
  v1::ClientEnvelope hello;
  hello.mutable_hello()->set_min_version(1);
  hello.mutable_hello()->set_max_version(1);
  hello.mutable_hello()->set_client_name("media_load/0.1");
  co_await expect(hello, v1::ServerEnvelope::kHelloReply, "hello");
  v1::ClientEnvelope auth;
  auth.mutable_authenticate()->set_bearer_token(token);
  co_await expect(auth, v1::ServerEnvelope::kAuthenticated, "authenticate");
}

asio::awaitable<v1::ServerEnvelope> control_client::request(v1::ClientEnvelope env) {
  env.set_request_id(++next_id_);
  const auto ec = co_await send_bytes(env.SerializeAsString());
  if (ec) {
    throw boost::system::system_error(ec, "control write");
  }
  for (;;) {
    v1::ServerEnvelope reply;
    if (const auto rec = co_await receive(reply)) {
      throw boost::system::system_error(rec, "control read");
    }
    if (reply.request_id() == env.request_id()) {
      co_return reply;
    }
  }
}

asio::awaitable<v1::ServerEnvelope> control_client::expect(v1::ClientEnvelope env,
                                                           v1::ServerEnvelope::BodyCase body,
                                                           const char* what) {
  auto reply = co_await request(std::move(env));
  if (reply.body_case() != body) {
    throw std::runtime_error(std::string(what) + " failed: " +
                             (reply.has_error()
                                  ? reply.error().message()
                                  : "unexpected reply " + std::to_string(reply.body_case())));
  }
  co_return reply;
}

// Not coroutines themselves: the stream's awaitable is handed on, so a frame
// costs one coroutine frame, as before the TLS option.
asio::awaitable<error_code> control_client::send_bytes(const std::string& bytes) {
  return stream_->write(bytes);
}

asio::awaitable<error_code> control_client::receive(v1::ServerEnvelope& env) {
  return stream_->read(env);
}

tcp::endpoint control_client::local_endpoint() const {
  return stream_->socket().local_endpoint();
}

tcp::endpoint control_client::remote_endpoint() const {
  return stream_->socket().remote_endpoint();
}

}  // namespace controlroom::bench
