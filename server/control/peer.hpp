#pragma once

// What a control-plane handler sees of the connection it serves. The network
// layer implements it (net/ws_connection); tests implement it in memory.
//
// Threading: send() and post() may be called from any thread. state() belongs
// to the peer's own thread: touch it only from handlers (which run there) or
// from functions given to post().

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "control/rate_limiter.hpp"
#include "domain/records.hpp"
#include "domain/role.hpp"

namespace controlroom::server {

using frame_ptr = std::shared_ptr<const std::string>;

enum class close_reason;  // metrics/server_metrics.hpp

struct peer_state {
  unsigned protocol_version = 0;  // 0 until Hello succeeded
  bool authenticating = false;
  std::optional<user_record> user;
  std::string session_id;                // the session joined (or being joined); empty if none
  role_set roles;                        // roles acting with in session_id
  std::optional<rate_limiter> requests;  // max_requests_per_second; made on the first request
};

class peer {
 public:
  virtual ~peer() = default;

  /// Unique id of this connection, also its participant id.
  virtual const std::string& id() const = 0;
  /// Queues one serialized ServerEnvelope for sending.
  virtual void send(frame_ptr frame) = 0;
  /// Queues one MediaFrame envelope. Audio may be dropped (oldest first) when
  /// the peer falls behind; frames given to send() never are.
  virtual void send_media(frame_ptr frame) { send(std::move(frame)); }
  /// Runs `fn` on this peer's thread (dropped if the peer is gone by then).
  virtual void post(std::function<void()> fn) = 0;
  /// True once the connection has closed; late replies are then dropped.
  virtual bool closed() const = 0;
  /// Closes the connection with a reason the client can read, after the
  /// frames already queued (an Error explaining why). Thread-safe. In-memory
  /// peers may ignore it.
  virtual void shutdown(close_reason reason) {}
  /// This connection carries audio (MediaFrames in or out): it is never
  /// idle, so its transport may keep what it would otherwise free between
  /// messages. Called on the peer's thread, once per frame.
  virtual void carries_media() {}

  peer_state& state() { return state_; }

 private:
  peer_state state_;
};

}  // namespace controlroom::server
