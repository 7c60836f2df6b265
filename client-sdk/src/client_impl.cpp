#include "client_impl.hpp"

#include <utility>

#include "convert.hpp"
#include "url.hpp"

namespace controlroom {
namespace {

constexpr std::uint32_t min_protocol_version = 1;
constexpr std::uint32_t max_protocol_version = 1;

// An exception escaping into the network thread would end the connection for
// everyone; the callback contract says "must not throw", this enforces it.
template <class F, class... Args>
void invoke_quietly(const F& f, const Args&... args) noexcept {
  if (!f)
    return;
  try {
    f(args...);
  } catch (...) {
  }
}

template <class T>
result<T> failure(const result<v1::ServerEnvelope>& r) {
  return {r.error(), r.message()};
}

}  // namespace

client::impl::impl(client_config config)
    : config_(std::move(config)),
      connection_({[this](v1::ServerEnvelope&& e) { handle_event(std::move(e)); },
                   [this](std::uint64_t generation, std::error_code ec, const std::string& reason) {
                     handle_closed(generation, ec, reason);
                   }}) {}

status client::impl::connect() {
  if (connection_.on_network_thread()) {
    return {errc::wrong_thread, "connect() called from an SDK callback"};
  }
  std::lock_guard serial(connect_mutex_);
  auto url = detail::parse_ws_url(config_.url);
  if (!url)
    return {url.error(), url.message()};
  close();
  auto opened = connection_.open(url.value(), config_.connect_timeout, config_.client_name);
  if (!opened)
    return {opened.error(), opened.message()};
  auto s = handshake(opened.value());
  if (!s)
    connection_.close();
  return s;
}

std::string client::impl::connection_id() const {
  std::lock_guard lock(mutex_);
  return connection_id_;
}

std::uint32_t client::impl::protocol_version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

result<session_info> client::impl::create_session(const session_options& options) {
  v1::ClientEnvelope request;
  detail::to_proto(options, request.mutable_create_session());
  auto reply = call(std::move(request), body::kSessionCreated);
  if (!reply)
    return failure<session_info>(reply);
  return detail::from_proto(reply.value().session_created().session());
}

result<joined_session> client::impl::join(const std::string& session_id,
                                          const std::vector<role>& roles) {
  v1::ClientEnvelope request;
  auto* join = request.mutable_join_session();
  join->set_session_id(session_id);
  detail::roles_to_proto(roles, join->mutable_roles());
  auto reply = call(std::move(request), body::kJoined);
  if (!reply)
    return failure<joined_session>(reply);
  auto joined = detail::from_proto(reply.value().joined());
  std::lock_guard lock(mutex_);
  joined_session_id_ = joined.session.id;
  return joined;
}

status client::impl::leave() {
  if (auto s = usable(); !s)
    return s;
  std::string session_id;
  {
    std::lock_guard lock(mutex_);
    session_id = joined_session_id_;
  }
  if (session_id.empty())
    return {errc::not_joined, "not in a session"};
  v1::ClientEnvelope request;
  request.mutable_leave_session()->set_session_id(session_id);
  auto reply = call(std::move(request), body::kLeft);
  if (!reply)
    return {reply.error(), reply.message()};
  std::lock_guard lock(mutex_);
  if (joined_session_id_ == session_id)
    joined_session_id_.clear();
  return {};
}

result<std::chrono::microseconds> client::impl::ping() {
  using std::chrono::steady_clock;
  const auto sent = steady_clock::now();
  v1::ClientEnvelope request;
  request.mutable_ping()->set_client_time_us(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(sent.time_since_epoch()).count()));
  auto reply = call(std::move(request), body::kPong);
  if (!reply)
    return failure<std::chrono::microseconds>(reply);
  return std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - sent);
}

void client::impl::close() {
  {
    std::lock_guard lock(mutex_);
    generation_ = 0;
    joined_session_id_.clear();
  }
  connection_.close();
}

void client::impl::on_presence(std::function<void(const presence_event&)> handler) {
  std::lock_guard lock(mutex_);
  on_presence_ = std::move(handler);
}

void client::impl::on_disconnected(
    std::function<void(std::error_code, const std::string&)> handler) {
  std::lock_guard lock(mutex_);
  on_disconnected_ = std::move(handler);
}

// Hello then Authenticate on the freshly opened WebSocket `generation`.
status client::impl::handshake(std::uint64_t generation) {
  v1::ClientEnvelope hello_request;
  auto* hello = hello_request.mutable_hello();
  hello->set_min_version(min_protocol_version);
  hello->set_max_version(max_protocol_version);
  hello->set_client_name(config_.client_name);
  auto hello_reply = round_trip(std::move(hello_request), body::kHelloReply);
  if (!hello_reply)
    return {hello_reply.error(), hello_reply.message()};
  const auto& agreed = hello_reply.value().hello_reply();
  if (agreed.version() < min_protocol_version || agreed.version() > max_protocol_version) {
    return {errc::protocol_error, "server chose protocol version " +
                                      std::to_string(agreed.version()) +
                                      ", which this SDK does not speak"};
  }
  connection_.set_server_limits(agreed.max_frame_bytes(),
                                std::chrono::milliseconds(agreed.idle_timeout_ms()));

  v1::ClientEnvelope auth_request;
  auth_request.mutable_authenticate()->set_bearer_token(config_.token);
  auto auth = round_trip(std::move(auth_request), body::kAuthenticated);
  if (!auth)
    return {auth.error(), auth.message()};

  std::lock_guard lock(mutex_);
  // The drop may have been reported while we waited; it is then ours to tell.
  if (dropped_generation_ == generation)
    return {errc::disconnected, dropped_reason_};
  me_ = detail::from_proto(auth.value().authenticated().user());
  connection_id_ = agreed.connection_id();
  version_ = agreed.version();
  generation_ = generation;
  joined_session_id_.clear();
  return {};
}

status client::impl::usable() const {
  if (connection_.on_network_thread()) {
    return {errc::wrong_thread, "blocking call from an SDK callback"};
  }
  std::lock_guard lock(mutex_);
  if (generation_ == 0)
    return {errc::not_connected, "not connected; call connect() first"};
  return {};
}

result<v1::ServerEnvelope> client::impl::call(v1::ClientEnvelope request, body expected) {
  if (auto s = usable(); !s)
    return {s.error(), s.message()};
  return round_trip(std::move(request), expected);
}

// Any reply but the expected body (or an Error) means the server broke the contract.
result<v1::ServerEnvelope> client::impl::round_trip(v1::ClientEnvelope request, body expected) {
  auto reply = connection_.request(std::move(request), config_.request_timeout);
  if (!reply)
    return reply;
  const auto& envelope = reply.value();
  if (envelope.has_error()) {
    auto s = detail::to_status(envelope.error());
    return {s.error(), s.message()};
  }
  if (envelope.body_case() != expected) {
    return {errc::protocol_error, "expected " + std::string(detail::body_name(expected)) +
                                      ", the server sent " +
                                      std::string(detail::body_name(envelope.body_case()))};
  }
  return reply;
}

void client::impl::handle_event(v1::ServerEnvelope&& envelope) {
  // Events this SDK does not know yet (from a newer server) are skipped.
  if (!envelope.has_presence())
    return;
  auto event = detail::from_proto(envelope.presence());
  if (!event)
    return;
  std::function<void(const presence_event&)> callback;
  {
    std::lock_guard lock(mutex_);
    callback = on_presence_;
  }
  // A copy: the callback may destroy the client, and with it on_presence_.
  invoke_quietly(callback, *event);
}

void client::impl::handle_closed(std::uint64_t generation, std::error_code ec,
                                 const std::string& reason) {
  std::function<void(std::error_code, const std::string&)> callback;
  {
    std::lock_guard lock(mutex_);
    dropped_generation_ = generation;
    dropped_reason_ = reason;
    // Not yet authenticated: connect() is still running and reports the drop itself.
    if (generation_ != generation)
      return;
    generation_ = 0;
    joined_session_id_.clear();
    callback = on_disconnected_;
  }
  invoke_quietly(callback, ec, reason);
}

}  // namespace controlroom
