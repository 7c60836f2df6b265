#include "raw_clients.hpp"

#include <cctype>
#include <deque>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace controlroom::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto default_timeout = std::chrono::seconds(10);

// Runs the io_context until `done` or the timeout; a sync Asio call would
// ignore socket timeouts and could hang a test forever.
void run_until(asio::io_context& ioc, const bool& done, std::chrono::milliseconds timeout,
               const char* what) {
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_until(deadline);
  }
  if (!done) {
    throw std::runtime_error(std::string("timed out: ") + what);
  }
}

}  // namespace

http_result http_request(std::uint16_t port, const std::string& target, const std::string& method,
                         const std::string& bearer,
                         const std::map<std::string, std::string>& headers,
                         const std::string& body) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  if (!bearer.empty()) {
    req.set(http::field::authorization, "Bearer " + bearer);
  }
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  bool done = false;
  beast::error_code error;
  http::async_read(socket, buffer, res, [&](beast::error_code ec, std::size_t) {
    error = ec;
    done = true;
  });
  run_until(ioc, done, default_timeout, "HTTP response");
  if (error) {
    throw std::runtime_error("HTTP read failed: " + error.message());
  }
  http_result out{res.result_int(), std::string(res[http::field::content_type]), res.body(), {}};
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.headers[name] = std::string(field.value());
  }
  return out;
}

struct raw_ws::impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  int close_code = -1;
  std::string close_reason;
  std::uint64_t next_id = 1;
  std::chrono::milliseconds timeout;
  std::deque<controlroom::v1::ServerEnvelope> unsolicited;
};

raw_ws::raw_ws(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->timeout = timeout;
  impl_->ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  impl_->ws.handshake("127.0.0.1", "/v1/control");
  impl_->ws.read_message_max(64 * 1024 * 1024);
}

raw_ws::~raw_ws() {
  beast::error_code ignored;
  impl_->ws.next_layer().close(ignored);
}

void raw_ws::send_binary(const std::string& bytes) {
  impl_->ws.binary(true);
  beast::error_code ignored;  // a server that closes early shows in receive()
  impl_->ws.write(asio::buffer(bytes), ignored);
}

void raw_ws::send_text(const std::string& text) {
  impl_->ws.text(true);
  beast::error_code ignored;
  impl_->ws.write(asio::buffer(text), ignored);
}

void raw_ws::send(const controlroom::v1::ClientEnvelope& envelope) {
  send_binary(envelope.SerializeAsString());
}

std::optional<controlroom::v1::ServerEnvelope> raw_ws::receive() {
  beast::error_code ec;
  bool done = false;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  try {
    run_until(impl_->ioc, done, impl_->timeout, "message from the server");
  } catch (...) {
    beast::error_code ignored;
    impl_->ws.next_layer().close(ignored);
    throw;
  }
  if (ec == websocket::error::closed) {
    impl_->close_code = impl_->ws.reason().code;
    impl_->close_reason =
        std::string(impl_->ws.reason().reason.data(), impl_->ws.reason().reason.size());
    return std::nullopt;
  }
  if (ec) {
    impl_->close_code = 0;  // no close frame: the connection was cut
    return std::nullopt;
  }
  controlroom::v1::ServerEnvelope envelope;
  const auto data = impl_->buffer.cdata();
  if (!envelope.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    throw std::runtime_error("the server sent a frame that is not a ServerEnvelope");
  }
  return envelope;
}

int raw_ws::close_code() const {
  return impl_->close_code;
}

std::string raw_ws::close_reason() const {
  return impl_->close_reason;
}

std::string raw_ws::handshake(const std::string& token) {
  controlroom::v1::ClientEnvelope hello;
  hello.set_request_id(impl_->next_id++);
  hello.mutable_hello()->set_min_version(1);
  hello.mutable_hello()->set_max_version(1);
  send(hello);
  auto reply = receive();
  if (!reply || !reply->has_hello_reply()) {
    throw std::runtime_error("no HelloReply");
  }
  controlroom::v1::ClientEnvelope auth;
  auth.set_request_id(impl_->next_id++);
  auth.mutable_authenticate()->set_bearer_token(token);
  send(auth);
  reply = receive();
  if (!reply || !reply->has_authenticated()) {
    throw std::runtime_error("not authenticated: " + (reply ? reply->DebugString() : "closed"));
  }
  return reply->authenticated().user().name();
}

}  // namespace controlroom::testing

namespace controlroom::testing {

controlroom::v1::ServerEnvelope raw_ws::request(controlroom::v1::ClientEnvelope envelope) {
  const auto id = impl_->next_id++;
  envelope.set_request_id(id);
  send(envelope);
  for (;;) {
    auto reply = receive();
    if (!reply) {
      throw std::runtime_error("the server closed the connection");
    }
    if (reply->request_id() == id) {
      return *reply;
    }
    if (reply->request_id() != 0) {
      throw std::runtime_error("reply to an unknown request: " + reply->DebugString());
    }
    impl_->unsolicited.push_back(std::move(*reply));
  }
}

controlroom::v1::ServerEnvelope raw_ws::next_event() {
  if (!impl_->unsolicited.empty()) {
    auto first = std::move(impl_->unsolicited.front());
    impl_->unsolicited.pop_front();
    return first;
  }
  auto message = receive();
  if (!message) {
    throw std::runtime_error("the server closed the connection");
  }
  if (message->request_id() != 0) {
    throw std::runtime_error("expected an event, got a reply: " + message->DebugString());
  }
  return *message;
}

}  // namespace controlroom::testing
