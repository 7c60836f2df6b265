#pragma once

// The control plane's services with nothing behind them, for dispatcher
// tests whose requests must never reach the store: a database pool with no
// threads (a request that reached it would hang the test instead of passing
// it), workers and a peer that run posted work inline.

#include <memory>
#include <utility>

#include "config/config.hpp"
#include "control/dispatcher.hpp"
#include "control/services.hpp"
#include "fake_peer.hpp"
#include "metrics/server_metrics.hpp"
#include "session/room_directory.hpp"
#include "store/event_writer.hpp"

namespace controlroom::testing {

/// A test fixture base: `cfg` may be changed by a test before it sends.
class offline_services {
 protected:
  explicit offline_services(server::config c = {}) : cfg(std::move(c)) {
    cfg.database_url = "postgresql:///unused";
  }

  /// Dispatches `env` from `peer`, as its connection would.
  void send(const v1::ClientEnvelope& env) {
    server::dispatch_frame(svc, peer, env.SerializeAsString());
  }

  server::config cfg;
  server::metrics_registry registry;
  server::server_metrics metrics{registry};
  server::db_pool db{cfg.database_url, 0, 16, nullptr};
  inline_workers workers{2};
  server::event_writer writer{cfg.database_url, 16, 16, nullptr};
  server::room_directory rooms{workers, server::live_session::dependencies{writer, db, metrics}};
  server::services svc{cfg, db, writer, rooms, metrics};
  std::shared_ptr<fake_peer> peer = std::make_shared<fake_peer>();
};

}  // namespace controlroom::testing
