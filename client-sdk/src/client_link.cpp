// Establishing, losing and resuming the connection. All on the network
// thread, as a chain of completions: open -> Hello -> Authenticate
// [-> JoinSession when resuming]. connect() waits for the chain; a drop while
// joined restarts it after a backoff until it succeeds, is refused, or the
// application closes the client (which bumps the epoch every step checks).

#include "client_impl.hpp"
#include "convert.hpp"

namespace controlroom {
namespace {

constexpr std::uint32_t min_protocol_version = 1;
constexpr std::uint32_t max_protocol_version = 1;

// A refusal that a later attempt could overcome: the network, a server that
// is restarting or draining, or one that broke the protocol once. Refusals
// about who we are or what we asked for (unauthenticated, forbidden,
// not_found, ...) would only repeat.
bool worth_retrying(std::error_code ec) {
  if (ec.category() != error_category())
    return true;
  switch (static_cast<errc>(ec.value())) {
    case errc::connection_failed:
    case errc::handshake_failed:
    case errc::timeout:
    case errc::disconnected:
    case errc::not_connected:
    case errc::protocol_error:
    case errc::unavailable:
    case errc::rate_limited:
    case errc::internal:
      return true;
    default:
      return false;
  }
}

bool unreachable(std::error_code ec) {
  return ec == errc::connection_failed || ec == errc::handshake_failed || ec == errc::timeout;
}

}  // namespace

bool client::impl::current(std::uint64_t epoch) const {
  std::lock_guard lock(mutex_);
  return epoch == epoch_;
}

void client::impl::do_establish(std::uint64_t epoch, bool rejoin, establish_done done) {
  detail::ws_url url;
  {
    std::lock_guard lock(mutex_);
    url = url_;
    if (rejoin && !joined_session_id_.empty()) {
      // Name the session to rejoin, so the server serves this connection
      // on the thread that runs the session.
      url.target = detail::with_session_hint(url.target, joined_session_id_);
    }
  }
  connection_.async_open(url, tls_options(), config_.connect_timeout, config_.client_name,
                         guarded([this, epoch, rejoin, done](result<std::uint64_t> opened) mutable {
                           if (!opened) {
                             done({opened.error(), opened.message()});
                           } else if (!current(epoch)) {
                             // Whoever bumped the epoch owns the connection now; leave it be.
                             done({errc::disconnected, "closed while connecting"});
                           } else {
                             on_opened(epoch, rejoin, opened.value(), std::move(done));
                           }
                         }));
}

void client::impl::on_opened(std::uint64_t epoch, bool rejoin, std::uint64_t generation,
                             establish_done done) {
  v1::ClientEnvelope request;
  auto* hello = request.mutable_hello();
  hello->set_min_version(min_protocol_version);
  hello->set_max_version(max_protocol_version);
  hello->set_client_name(config_.client_name);
  connection_.async_request(
      generation, std::move(request), config_.request_timeout,
      guarded([this, epoch, rejoin, generation, done](result<v1::ServerEnvelope> r) mutable {
        auto reply = detail::expect_body(std::move(r), body::kHelloReply);
        status failed;
        if (!reply) {
          failed = {reply.error(), reply.message()};
        } else if (const auto v = reply.value().hello_reply().version();
                   v < min_protocol_version || v > max_protocol_version) {
          failed = {errc::protocol_error, "server chose protocol version " + std::to_string(v) +
                                              ", which this SDK does not speak"};
        }
        if (failed.error()) {
          connection_.close(generation);
          done(failed);
          return;
        }
        const auto& hello = reply.value().hello_reply();
        connection_.set_server_limits(generation, hello.max_frame_bytes(),
                                      std::chrono::milliseconds(hello.idle_timeout_ms()));
        v1::ClientEnvelope auth;
        auth.mutable_authenticate()->set_bearer_token(config_.token);
        connection_.async_request(
            generation, std::move(auth), config_.request_timeout,
            guarded([this, epoch, rejoin, generation, hello,
                     done](result<v1::ServerEnvelope> r) mutable {
              auto reply = detail::expect_body(std::move(r), body::kAuthenticated);
              if (!reply) {
                connection_.close(generation);
                done({reply.error(), reply.message()});
                return;
              }
              on_authenticated(epoch, rejoin, generation, hello,
                               reply.value().authenticated().user(), std::move(done));
            }));
      }));
}

void client::impl::on_authenticated(std::uint64_t epoch, bool rejoin, std::uint64_t generation,
                                    const v1::HelloReply& hello, const v1::User& who,
                                    establish_done done) {
  std::string session_id;
  std::vector<role> roles;
  {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) {
      done({errc::disconnected, "closed while connecting"});
      return;
    }
    session_id = joined_session_id_;
    roles = join_roles_;
    if (!rejoin || session_id.empty()) {
      // A first connect, or the application left while we were away: plain
      // connected, in no session.
      if (!rejoin)
        me_ = detail::from_proto(who);
      connection_id_ = hello.connection_id();
      version_ = hello.version();
      generation_ = generation;
      reconnecting_ = false;
      joined_session_id_.clear();
    }
  }
  if (!rejoin || session_id.empty()) {
    joined_generation_ = 0;
    if (rejoin && !fail_intents({errc::not_joined, "left the session while reconnecting"}))
      return;
    if (!notify(&impl::on_connection_state_, connection_state::connected))
      return;
    done({});
    return;
  }

  v1::ClientEnvelope request;
  auto* join = request.mutable_join_session();
  join->set_session_id(session_id);
  detail::roles_to_proto(roles, join->mutable_roles());
  const auto resume = replica_.resume_from(session_id);
  join->set_has_replica(resume.has_replica);
  join->set_known_version(resume.known_version);
  connection_.async_request(
      generation, std::move(request), config_.request_timeout,
      guarded([this, epoch, generation, hello, done](result<v1::ServerEnvelope> r) mutable {
        if (r && r.value().has_error() && r.value().error().code() == v1::ERROR_CODE_MOVED &&
            !redirect_followed_) {
          // The session lives on another node now: rejoin there, once per attempt.
          if (auto url = detail::parse_ws_url(r.value().error().redirect_url())) {
            redirect_followed_ = true;
            {
              std::lock_guard lock(mutex_);
              url_ = url.value();
            }
            connection_.close(generation);
            do_establish(epoch, true, std::move(done));
            return;
          }
        }
        auto reply = detail::expect_body(std::move(r), body::kJoined);
        if (!reply) {
          connection_.close(generation);
          done({reply.error(), reply.message()});
          return;
        }
        on_rejoined(epoch, generation, hello, reply.value().joined(), std::move(done));
      }));
}

void client::impl::on_rejoined(std::uint64_t epoch, std::uint64_t generation,
                               const v1::HelloReply& hello, const v1::Joined& joined,
                               establish_done done) {
  {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) {
      done({errc::disconnected, "closed while reconnecting"});
      return;
    }
    connection_id_ = hello.connection_id();
    version_ = hello.version();
    generation_ = generation;
    reconnecting_ = false;
  }
  // From here on a drop is a new outage (handle_closed), not a failed attempt.
  const auto outcome = adopt_joined(generation, joined, true);
  if (outcome == adopted::destroyed)
    return;
  if (outcome == adopted::ok) {
    backoff_.reset();
    resend_intents(generation);
    media_.on_resumed(generation);
    if (!notify(&impl::on_connection_state_, connection_state::resumed))
      return;
  }
  done({});
}

void client::impl::handle_closed(std::uint64_t generation, std::error_code ec,
                                 const std::string& reason) {
  bool resume = false;
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    // Not established (yet): the chain establishing it hears of the drop.
    if (generation == 0 || generation != generation_)
      return;
    generation_ = 0;
    resume = config_.auto_reconnect && !joined_session_id_.empty();
    if (resume) {
      reconnecting_ = true;
    } else {
      joined_session_id_.clear();
    }
    epoch = epoch_;
  }
  joined_generation_ = 0;
  if (!resume) {
    finish(ec, reason);
    return;
  }
  media_.on_connection_lost();
  backoff_.reset();
  if (!notify(&impl::on_connection_state_, connection_state::reconnecting))
    return;
  schedule_attempt(epoch);
}

void client::impl::schedule_attempt(std::uint64_t epoch) {
  if (!reconnect_timer_)
    reconnect_timer_ = std::make_unique<detail::network_thread::timer>(connection_.thread());
  reconnect_timer_->start(backoff_.next(), guarded([this, epoch] {
                            if (!current(epoch))
                              return;
                            redirect_followed_ = false;
                            do_establish(epoch, true, guarded([this, epoch](const status& s) {
                                           on_attempt_done(epoch, s);
                                         }));
                          }));
}

void client::impl::on_attempt_done(std::uint64_t epoch, const status& outcome) {
  if (outcome || !current(epoch))
    return;
  if (worth_retrying(outcome.error())) {
    if (unreachable(outcome.error())) {
      // The node a redirect or GoAway named may be gone for good; the
      // configured URL is the way back in.
      std::lock_guard lock(mutex_);
      url_ = home_url_;
    }
    schedule_attempt(epoch);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_)
      return;
    ++epoch_;
    generation_ = 0;
    reconnecting_ = false;
    joined_session_id_.clear();
  }
  connection_.close();
  finish(outcome.error(), "reconnecting: " + outcome.message());
}

// The connection ended for good without close(): tell everyone waiting.
void client::impl::finish(std::error_code ec, const std::string& reason) {
  if (!media_.on_left())
    return;
  if (!fail_intents({errc::disconnected, reason}))
    return;
  if (!notify(&impl::on_connection_state_, connection_state::closed))
    return;
  notify(&impl::on_disconnected_, ec, reason);
}

}  // namespace controlroom
