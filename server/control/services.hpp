#pragma once

// What control-plane handlers may use, and the hop that brings a database
// result back to the peer's own thread.

#include <memory>
#include <utility>

#include "config/config.hpp"
#include "control/peer.hpp"
#include "store/db_pool.hpp"

namespace controlroom::server {

class event_writer;
class room_directory;
struct server_metrics;

struct node_info;

struct services {
  const config& cfg;
  db_pool& db;
  event_writer& writer;
  room_directory& rooms;
  server_metrics& metrics;
  const node_info* node = nullptr;  // set when the server starts; nullptr in unit tests
};

/// Runs `work(pqxx::connection_base&)` on the database pool, then
/// `done(store_result)` on `p`'s thread — unless `p` closed meanwhile.
template <class Work, class Done>
void query_for(services& s, std::shared_ptr<peer> p, Work work, Done done) {
  s.db.run(std::move(work), [p = std::move(p), done = std::move(done)](auto result) mutable {
    auto target = p;
    target->post([p = std::move(p), done = std::move(done), result = std::move(result)]() mutable {
      if (!p->closed()) {
        done(std::move(result));
      }
    });
  });
}

}  // namespace controlroom::server
