#pragma once

// The engine behind controlroom::client: turns the public calls into
// envelopes, tracks who the client is and which session it is in, and routes
// events to the application's callbacks.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "connection.hpp"
#include "controlroom/client.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom {

/// Thread-safe as client.hpp promises: public members may be called from any
/// thread; handle_event and handle_closed run on the network thread.
class client::impl {
 public:
  explicit impl(client_config config);

  status connect();
  const user& me() const { return me_; }
  std::string connection_id() const;
  std::uint32_t protocol_version() const;
  result<session_info> create_session(const session_options& options);
  result<joined_session> join(const std::string& session_id, const std::vector<role>& roles);
  status leave();
  result<std::chrono::microseconds> ping();
  void close();
  void on_presence(std::function<void(const presence_event&)> handler);
  void on_disconnected(std::function<void(std::error_code, const std::string&)> handler);

 private:
  using body = v1::ServerEnvelope::BodyCase;

  status handshake(std::uint64_t generation);
  status usable() const;
  result<v1::ServerEnvelope> call(v1::ClientEnvelope request, body expected);
  result<v1::ServerEnvelope> round_trip(v1::ClientEnvelope request, body expected);
  void handle_event(v1::ServerEnvelope&& envelope);
  void handle_closed(std::uint64_t generation, std::error_code ec, const std::string& reason);

  const client_config config_;
  std::mutex connect_mutex_;  // one connect() at a time
  mutable std::mutex mutex_;  // guards the members below; never held while calling out
  user me_;
  std::string connection_id_;
  std::uint32_t version_ = 0;
  std::uint64_t generation_ = 0;  // the authenticated WebSocket; 0: not connected
  std::uint64_t dropped_generation_ = 0;
  std::string dropped_reason_;
  std::string joined_session_id_;
  std::function<void(const presence_event&)> on_presence_;
  std::function<void(std::error_code, const std::string&)> on_disconnected_;
  // Declared last so it is destroyed first: its thread, the only caller of
  // handle_event and handle_closed, stops while everything above still lives.
  detail::connection connection_;
};

}  // namespace controlroom
