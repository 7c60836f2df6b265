#pragma once

// A control-plane WebSocket connection as the rest of the server sees it,
// whatever carries it (TCP or TLS: net/ws_session.hpp). No Beast here, so
// the server's wiring does not compile it.

#include "control/peer.hpp"
#include "metrics/server_metrics.hpp"

namespace controlroom::server {

class ws_connection : public peer {
 public:
  /// Closes with a reason the client can read (going away on shutdown).
  /// Thread-safe.
  void shutdown(close_reason reason) override = 0;
};

}  // namespace controlroom::server
