#pragma once

// Finds the room of a session on the worker that owns it. Ownership is a
// hash of the session id over the workers, so no lock guards the rooms:
// each worker's map is touched only by that worker's thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/worker_set.hpp"
#include "session/room.hpp"

namespace controlroom::server {

struct server_metrics;

class room_directory {
 public:
  room_directory(worker_set& workers, server_metrics* metrics);

  std::size_t owner_of(const std::string& session_id) const;

  /// Runs `fn` with the session's room on its owner's thread, creating the
  /// room if it is not live yet. Thread-safe.
  void with_room(const session_record& session, std::function<void(room&)> fn);

  /// Runs `fn` with the live room, or nullptr, on the owner's thread; removes
  /// the room afterwards if `fn` left it empty. Thread-safe.
  void with_live_room(const std::string& session_id, std::function<void(room*)> fn);

 private:
  using room_map = std::unordered_map<std::string, std::unique_ptr<room>>;

  // On the owner's thread: finds (or, given `create`, makes) the room, runs
  // fn, keeps the gauges right and drops the room once empty.
  void visit(std::size_t owner, const std::string& session_id,
             const std::optional<session_record>& create, const std::function<void(room*)>& fn);

  worker_set& workers_;
  server_metrics* metrics_;
  std::vector<room_map> rooms_;  // index: worker
};

}  // namespace controlroom::server
