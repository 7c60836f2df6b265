#pragma once

// The control channel: the client's network thread, one WebSocket at a time on
// it, and the protocol around the bytes: request ids, replies matched to the
// requests waiting for them, unsolicited events, keep-alives.
//
// No Boost here or in connection.cpp: the WebSocket itself is ws_transport.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "controlroom/errors.hpp"
#include "network_thread.hpp"

namespace controlroom::v1 {
class ClientEnvelope;
class ServerEnvelope;
}  // namespace controlroom::v1

namespace controlroom::detail {

struct ws_url;
struct tls_options;

/// What the connection reports. Both run on the network thread; after the
/// connection's destructor has started they are never called again.
struct connection_handlers {
  /// An unsolicited envelope (request_id 0, not an Error) from the session
  /// opened as `generation`.
  std::function<void(std::uint64_t generation, v1::ServerEnvelope&&)> on_event;
  /// The session async_open() returned as `generation` ended without close().
  std::function<void(std::uint64_t generation, std::error_code ec, const std::string& reason)>
      on_closed;
};

/// Completion of an asynchronous request: the reply (which may be an Error:
/// that is for the caller to judge) or why there is none.
using reply_handler = std::function<void(result<v1::ServerEnvelope>)>;

/// Owns the network thread for its whole life; async_open() may be called again
/// after a session ended to start a new one on the same thread.
///
/// Every member function may be called from any thread. The blocking one
/// (request) returns errc::wrong_thread on the network thread.
class connection {
 public:
  /// Starts the network thread.
  explicit connection(connection_handlers handlers);
  /// Closes the session and joins the thread; from the network thread itself
  /// (a handler destroying its owner) it detaches the thread instead, which
  /// winds down once the session is closed.
  ~connection();

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Replaces any current session with a new WebSocket to `url`: resolve,
  /// connect, TLS for wss:// (checked as `tls` says), upgrade, all within
  /// `timeout`, without waiting: `done` runs on
  /// the network thread with the new session's generation, or
  /// errc::connection_failed, errc::handshake_failed, errc::timeout,
  /// errc::disconnected (closed meanwhile). Any thread.
  void async_open(const ws_url& url, const tls_options& tls, std::chrono::milliseconds timeout,
                  const std::string& user_agent, std::function<void(result<std::uint64_t>)> done);

  /// Sends `envelope` with a fresh request_id and waits for the envelope that
  /// answers it (which may be an Error: that is for the caller to judge).
  /// Blocking.
  /// @return the reply, or errc::not_connected, errc::too_large, errc::timeout,
  ///   errc::disconnected, errc::wrong_thread.
  result<v1::ServerEnvelope> request(v1::ClientEnvelope envelope,
                                     std::chrono::milliseconds timeout);

  /// Sends `envelope` with a fresh request_id on the session `generation`
  /// (0: whichever is current when the send happens) without waiting; `done`
  /// runs on the network thread exactly once, with the reply, or
  /// errc::not_connected (no such session open), errc::too_large,
  /// errc::timeout (after `timeout`; 0: never), errc::disconnected (the
  /// session ended first). Any thread; requests are sent in call order.
  void async_request(std::uint64_t generation, v1::ClientEnvelope envelope,
                     std::chrono::milliseconds timeout, reply_handler done);

  /// Sends `envelope` (request_id 0: no reply is owed) on the session
  /// `generation` without waiting; dropped when that session is not the
  /// open one, or over the server's frame limit. On the network thread it
  /// is queued for writing at once (media frames keep their order with
  /// everything else sent there); from another thread it is posted.
  void send(std::uint64_t generation, const v1::ClientEnvelope& envelope);

  /// Applies the limits the server announced in HelloReply to the session
  /// `generation` (if it is still the current one): frames over
  /// `max_frame_bytes` are refused before sending (0: no limit), and a
  /// keep-alive is sent when the client would otherwise stay silent for a
  /// third of `idle_timeout` (0: none).
  void set_server_limits(std::uint64_t generation, std::uint32_t max_frame_bytes,
                         std::chrono::milliseconds idle_timeout);

  /// Starts a graceful close of the session `generation` (0: the current
  /// one) without waiting for it. Requests in flight fail with
  /// errc::disconnected; on_closed is not called.
  void close(std::uint64_t generation = 0);

  /// Ends the session `generation` (if still current) as a network failure
  /// would: no close handshake, requests in flight fail with
  /// errc::disconnected, and on_closed is called with errc::disconnected and
  /// `reason`. Any thread; takes effect after the tasks already queued.
  void interrupt(std::uint64_t generation, std::string reason);

  /// Queues `task` to run on the network thread after every task queued
  /// before it. Runs even while the connection is being destroyed.
  void post(std::function<void()> task) { thread_.post(std::move(task)); }

  /// The network thread, for timers.
  network_thread& thread() noexcept { return thread_; }

  /// True on the network thread, where blocking would deadlock.
  bool on_network_thread() const noexcept { return thread_.on_this_thread(); }

 private:
  struct state;
  std::shared_ptr<state> state_;  // network-thread data, shared with queued tasks
  // Declared last, destroyed first: the thread finishes the close it was
  // given while state_ still exists.
  network_thread thread_;
};

}  // namespace controlroom::detail
