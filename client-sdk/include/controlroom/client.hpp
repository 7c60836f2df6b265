#pragma once

/// @file
/// The control-plane client: one WebSocket connection to a controlroomd server.
///
/// Threading contract
/// ------------------
/// Each client owns one network thread, started by the constructor and joined
/// by the destructor. All I/O, every callback and every submit_async()
/// completion run on that thread, one at a time, in the order things happened.
///
/// - Blocking calls (connect, create_session, join, leave, ping, submit) may
///   be made from any thread except the network thread, concurrently: each
///   request carries its own id and waits for its own reply. Made from inside
///   a callback, they return errc::wrong_thread at once instead of deadlocking.
/// - close(), interrupt(), submit_async(), the state accessors and the
///   destructor never wait for the server and may be called from any thread,
///   callbacks included. Destroying the client from inside its own callback
///   is allowed: the network thread then winds down on its own.
/// - Callbacks must return quickly; they delay every other event and reply.
///
/// Replica and resume
/// ------------------
/// While joined, the client keeps a replica of the session state: the
/// snapshot or catch-up events of the Joined reply, then every SessionEvent,
/// applied in version order by the same reducer the server runs, so the
/// replica equals the server's state at the replica's version byte for byte.
/// When the connection drops while joined (and client_config::auto_reconnect
/// is on), the client reconnects with backoff, authenticates, rejoins the same
/// session with the same roles naming the version it holds, applies what it
/// missed (or a snapshot), and re-sends every intent not yet acknowledged with
/// its original operation id, which the server applies at most once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "controlroom/errors.hpp"
#include "controlroom/intents.hpp"
#include "controlroom/session_state.hpp"
#include "controlroom/types.hpp"

namespace controlroom {

/// How to reach and authenticate to a server. Plain values with defaults.
struct client_config {
  /// `ws://host[:port][/path]`; the port defaults to 80 and the path to
  /// `/v1/control`. `wss://` is not supported yet (errc::invalid_url).
  std::string url;
  /// An API token issued by the server, sent as Authenticate.bearer_token.
  std::string token;
  /// Sent to the server in Hello and as the WebSocket User-Agent.
  std::string client_name = "controlroom-sdk/0.1";
  /// Bounds name resolution, TCP connect and the WebSocket upgrade together.
  std::chrono::milliseconds connect_timeout{5000};
  /// Bounds each request/reply round trip, including Hello and Authenticate,
  /// and the wait for an intent's acknowledgement (reconnects included).
  std::chrono::milliseconds request_timeout{10000};
  /// Reconnect and resume when the connection drops while joined.
  bool auto_reconnect = true;
  /// The delay before the first reconnect attempt; it doubles with every
  /// failed attempt up to reconnect_max_backoff. Each actual delay is drawn
  /// at random between half the nominal delay and all of it, so that the
  /// clients of a restarted server do not all come back in the same instant.
  std::chrono::milliseconds reconnect_initial_backoff{100};
  /// The longest nominal delay between two reconnect attempts.
  std::chrono::milliseconds reconnect_max_backoff{5000};
};

/// Where the client's connection stands; see client::on_connection_state().
enum class connection_state {
  connected,     ///< connect() succeeded: authenticated, not yet in a session
  reconnecting,  ///< the connection dropped while joined; reconnect attempts run
  resumed,       ///< reconnected and rejoined; the replica is current again
  closed,        ///< no connection, and none will be attempted without connect()
};

/// "connected", "reconnecting", "resumed", "closed"; "unknown" otherwise.
std::string_view to_string(connection_state s) noexcept;

/// A connection to a controlroomd server: authentication, sessions, presence.
///
/// Move-only. A moved-from client may only be assigned to or destroyed; its
/// calls return errc::not_connected.
class client {
 public:
  /// Stores `config` and starts the network thread. Does not connect.
  /// Throws `std::system_error` only if the thread cannot be started.
  explicit client(client_config config);

  /// Closes the connection (as close()) and joins the network thread.
  /// Pending blocking calls on other threads return errc::disconnected.
  ~client();

  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Connects and authenticates. Blocking.
  ///
  /// Resolves the host, connects TCP, upgrades to a binary WebSocket (within
  /// connect_timeout), then negotiates the protocol version (Hello) and
  /// authenticates with the token (Authenticate), each within request_timeout.
  /// If the client is already connected, that connection is closed first.
  ///
  /// @return ok, or: errc::invalid_url, errc::connection_failed,
  ///   errc::handshake_failed, errc::timeout, errc::disconnected,
  ///   errc::protocol_error, errc::wrong_thread, or the server's refusal
  ///   (e.g. errc::unauthenticated with the server's message).
  status connect();

  /// The authenticated user. Empty before the first successful connect().
  /// The reference stays valid until the next connect() or the destructor;
  /// do not read it while another thread runs connect().
  const user& me() const;

  /// This connection's id as chosen by the server (logs on both sides use it);
  /// empty when never connected. Thread-safe.
  std::string connection_id() const;

  /// The protocol version agreed with the server; 0 when never connected.
  /// Thread-safe.
  std::uint32_t protocol_version() const;

  /// Creates a session; the caller becomes a member with
  /// `options.creator_roles` (engineer when empty). Blocking.
  /// @return the new session, or the server's refusal, or errc::not_connected,
  ///   errc::timeout, errc::disconnected, errc::too_large, errc::protocol_error,
  ///   errc::wrong_thread.
  result<session_info> create_session(const session_options& options);

  /// Joins a session the user is a member of (admins: any session), acting
  /// with `roles` (a subset of the member's roles; empty: all of them).
  /// A client is in at most one session at a time. Presence events for the
  /// session start flowing to on_presence(). Blocking.
  /// @return the session and who is present, or errors as create_session().
  result<joined_session> join(const std::string& session_id, std::vector<role> roles = {});

  /// Leaves the joined session. Blocking.
  /// @return ok, errc::not_joined if no session is joined, or errors as
  ///   create_session().
  status leave();

  /// Measures the round trip to the server through the control connection.
  /// Blocking.
  /// @return the round-trip time, or errors as create_session().
  result<std::chrono::microseconds> ping();

  /// Starts closing the connection and returns without waiting. Blocking
  /// calls in flight return errc::disconnected; on_disconnected() is not
  /// called. Any thread, callbacks included. Does nothing when not connected.
  void close();

  /// Sets the function called for each presence event of the joined session.
  /// Runs on the network thread; must not block. Exceptions it throws are
  /// caught and discarded. Set it before connect().
  void on_presence(std::function<void(const presence_event&)> handler);

  /// Sets the function called once when an established connection ends
  /// without close() being called: the server closed it, the network failed,
  /// or the server broke the protocol. `ec` is the server's error code when the
  /// server said why before closing (e.g. errc::unavailable while draining),
  /// else errc::disconnected or errc::protocol_error; `reason` is for people.
  /// Runs on the network thread; must not block; may call close() or destroy
  /// the client, but connect() from here returns errc::wrong_thread.
  /// Exceptions it throws are caught and discarded. Set it before connect().
  void on_disconnected(std::function<void(std::error_code ec, const std::string& reason)> handler);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace controlroom
