#pragma once

// This node's membership of a deployment: its row in `nodes` (heartbeat,
// URL, draining) and the leases on the sessions live here, renewed every
// third of a lease. Several nodes on one database thereby never both serve
// a session; a node that dies stops renewing, and after its leases expire
// another node takes its sessions when clients rejoin there.
//
// Threading: one thread of its own that only queues database jobs; start()
// and stop() from the controlling thread. The db_pool and room_directory
// outlive it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace controlroom::server {

class db_pool;
class room_directory;

struct node_info {
  std::string id;   // unique in the deployment
  std::string url;  // the WebSocket URL clients use to reach this node
  std::int64_t lease_ms = 10'000;
};

class node_keeper {
 public:
  node_keeper(db_pool& db, room_directory& rooms, const node_info& node);
  ~node_keeper();
  node_keeper(const node_keeper&) = delete;
  node_keeper& operator=(const node_keeper&) = delete;

  void start();
  /// Marks the node draining, so that no other node sends clients here.
  /// Blocks until the database has it (or `deadline`).
  void drain(std::chrono::steady_clock::time_point deadline);
  /// Another node clients can reconnect to, if the database knows one.
  std::optional<std::string> other_node(std::chrono::steady_clock::time_point deadline);
  /// Stops the thread and gives up every lease (a clean stop: other nodes
  /// may take the sessions at once).
  void stop(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  void tick();

  db_pool& db_;
  room_directory& rooms_;
  const node_info& node_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool draining_ = false;
  std::thread thread_;
};

}  // namespace controlroom::server
