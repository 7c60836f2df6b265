#pragma once

// Accepts TCP connections on the one control port and hands each to a
// worker, round robin. Each connection starts as HTTP; a WebSocket upgrade on
// /v1/control becomes a ws_connection on the same worker.

#include <cstdint>
#include <memory>
#include <string>

namespace controlroom::server {

class worker_pool;
struct net_context;

class listener {
 public:
  listener(worker_pool& workers, net_context& ctx);
  ~listener();

  /// Binds and starts accepting. Returns the bound port (useful with port 0).
  /// Throws std::runtime_error with a clear message when binding fails.
  std::uint16_t start(const std::string& address, std::uint16_t port);

  /// Stops accepting. Thread-safe; open connections are not touched.
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace controlroom::server
