#pragma once

// controlroomd as a library: the network workers, the database pool, the
// listener and the rooms, wired from a config. main() and the tests both run
// this, so tests exercise the real server in-process.
//
// Threading contract of the whole server:
// - Network workers (config `workers`, default one per core): each is one
//   io_context on one thread. A connection lives on the worker that accepted
//   it (round robin); a live session lives on the worker its id hashes to.
//   Nothing a worker owns is locked: other threads reach it only by posting.
// - Database pool (`db_pool_size` threads, one connection each): every
//   libpqxx call except the group commit. Results return to the asking
//   connection or session by post.
//   A session's UDP media is served on its owner's socket (port
//   media_port + worker), so forwarding takes no lock either.
// - Group commit (one thread, its own connection): appends the events of all
//   sessions in batches, in order per session.
// - The caller's thread: start() and stop(), from one controlling thread.
// Every queue between them is bounded (send_queue_limit, db_queue_limit,
// commit_queue_limit); a full queue fails the request, never blocks a worker.

#include <cstdint>
#include <memory>
#include <vector>

#include "config/config.hpp"

namespace controlroom::server {

class metrics_registry;

class server {
 public:
  explicit server(config cfg);
  ~server();  // stop()s if still running
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Starts the database pool, the workers and the listener. Throws
  /// std::runtime_error when the port cannot be bound. Migrations are the
  /// caller's business (see commands.hpp).
  void start();

  /// The bound TCP port (the real one when configured as 0).
  std::uint16_t port() const;

  /// This node's id and public URL among nodes sharing the database.
  const std::string& node_id() const;
  const std::string& public_url() const;

  /// The bound UDP media port of each worker (index: worker).
  const std::vector<std::uint16_t>& media_ports() const;

  /// Stops accepting, tells WebSocket clients the server is going away, lets
  /// queued database work finish and joins every thread. Idempotent.
  void stop();

  metrics_registry& metrics();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace controlroom::server
