#include "client_impl.hpp"

#include <future>
#include <utility>

#include "convert.hpp"

namespace controlroom {
namespace {

using namespace std::chrono_literals;

// Extra time a blocking caller waits beyond the deadlines the network thread
// enforces itself before it stops trusting them.
constexpr auto watchdog_slack = 2s;

template <class T>
result<T> failure(const result<v1::ServerEnvelope>& r) {
  return {r.error(), r.message()};
}

}  // namespace

client::impl::impl(client_config config)
    : config_(std::move(config)),
      backoff_(config_.reconnect_initial_backoff, config_.reconnect_max_backoff,
               detail::operation_ids::random_client_id()),
      operation_ids_(detail::operation_ids::random_client_id()),
      media_(connection_, config_.request_timeout, media_hooks()),
      connection_({[this](std::uint64_t generation, v1::ServerEnvelope&& e) {
                     handle_event(generation, std::move(e));
                   },
                   [this](std::uint64_t generation, std::error_code ec, const std::string& reason) {
                     handle_closed(generation, ec, reason);
                   }}) {}

detail::media_engine::hooks client::impl::media_hooks() {
  return {[this] {
            std::lock_guard lock(mutex_);
            return url_.host;
          },
          [this](const std::vector<audio_stream_info>& streams) {
            return notify(&impl::on_streams_changed_, streams);
          }};
}

client::impl::~impl() {
  alive_->store(false);
  close();
  // Armed timers would keep the network thread from winding down.
  if (connection_.on_network_thread()) {
    abandon_network_work();
  } else {
    // Runs while connection_'s destructor joins the thread, before any
    // member it touches is destroyed.
    connection_.post([this] { abandon_network_work(); });
  }
}

status client::impl::connect() {
  if (connection_.on_network_thread()) {
    return {errc::wrong_thread, "connect() called from an SDK callback"};
  }
  std::lock_guard serial(connect_mutex_);
  auto url = detail::parse_ws_url(config_.url);
  if (!url)
    return {url.error(), url.message()};
  close();
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    url_ = url.value();
    home_url_ = url.value();
    epoch = epoch_;
  }
  auto done = std::make_shared<std::promise<status>>();
  auto established = done->get_future();
  connection_.post(guarded([this, epoch, done] {
    do_establish(epoch, false, [done](status s) { done->set_value(std::move(s)); });
  }));
  const auto bound = config_.connect_timeout + 2 * config_.request_timeout + watchdog_slack;
  if (established.wait_for(bound) == std::future_status::timeout) {
    close();
    return {errc::timeout, "no connection within " + std::to_string(bound.count()) + " ms"};
  }
  return established.get();
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

detail::tls_options client::impl::tls_options() const {
  return {config_.ca_file, config_.insecure_skip_verify};
}

result<joined_session> client::impl::join(const std::string& session_id,
                                          const std::vector<role>& roles) {
  auto redirect = std::make_shared<std::string>();
  auto joined = join_here(session_id, roles, redirect);
  if (joined || joined.error() != errc::moved || redirect->empty())
    return joined;
  {
    std::lock_guard lock(mutex_);
    // Moving the connection would silently drop the session the
    // application is in.
    if (!joined_session_id_.empty())
      return joined;
  }
  if (auto moved = relocate(*redirect); !moved)
    return {moved.error(), "following the redirect to " + *redirect + ": " + moved.message()};
  // Once per call: a second redirect (the session moved on meanwhile) is
  // returned as it is rather than chased.
  return join_here(session_id, roles, std::make_shared<std::string>());
}

// Replaces the connection with one to `url_text` (a MOVED redirect), as
// connect() would but without passing through "closed".
status client::impl::relocate(const std::string& url_text) {
  auto url = detail::parse_ws_url(url_text);
  if (!url)
    return {errc::protocol_error, "the server redirected to a bad URL: " + url.message()};
  std::lock_guard serial(connect_mutex_);
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    if (generation_ == 0 || reconnecting_)
      return {errc::not_connected, "the connection ended meanwhile"};
    url_ = url.value();
    epoch = epoch_;
  }
  auto done = std::make_shared<std::promise<status>>();
  auto established = done->get_future();
  connection_.post(guarded([this, epoch, done] {
    do_establish(epoch, false, [done](status s) { done->set_value(std::move(s)); });
  }));
  const auto bound = config_.connect_timeout + 2 * config_.request_timeout + watchdog_slack;
  status outcome;
  if (established.wait_for(bound) == std::future_status::timeout) {
    outcome = {errc::timeout, "no connection within " + std::to_string(bound.count()) + " ms"};
  } else {
    outcome = established.get();
  }
  // The old connection is gone either way; without the new one the client
  // holds none.
  if (!outcome)
    close();
  return outcome;
}

result<joined_session> client::impl::join_here(const std::string& session_id,
                                               const std::vector<role>& roles,
                                               const std::shared_ptr<std::string>& redirect) {
  if (auto s = usable(); !s)
    return {s.error(), s.message()};
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  v1::ClientEnvelope request;
  auto* join = request.mutable_join_session();
  join->set_session_id(session_id);
  detail::roles_to_proto(roles, join->mutable_roles());
  const auto resume = replica_.resume_from(session_id);
  join->set_has_replica(resume.has_replica);
  join->set_known_version(resume.known_version);

  // The reply is adopted on the network thread, before the SessionEvents
  // that follow it there; the caller only waits for the outcome.
  auto outcome = std::make_shared<std::promise<result<joined_session>>>();
  auto answered = outcome->get_future();
  connection_.async_request(
      generation, std::move(request), config_.request_timeout,
      [this, alive = alive_, generation, roles, outcome, redirect](result<v1::ServerEnvelope> r) {
        if (!alive->load()) {
          outcome->set_value({errc::disconnected, "client destroyed"});
          return;
        }
        if (r && r.value().has_error() && r.value().error().code() == v1::ERROR_CODE_MOVED)
          *redirect = r.value().error().redirect_url();
        auto reply = detail::expect_body(std::move(r), body::kJoined);
        if (!reply) {
          outcome->set_value(failure<joined_session>(reply));
          return;
        }
        const auto& joined = reply.value().joined();
        {
          std::lock_guard lock(mutex_);
          join_roles_ = roles;
        }
        auto joined_session = detail::from_proto(joined);
        adopt_joined(generation, joined, false);
        outcome->set_value(std::move(joined_session));
      });
  if (answered.wait_for(config_.request_timeout + watchdog_slack) == std::future_status::timeout)
    return {errc::timeout,
            "no reply within " + std::to_string(config_.request_timeout.count()) + " ms"};
  return answered.get();
}

status client::impl::leave() {
  if (auto s = usable(); !s)
    return s;
  std::string session_id;
  {
    std::lock_guard lock(mutex_);
    // From now on the client does not want the session back, even if the
    // connection drops before the server has answered.
    session_id = std::exchange(joined_session_id_, {});
  }
  if (session_id.empty())
    return {errc::not_joined, "not in a session"};
  connection_.post(guarded([this] { media_.on_left(); }));
  v1::ClientEnvelope request;
  request.mutable_leave_session()->set_session_id(session_id);
  auto reply = call(std::move(request), body::kLeft);
  if (!reply)
    return {reply.error(), reply.message()};
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
  bool was_active = false;
  {
    std::lock_guard lock(mutex_);
    was_active = generation_ != 0 || reconnecting_;
    ++epoch_;
    generation_ = 0;
    reconnecting_ = false;
    joined_session_id_.clear();
  }
  connection_.close();
  connection_.post(guarded([this, was_active] {
    joined_generation_ = 0;
    if (reconnect_timer_)
      reconnect_timer_->cancel();
    if (!media_.on_left())
      return;
    if (!fail_intents({errc::disconnected, "closed by the client"}))
      return;
    if (was_active)
      notify(&impl::on_connection_state_, connection_state::closed);
  }));
}

void client::impl::interrupt() {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  if (generation != 0)
    connection_.interrupt(generation, "interrupted by the application");
}

void client::impl::on_state_changed(std::function<void(const event_info&)> handler) {
  std::lock_guard lock(mutex_);
  on_state_changed_ = std::move(handler);
}

void client::impl::on_presence(std::function<void(const presence_event&)> handler) {
  std::lock_guard lock(mutex_);
  on_presence_ = std::move(handler);
}

void client::impl::on_connection_state(std::function<void(connection_state)> handler) {
  std::lock_guard lock(mutex_);
  on_connection_state_ = std::move(handler);
}

void client::impl::on_disconnected(
    std::function<void(std::error_code, const std::string&)> handler) {
  std::lock_guard lock(mutex_);
  on_disconnected_ = std::move(handler);
}

status client::impl::usable() const {
  if (connection_.on_network_thread()) {
    return {errc::wrong_thread, "blocking call from an SDK callback"};
  }
  std::lock_guard lock(mutex_);
  if (reconnecting_)
    return {errc::not_connected, "reconnecting; try again once resumed"};
  if (generation_ == 0)
    return {errc::not_connected, "not connected; call connect() first"};
  return {};
}

result<v1::ServerEnvelope> client::impl::call(v1::ClientEnvelope request, body expected) {
  if (auto s = usable(); !s)
    return {s.error(), s.message()};
  return detail::expect_body(connection_.request(std::move(request), config_.request_timeout),
                             expected);
}

void client::impl::handle_event(std::uint64_t generation, v1::ServerEnvelope&& envelope) {
  if (media_.on_event(generation, envelope))
    return;
  if (envelope.has_session_event()) {
    // Events of a WebSocket whose replica broke are moot: it is being dropped.
    if (generation != joined_generation_)
      return;
    auto applied = replica_.apply(envelope.session_event());
    if (!applied) {
      joined_generation_ = 0;
      connection_.interrupt(generation, "replica: " + applied.message());
      return;
    }
    notify(&impl::on_state_changed_, applied.value());
  } else if (envelope.has_go_away()) {
    // The server is draining and names where to go; the close follows, and
    // the reconnect it causes goes there. Empty: come back here later.
    if (auto url = detail::parse_ws_url(envelope.go_away().reconnect_url())) {
      std::lock_guard lock(mutex_);
      url_ = url.value();
    }
  } else if (envelope.has_presence()) {
    auto event = detail::from_proto(envelope.presence());
    if (!event)
      return;
    roster_.apply(*event);
    notify(&impl::on_presence_, *event);
  }
  // Events this SDK does not know yet (from a newer server) are skipped.
}

// Network thread: the Joined reply of join() or of a resume.
client::impl::adopted client::impl::adopt_joined(std::uint64_t generation, const v1::Joined& joined,
                                                 bool resumed) {
  const auto& session_id = joined.session().id();
  {
    std::lock_guard lock(mutex_);
    joined_session_id_ = session_id;
  }
  joined_generation_ = generation;
  std::vector<participant> present;
  present.reserve(static_cast<std::size_t>(joined.participants_size()));
  for (const auto& p : joined.participants())
    present.push_back(detail::from_proto(p));
  std::vector<presence_event> missed;
  if (resumed) {
    missed = roster_.replace(session_id, std::move(present));
  } else {
    roster_.reset(std::move(present));
  }

  auto alive = alive_;
  const auto caught = replica_.catch_up(
      joined, [this](const event_info& info) { return notify(&impl::on_state_changed_, info); });
  if (!alive->load())
    return adopted::destroyed;
  if (!caught) {
    // The replica still holds a consistent version (or knows it needs a
    // snapshot): a fresh resume heals it.
    joined_generation_ = 0;
    connection_.interrupt(generation, "replica: " + caught.message());
    return adopted::broken;
  }
  for (const auto& event : missed) {
    if (!notify(&impl::on_presence_, event))
      return adopted::destroyed;
  }
  return adopted::ok;
}

}  // namespace controlroom
