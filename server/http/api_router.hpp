#pragma once

// The HTTP API on the control port: health, readiness, metrics. Routing is a
// table from (method, path) to a handler; handlers answer through the
// responder, possibly later from a database thread.

#include <atomic>

#include "http/http_types.hpp"

namespace controlroom::server {

class db_pool;
class metrics_registry;
struct server_metrics;

class api_router {
 public:
  api_router(db_pool& db, server_metrics& metrics);

  /// Thread-safe.
  void handle(const http_request& req, http_responder respond);

  /// While draining, /readyz answers 503 so load balancers move traffic away.
  void set_draining(bool draining) { draining_.store(draining); }

 private:
  void healthz(http_responder respond);
  void readyz(http_responder respond);
  void metrics(http_responder respond);

  db_pool& db_;
  server_metrics& metrics_;
  std::atomic<bool> draining_{false};
};

}  // namespace controlroom::server
