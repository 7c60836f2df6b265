#pragma once

// What the network layer shares across its connections. Lives as long as the
// server; per-worker members are touched only by their worker's thread.

#include <memory>
#include <unordered_map>
#include <vector>

#include "control/services.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace controlroom::server {

class api_router;
class disk_threads;
class ws_connection;
struct server_metrics;

struct net_context {
  services& svc;
  api_router& api;
  server_metrics& metrics;
  const config& cfg;
  /// TLS for HTTP and the WebSocket (https/wss); nullptr: plain TCP.
  boost::asio::ssl::context* tls = nullptr;
  /// Open WebSocket connections of each worker, for shutdown.
  std::vector<std::unordered_map<ws_connection*, std::weak_ptr<ws_connection>>> open;
  /// Where take-file reads that would wait for the disk go.
  disk_threads& disk;
};

}  // namespace controlroom::server
