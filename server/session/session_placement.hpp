#pragma once

// Which network worker each live session lives on, and where the next one
// goes. A session is placed when it is first loaded and stays on its worker
// while it is live; once dropped from memory it may be placed elsewhere next
// time.
//
// New sessions fill the workers in order: the first worker whose load is
// under `fill` takes the next session; once all are, the least loaded does.
// A worker's load is the participants of its sessions (a session nobody is
// in yet counts as one). Filling costs less CPU per packet than spreading:
// a busy worker relays a batch per wake-up where an idle one wakes for each
// datagram, and every thread that sleeps and wakes costs a context switch
// (docs/benchmarks.md, "Why one worker costs less"). `fill` 0 spreads
// sessions over the least loaded workers from the first.
//
// Threading: every member is thread-safe. A session's placement is written
// (claim, release) only on the worker it names; loads are atomics, read
// anywhere (choose) and changed by the owning worker (adjust).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace controlroom::server {

class session_placement {
 public:
  session_placement(std::size_t workers, std::size_t fill);

  std::size_t workers() const { return workers_; }
  std::size_t fill() const { return fill_; }

  /// The worker `session_id` lives on, if it is placed.
  std::optional<std::size_t> find(const std::string& session_id) const;
  /// Where `session_id` is, or else where a new session would go now.
  std::size_t owner_of(const std::string& session_id) const;
  /// Where a new session would go now.
  std::size_t choose() const;

  /// Places `session_id` on `worker` unless it is already placed; returns
  /// where it is. A placed session adds one to its worker's load (see
  /// adjust()).
  std::size_t claim(const std::string& session_id, std::size_t worker);
  /// Forgets `session_id` if it is on `worker`, taking its one off that
  /// worker's load.
  void release(const std::string& session_id, std::size_t worker);
  /// Changes a worker's load by `delta` (a session's participants changed).
  void adjust(std::size_t worker, std::int64_t delta);
  /// The load of `worker` now.
  std::int64_t load(std::size_t worker) const;

 private:
  std::size_t workers_;
  std::size_t fill_;
  std::unique_ptr<std::atomic<std::int64_t>[]> loads_;
  mutable std::mutex mutex_;  // guards placed_
  std::unordered_map<std::string, std::size_t> placed_;
};

}  // namespace controlroom::server
