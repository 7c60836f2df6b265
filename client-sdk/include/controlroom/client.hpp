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
/// is on), the client reconnects with backoff (to the URL of the server's
/// last GoAway, if it named one), authenticates, rejoins the same
/// session with the same roles naming the version it holds, applies what it
/// missed (or a snapshot), and re-sends every intent not yet acknowledged with
/// its original operation id, which the server applies at most once.
///
/// Several nodes
/// -------------
/// A join that reaches a node not holding the session is answered "moved"
/// with the owner's URL: join() and the automatic rejoin then connect there
/// (same token) and join once more, following one redirect per call or per
/// attempt, never a chain. A server shutting down names the node to go to
/// (GoAway); the next automatic reconnect goes there. When a reconnect
/// attempt cannot reach the node it tried, the next one goes back to
/// client_config::url.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "controlroom/audio.hpp"
#include "controlroom/errors.hpp"
#include "controlroom/intents.hpp"
#include "controlroom/session_state.hpp"
#include "controlroom/types.hpp"

namespace controlroom {

/// How to reach and authenticate to a server. Plain values with defaults.
struct client_config {
  /// `ws://host[:port][/path][?query]` or `wss://...` (TLS); the port
  /// defaults to 80 (ws) or 443 (wss) and the path to `/v1/control`. The
  /// query may name the session about to be joined (`?session=<id>`, a
  /// placement hint: protocol §1); reconnects to rejoin add it themselves.
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
  /// Reconnect and resume when the connection drops while joined. Attempts
  /// go on until one succeeds, the server refuses one for good (reported to
  /// on_disconnected()), or close(); each attempt is bounded by
  /// connect_timeout and request_timeout.
  bool auto_reconnect = true;
  /// The delay before the first reconnect attempt; it doubles with every
  /// failed attempt up to reconnect_max_backoff. Each actual delay is drawn
  /// at random between half the nominal delay and all of it, so that the
  /// clients of a restarted server do not all come back in the same instant.
  std::chrono::milliseconds reconnect_initial_backoff{100};
  /// The longest nominal delay between two reconnect attempts.
  std::chrono::milliseconds reconnect_max_backoff{5000};
  /// wss:// only: a PEM file of the certificate authorities to trust instead
  /// of the system's store. The server's certificate must chain to one of
  /// them and name the URL's host (a DNS name, or an IP address as given);
  /// otherwise connect() returns errc::handshake_failed saying why.
  std::string ca_file{};
  /// wss:// only: accept any certificate for any host. FOR TESTING ONLY:
  /// it gives up all protection against an impostor or eavesdropper.
  bool insecure_skip_verify = false;
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
  /// Pending blocking calls on other threads return errc::disconnected. No
  /// callback runs once the destructor has started.
  ~client();

  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // ---- Connection -------------------------------------------------------------

  /// Connects and authenticates. Blocking.
  ///
  /// Resolves the host, connects TCP, upgrades to a binary WebSocket (within
  /// connect_timeout), then negotiates the protocol version (Hello) and
  /// authenticates with the token (Authenticate), each within request_timeout.
  /// If the client is already connected (or reconnecting), that is ended
  /// first, as by close(). On success on_connection_state() reports
  /// connection_state::connected.
  ///
  /// @return ok, or: errc::invalid_url, errc::connection_failed,
  ///   errc::handshake_failed, errc::timeout, errc::disconnected,
  ///   errc::protocol_error, errc::wrong_thread, or the server's refusal
  ///   (e.g. errc::unauthenticated with the server's message).
  status connect();

  /// The authenticated user. Empty before the first successful connect().
  /// The reference stays valid until the next connect() or the destructor;
  /// do not read it while another thread runs connect(). Reconnecting does
  /// not change it (the same token names the same user).
  const user& me() const;

  /// This connection's id as chosen by the server (logs on both sides use it,
  /// and it is this client's participant id); empty when never connected. A
  /// reconnect gets a new one. Thread-safe.
  std::string connection_id() const;

  /// The protocol version agreed with the server; 0 when never connected.
  /// Thread-safe.
  std::uint32_t protocol_version() const;

  /// Starts closing the connection and returns without waiting; stops any
  /// reconnecting. Blocking calls and submits in flight return
  /// errc::disconnected (submit_async() completions run with it);
  /// on_disconnected() is not called; on_connection_state() reports
  /// connection_state::closed if the client was connected or reconnecting.
  /// Any thread, callbacks included. Does nothing when not connected.
  void close();

  /// Drops the connection as a network failure would, as far as this client
  /// is concerned: with auto_reconnect on and a session joined, the client then
  /// reconnects and resumes; otherwise the connection ends as in
  /// on_disconnected() (reason "interrupted by the application"). For apps
  /// that know the network changed under them, and for resilience tests.
  /// Any thread, callbacks included. Does nothing when not connected.
  void interrupt();

  // ---- Sessions ---------------------------------------------------------------

  /// Creates a session; the caller becomes a member with
  /// `options.creator_roles` (engineer when empty). Blocking.
  /// @return the new session, or the server's refusal, or errc::not_connected
  ///   (also while reconnecting), errc::timeout, errc::disconnected,
  ///   errc::too_large, errc::protocol_error, errc::wrong_thread.
  result<session_info> create_session(const session_options& options);

  /// Joins a session the user is a member of (admins: any session), acting
  /// with `roles` (a subset of the member's roles; empty: all of them).
  /// A client is in at most one session at a time. Blocking.
  ///
  /// When it returns ok, the replica holds the session's state (state()),
  /// on_state_changed() has been called for it (kind "snapshot", or the
  /// events missed since an earlier visit when the client still held a
  /// replica of this session), and presence events for the session flow to
  /// on_presence(). From then on the client resumes the session by itself
  /// after a dropped connection (see client_config::auto_reconnect).
  ///
  /// When the session is live on another node (the server answers "moved"
  /// with its URL) and no session is joined, the client replaces its
  /// connection with one to that node (on_connection_state() reports
  /// connected again; connection_id() changes) and joins there; one redirect
  /// per call. If that node cannot be reached the client ends up closed.
  /// @return the session and who is present, or errors as create_session();
  ///   errc::moved when a session is already joined, or the second node
  ///   redirects too.
  result<joined_session> join(const std::string& session_id, std::vector<role> roles = {});

  /// Leaves the joined session; the client stays connected and no longer
  /// resumes the session. The replica keeps the last state seen. Blocking.
  /// @return ok, errc::not_joined if no session is joined, or errors as
  ///   create_session().
  status leave();

  /// Measures the round trip to the server through the control connection.
  /// Blocking.
  /// @return the round-trip time, or errors as create_session().
  result<std::chrono::microseconds> ping();

  // ---- Intents ----------------------------------------------------------------

  /// Asks the server to change the joined session's state and waits for the
  /// answer. Blocking.
  ///
  /// The SDK gives the intent an operation id unique to this client object
  /// (a random 64-bit client id and a counter). If the connection drops
  /// before the answer, the intent is re-sent with the same id after the
  /// client has resumed: the server applies an operation id at most once, so
  /// the retry can never apply it twice, and an intent already applied is
  /// answered with its original version. The wait spans reconnects but is
  /// bounded by request_timeout; an intent that timed out may still be
  /// applied later (its event then reaches the replica like any other).
  ///
  /// On success the replica already holds the change: the server sends the
  /// event before the acknowledgement, and the client applies them in order.
  ///
  /// @param expected_version 0: apply to whatever the state is. Otherwise
  ///   the server refuses with errc::stale_version unless the session is at
  ///   exactly this version (optimistic concurrency).
  /// @return the version of the event that recorded the change, or the
  ///   server's refusal (errc::forbidden, errc::not_found, errc::malformed,
  ///   errc::too_large, errc::failed_precondition, errc::stale_version,
  ///   errc::unavailable, ...), or errc::not_connected, errc::not_joined,
  ///   errc::timeout, errc::disconnected (close(), or the connection ended
  ///   for good), errc::rate_limited (1024 intents already awaiting an answer),
  ///   errc::wrong_thread. The SDK refuses an add_comment naming both a
  ///   marker and a take with errc::malformed before sending it.
  result<std::uint64_t> submit(const intent& change, std::uint64_t expected_version = 0);

  /// As submit(), without waiting: `done` runs exactly once, on the network
  /// thread, with what submit() would have returned (never errc::wrong_thread).
  /// It is not called if the client is destroyed first. Any thread,
  /// callbacks included. `done` must not block; exceptions it throws are
  /// caught and discarded.
  void submit_async(const intent& change, std::function<void(result<std::uint64_t>)> done,
                    std::uint64_t expected_version = 0);

  // ---- Audio (controlroom/audio.hpp) ---------------------------------------------

  /// Opens the media plane in the joined session. Blocking, like join().
  ///
  /// Asks the server for media on the WebSocket first (so audio flows at
  /// once), then, unless options.transport is websocket, sends UDP probes to
  /// the server's media port (or options.udp_endpoint), up to
  /// options.probe_count, options.probe_interval apart; when one is answered
  /// it switches delivery to UDP. Returns once the transport is settled. From
  /// then on a probe and a ping every keepalive_interval keep the NAT binding
  /// open and the clock estimate fresh, MediaStreams events create a
  /// receiver for every announced stream of a subscribed kind (see
  /// audio_streams(), on_streams_changed()), and after an automatic resume
  /// media is reopened the same way by itself, publishers included. Calling
  /// it again replaces the options. leave() and close() end media.
  ///
  /// @return ok; errc::malformed (options out of range), errc::not_joined,
  ///   errc::connection_failed (transport udp, and no probe answered: media
  ///   then stays on the WebSocket), or errors as join().
  status open_media(const media_options& options = {});

  /// Starts sending a stream of `kind` with `options`. Blocking. The
  /// returned publisher's send() runs on the capture thread. One publisher
  /// per kind at a time.
  /// @return the publisher; errc::malformed (options out of range),
  ///   errc::failed_precondition (media not open, or already publishing
  ///   this kind), errc::forbidden (the roles may not publish it), or errors
  ///   as join().
  result<audio_publisher> publish(stream_kind kind,
                                  const encoder_options& options = encoder_options::music());

  /// The streams published in the session, as last announced (own ones
  /// included). Thread-safe.
  std::vector<audio_stream_info> streams() const;

  /// A handle on each stream this client receives: every announced stream
  /// of a subscribed kind but its own (one the roles do not hear stays
  /// silent). Thread-safe.
  std::vector<audio_stream> audio_streams() const;

  /// A mixer over every received stream of `kinds`, now and to come.
  /// Thread-safe; streams announced before the call join it within a
  /// network-thread round trip.
  audio_mixer mixer(std::vector<stream_kind> kinds = {stream_kind::program});

  /// Transport, round trip and clock estimate of the media plane. Thread-safe.
  controlroom::media_status media_status() const;

  /// The session timeline position this listener hears now on the first
  /// received stream of `kind` that has one (its heard_position()); place
  /// markers here. Thread-safe.
  std::optional<std::int64_t> heard_position(stream_kind kind = stream_kind::program) const;

  /// Sets the function called, on the network thread, with the full list
  /// whenever the announced streams change (as streams() returns it).
  void on_streams_changed(std::function<void(const std::vector<audio_stream_info>&)> handler);

  // ---- Replica ----------------------------------------------------------------

  /// A consistent copy of the replica: the session's state at
  /// state().version. Empty (version 0, no session id) before the first
  /// join; after leave() or a final close, the last state seen. Thread-safe.
  session_state state() const;

  /// The replica's version, i.e. state().version without the copy.
  /// Thread-safe.
  std::uint64_t state_version() const;

  /// The replica as the deterministic protobuf serialization of its
  /// `controlroom.v1.SessionState` (fields in number order, unknown fields
  /// from a newer server kept). Two replicas, or a replica and the server's
  /// state, at the same version are equal exactly when these bytes are: for
  /// audits and for tests. Empty before the first join. Thread-safe.
  std::string state_bytes() const;

  // ---- Callbacks ----------------------------------------------------------------
  //
  // Each runs on the network thread; must not block; may call the non-blocking
  // members, close() or destroy the client, but a blocking call from it returns
  // errc::wrong_thread. Exceptions thrown are caught and discarded. Set them
  // before connect(); setting one later is thread-safe and takes effect with
  // the next event.

  /// Sets the function called after each change to the replica: once per
  /// applied event (live, or caught up after a rejoin) with that event, and
  /// once with kind "snapshot" after a snapshot replaced the replica. state()
  /// called from it returns the state right after that change.
  void on_state_changed(std::function<void(const event_info&)> handler);

  /// Sets the function called for each presence event of the joined session.
  /// After a resume the client reports the difference between who was there
  /// before the drop and who is there now (its own old participant leaving
  /// and its new one arriving included), so a participant list kept from
  /// join() and these events stays right.
  void on_presence(std::function<void(const presence_event&)> handler);

  /// Sets the function called when the connection state changes: connected
  /// (connect() succeeded), reconnecting (a drop while joined; once per
  /// outage, not per attempt), resumed (rejoined after reconnecting), closed
  /// (close(), or a final end as reported to on_disconnected(), which follows).
  void on_connection_state(std::function<void(connection_state)> handler);

  /// Sets the function called once when the connection ends for good without
  /// close() being called: it dropped while no session was joined or with
  /// auto_reconnect off, or a reconnect was refused (the token no longer
  /// authenticates, the server refuses the rejoin). Drops the client recovers
  /// from by resuming are not reported here. `ec` is the server's error code
  /// when the server said why (e.g. errc::unavailable while draining,
  /// errc::unauthenticated on a reconnect), else errc::disconnected or
  /// errc::protocol_error; `reason` is for people.
  void on_disconnected(std::function<void(std::error_code ec, const std::string& reason)> handler);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace controlroom
