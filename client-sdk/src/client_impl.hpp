#pragma once

// The engine behind controlroom::client: turns the public calls into
// envelopes, tracks who the client is and which session it is in, keeps the
// replica, and routes events to the application's callbacks.
//
// Its member functions live in one file per concern:
//   client_impl.cpp     the public calls (requests, accessors, callbacks)
//   client_link.cpp     establishing, losing and resuming the connection
//   client_intents.cpp  submitting intents until acknowledged, across resumes
//
// Threads: the public members may be called from any thread. Everything else
// runs on the network thread, where the connection lifecycle is decided; the
// members under mutex_ are those the public calls read. Every task that
// captures `this` checks alive_ first, and every user callback is the last
// thing to touch `this` unless alive_ says the client survived it: a
// callback may destroy the client.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "connection.hpp"
#include "controlroom/audio.hpp"
#include "controlroom/client.hpp"
#include "controlroom/v1/control.pb.h"
#include "media_engine.hpp"
#include "network_thread.hpp"
#include "operation_ids.hpp"
#include "presence_roster.hpp"
#include "reconnect_backoff.hpp"
#include "replica.hpp"
#include "url.hpp"
#include "ws_transport.hpp"

namespace controlroom {

class client::impl {
 public:
  explicit impl(client_config config);
  ~impl();

  status connect();
  const user& me() const { return me_; }
  std::string connection_id() const;
  std::uint32_t protocol_version() const;
  result<session_info> create_session(const session_options& options);
  result<joined_session> join(const std::string& session_id, const std::vector<role>& roles);
  status leave();
  result<std::chrono::microseconds> ping();
  void close();
  void interrupt();

  result<std::uint64_t> submit(const intent& change, std::uint64_t expected_version);
  void submit_async(const intent& change, std::function<void(result<std::uint64_t>)> done,
                    std::uint64_t expected_version);

  session_state state() const { return replica_.copy(); }
  std::uint64_t state_version() const { return replica_.version(); }
  std::string state_bytes() const { return replica_.bytes(); }

  void on_state_changed(std::function<void(const event_info&)> handler);
  void on_presence(std::function<void(const presence_event&)> handler);
  void on_connection_state(std::function<void(connection_state)> handler);
  void on_disconnected(std::function<void(std::error_code, const std::string&)> handler);

  // client_media.cpp
  status open_media(const media_options& options);
  result<audio_publisher> publish(stream_kind kind, const encoder_options& options);
  std::vector<audio_stream_info> streams() const { return media_.streams(); }
  std::vector<audio_stream> audio_streams() const;
  audio_mixer mixer(std::vector<stream_kind> kinds);
  controlroom::media_status media_status() const { return media_.report(); }
  std::optional<std::int64_t> heard_position(stream_kind kind) const {
    return media_.heard_position(kind);
  }
  void on_streams_changed(std::function<void(const std::vector<audio_stream_info>&)> handler);

 private:
  using body = v1::ServerEnvelope::BodyCase;
  using submit_done = std::function<void(result<std::uint64_t>)>;
  using establish_done = std::function<void(status)>;
  enum class adopted { ok, broken, destroyed };

  // An intent awaiting its answer; keyed by submission order, so that a
  // resume re-sends in the order the application submitted.
  struct pending_intent {
    v1::ClientEnvelope envelope;  // submit_intent, operation id set
    submit_done done;
    std::unique_ptr<detail::network_thread::timer> deadline;
  };

  // client_impl.cpp
  detail::media_engine::hooks media_hooks();
  status usable() const;
  result<joined_session> join_here(const std::string& session_id, const std::vector<role>& roles,
                                   const std::shared_ptr<std::string>& redirect);
  status relocate(const std::string& url_text);
  detail::tls_options tls_options() const;
  result<v1::ServerEnvelope> call(v1::ClientEnvelope request, body expected);
  void handle_event(std::uint64_t generation, v1::ServerEnvelope&& envelope);
  adopted adopt_joined(std::uint64_t generation, const v1::Joined& joined, bool resumed);

  // client_link.cpp
  bool current(std::uint64_t epoch) const;
  void do_establish(std::uint64_t epoch, bool rejoin, establish_done done);
  void on_opened(std::uint64_t epoch, bool rejoin, std::uint64_t generation, establish_done done);
  void on_authenticated(std::uint64_t epoch, bool rejoin, std::uint64_t generation,
                        const v1::HelloReply& hello, const v1::User& who, establish_done done);
  void on_rejoined(std::uint64_t epoch, std::uint64_t generation, const v1::HelloReply& hello,
                   const v1::Joined& joined, establish_done done);
  void handle_closed(std::uint64_t generation, std::error_code ec, const std::string& reason);
  void schedule_attempt(std::uint64_t epoch);
  void on_attempt_done(std::uint64_t epoch, const status& outcome);
  void finish(std::error_code ec, const std::string& reason);

  // client_intents.cpp
  void do_submit(v1::ClientEnvelope envelope, submit_done done);
  void send_intent(std::uint64_t ticket, std::uint64_t generation);
  void on_intent_reply(std::uint64_t ticket, result<v1::ServerEnvelope> reply);
  bool finish_intent(std::uint64_t ticket, result<std::uint64_t> outcome);
  void resend_intents(std::uint64_t generation);
  bool fail_intents(const status& why);
  void abandon_network_work();

  /// Wraps `f` so that it does nothing once the client is destroyed.
  template <class F>
  auto guarded(F f) {
    return [alive = alive_, f = std::move(f)](auto&&... args) mutable {
      if (alive->load())
        f(std::forward<decltype(args)>(args)...);
    };
  }

  /// Calls a copy of the handler in `member` with `args`, swallowing what it
  /// throws. False when the client was destroyed meanwhile: touch nothing.
  template <class Handler, class... Args>
  bool notify(Handler impl::*member, const Args&... args) {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      handler = this->*member;
    }
    auto alive = alive_;
    invoke_quietly(handler, args...);
    return alive->load();
  }

  template <class F, class... Args>
  static void invoke_quietly(const F& f, const Args&... args) noexcept {
    if (!f)
      return;
    // An exception escaping into the network thread would end the connection
    // for everyone; the callback contract says "must not throw".
    try {
      f(args...);
    } catch (...) {
    }
  }

  const client_config config_;
  const std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::mutex connect_mutex_;  // one connect() at a time
  mutable std::mutex mutex_;  // guards the members below; never held while calling out
  user me_;
  std::string connection_id_;
  std::uint32_t version_ = 0;
  detail::ws_url url_;            // where the next connection goes
  detail::ws_url home_url_;       // client_config::url, parsed
  std::uint64_t generation_ = 0;  // the established WebSocket; 0: none
  std::uint64_t epoch_ = 0;       // bumped by close(): work of older epochs stops
  bool reconnecting_ = false;
  std::string joined_session_id_;  // the session the application is in
  std::vector<role> join_roles_;   // as the application asked, for rejoining
  std::function<void(const event_info&)> on_state_changed_;
  std::function<void(const presence_event&)> on_presence_;
  std::function<void(connection_state)> on_connection_state_;
  std::function<void(std::error_code, const std::string&)> on_disconnected_;
  std::function<void(const std::vector<audio_stream_info>&)> on_streams_changed_;

  detail::replica replica_;  // thread-safe itself
  // Network thread only, from here on.
  std::uint64_t joined_generation_ = 0;  // the WebSocket whose SessionEvents we apply
  bool redirect_followed_ = false;       // this reconnect attempt followed a MOVED already
  detail::presence_roster roster_;
  detail::reconnect_backoff backoff_;
  detail::operation_ids operation_ids_;
  std::uint64_t last_ticket_ = 0;
  std::map<std::uint64_t, pending_intent> intents_;
  // Made on the network thread when first needed; declared before
  // connection_ so that it outlives the thread (see network_thread::timer).
  std::unique_ptr<detail::network_thread::timer> reconnect_timer_;

  // The media plane. Its I/O objects are made on the network thread and
  // shut down there (abandon_network_work); destroyed after the thread ends.
  detail::media_engine media_;

  // Declared last so it is destroyed first: its thread, the only caller of
  // the network-thread members, stops while everything above still lives.
  detail::connection connection_;
};

}  // namespace controlroom
