#include "control_client.hpp"

#include <stdexcept>

namespace controlroom::bench {

namespace asio = boost::asio;
namespace v1 = controlroom::v1;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

server_address parse_ws_url(const std::string& url) {
  server_address a;
  const auto scheme = url.find("://");
  auto rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
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

control_client::control_client(asio::io_context& ioc) : ws_(ioc) {
  // Joined may carry a whole snapshot: server frames are not bounded by
  // the client's max_frame_bytes (protocol.md §1).
  ws_.read_message_max(64 * 1024 * 1024);
}

asio::awaitable<void> control_client::open(const server_address& address,
                                           const std::string& token) {
  tcp::resolver resolver(ws_.get_executor());
  const auto endpoints = co_await resolver.async_resolve(address.host, address.port, use_awaitable);
  co_await asio::async_connect(ws_.next_layer(), endpoints, use_awaitable);
  ws_.next_layer().set_option(tcp::no_delay(true));
  co_await ws_.async_handshake(address.host, address.path, use_awaitable);
  ws_.binary(true);
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

asio::awaitable<boost::system::error_code> control_client::send_bytes(const std::string& bytes) {
  boost::system::error_code ec;
  co_await ws_.async_write(asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
  co_return ec;
}

asio::awaitable<boost::system::error_code> control_client::receive(v1::ServerEnvelope& env) {
  buffer_.clear();
  boost::system::error_code ec;
  co_await ws_.async_read(buffer_, asio::redirect_error(use_awaitable, ec));
  if (!ec) {
    const auto data = buffer_.cdata();
    if (!env.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      env.Clear();
    }
  }
  co_return ec;
}

tcp::endpoint control_client::local_endpoint() const {
  return ws_.next_layer().local_endpoint();
}

tcp::endpoint control_client::remote_endpoint() const {
  return ws_.next_layer().remote_endpoint();
}

}  // namespace controlroom::bench
