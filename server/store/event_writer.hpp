#pragma once

// Group commit for the session logs. Every live session hands its accepted
// events here; one thread with its own connection takes whatever has queued
// up meanwhile — events of many sessions — and makes it durable in one
// transaction. Under load batches grow, so durability does not cap
// throughput; when idle a batch is a single event and adds no waiting.
//
// Threading: append() from any thread. Completions run on the writer thread,
// in append order; callers post them back to their own thread.
//
// Ordering: each session's events must land without gaps. When a batch fails,
// every queued event of the same session *epoch* fails too, and so does any
// later append of that epoch: the session then reloads from the database and
// continues with a new epoch.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/event_repository.hpp"

namespace controlroom::server {

struct server_metrics;

class event_writer {
 public:
  /// ok, or the reason it is not known to be durable.
  using completion = std::function<void(bool ok, const std::string& error)>;

  event_writer(std::string url, std::size_t queue_limit, std::size_t max_batch,
               server_metrics* metrics);
  ~event_writer();
  event_writer(const event_writer&) = delete;
  event_writer& operator=(const event_writer&) = delete;

  /// Queues one event. Returns false (and never calls `done`) when the queue
  /// is full or the writer stopped.
  bool append(event_row row, std::uint64_t epoch, completion done);

  /// Commits what is queued, then stops the thread.
  void stop();

  std::size_t queue_depth() const;

 private:
  struct item {
    event_row row;
    std::uint64_t epoch;
    completion done;
  };
  void thread_main();
  void commit(std::vector<item>& batch);

  const std::string url_;
  const std::size_t queue_limit_;
  const std::size_t max_batch_;
  server_metrics* const metrics_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<item> queue_;
  std::unordered_map<std::string, std::uint64_t> failed_epoch_;  // session -> epoch
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace controlroom::server
