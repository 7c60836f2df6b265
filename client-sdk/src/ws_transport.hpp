#pragma once

// One WebSocket carrying binary frames: the only part of the SDK that knows
// Beast. It moves bytes; what they mean is connection.cpp's business.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "controlroom/errors.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace controlroom::detail {

struct ws_url;

/// What a transport reports, on the network thread.
struct ws_transport_handlers {
  /// One complete binary message. The view is valid only during the call.
  std::function<void(std::string_view message)> on_message;
  /// The open WebSocket ended without close() being called: the server closed
  /// it, the network failed, or the server sent a text frame. Called at most once.
  std::function<void(std::error_code ec, const std::string& reason)> on_closed;
};

/// How a wss:// transport checks the server. Ignored for ws://.
struct tls_options {
  /// PEM file of the certificate authorities to trust; empty: the system store.
  std::string ca_file;
  /// Accept any certificate for any name: for tests against throwaway servers only.
  bool insecure_skip_verify = false;
};

/// A client WebSocket over plain TCP (ws://) or TLS (wss://).
///
/// Every member must be called on the thread running the io_context it was
/// created with. Bounded: one write in flight, inbound messages up to 16 MiB,
/// a silent server is pinged and then dropped.
class ws_transport {
 public:
  /// A transport whose I/O objects live on `context`, speaking TLS under the
  /// WebSocket when `url.tls`. The io_context must outlive the transport's
  /// outstanding operations.
  static std::shared_ptr<ws_transport> create(boost::asio::io_context& context, const ws_url& url,
                                              const tls_options& tls,
                                              ws_transport_handlers handlers);

  virtual ~ws_transport() = default;

  /// Resolves, connects, shakes hands over TLS (wss://: the certificate is
  /// checked against the trusted authorities and url.host, names and IP
  /// addresses alike, unless insecure_skip_verify) and upgrades to a binary
  /// WebSocket, all within `timeout`, then calls `done`: ok (messages start
  /// flowing to on_message), or errc::connection_failed,
  /// errc::handshake_failed (TLS or WebSocket), errc::timeout,
  /// errc::disconnected (close() was called meanwhile).
  virtual void open(const ws_url& url, std::chrono::milliseconds timeout, std::string user_agent,
                    std::function<void(status)> done) = 0;

  /// True between a successful open() and the end of the WebSocket.
  virtual bool is_open() const noexcept = 0;

  /// Queues one binary message. Ignored unless open.
  virtual void send(std::shared_ptr<const std::string> message) = 0;

  /// Sends `make_message()` whenever nothing was sent for `interval`, so the
  /// server's idle timeout does not close a quiet client.
  virtual void keep_alive(std::chrono::milliseconds interval,
                          std::function<std::shared_ptr<const std::string>()> make_message) = 0;

  /// Starts a graceful close (or aborts an open in progress). on_closed is
  /// not called; messages still unsent are dropped.
  virtual void close() = 0;
};

}  // namespace controlroom::detail
