#pragma once

// Finds a session's live state on the worker that owns it. A session is
// placed on a worker when it is loaded (session_placement: new sessions fill
// the workers in order) and stays there while live, so no lock guards the
// sessions: each worker's map is touched only by that worker's thread. A
// session is loaded from the database when someone joins it and dropped
// from memory once nobody is in it and nothing is in flight.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/worker_set.hpp"
#include "session/live_session.hpp"
#include "session/session_placement.hpp"

namespace controlroom::server {

struct server_metrics;
class media_switch;

class room_directory {
 public:
  /// `fill`: the load a worker takes before new sessions go to the next
  /// (session_placement); 0 spreads them.
  room_directory(worker_set& workers, live_session::dependencies deps, std::size_t fill = 0);

  /// The worker a session lives on, or where it would be placed now.
  std::size_t owner_of(const std::string& session_id) const {
    return placement_.owner_of(session_id);
  }
  const session_placement& placement() const { return placement_; }

  /// Gives every worker's sessions that worker's media switch (index:
  /// worker). Call before the workers start.
  void set_media(std::vector<media_switch*> switches) { media_ = std::move(switches); }

  /// Drops every live session, each on its owner's thread (their take
  /// recordings end), and waits for that until `deadline`. For shutdown.
  void unload_all(std::chrono::steady_clock::time_point deadline);

  /// The ids of every session live on this node now. Thread-safe.
  std::vector<std::string> live_sessions() const;

  /// Runs `fn` on the owner's thread with the session, loading it first if
  /// it is not live; nullptr when it could not be loaded. Thread-safe.
  void with_session(const session_record& session, std::function<void(live_session*)> fn);

  /// Runs `fn` on the owner's thread with the live session, or nullptr.
  /// Thread-safe.
  void with_live_session(const std::string& session_id, std::function<void(live_session*)> fn);

  /// When called on a worker where `session_id` is live, runs `fn` with it
  /// at once (ahead of work already posted there) and returns true; else
  /// returns false and does nothing. Takes no lock. For media frames, which
  /// need not wait behind the queue (docs/protocol.md §7.1).
  bool visit_if_live_here(const std::string& session_id,
                          const std::function<void(live_session*)>& fn);

 private:
  using session_map = std::unordered_map<std::string, std::shared_ptr<live_session>>;

  // On the owner's thread: finds (or, given `create`, makes and starts
  // loading) the session, runs fn, keeps the gauges right and drops the
  // session once idle.
  void visit(std::size_t owner, const std::string& session_id,
             const std::optional<session_record>& create,
             const std::function<void(live_session*)>& fn);

  worker_set& workers_;
  live_session::dependencies deps_;
  session_placement placement_;
  std::vector<session_map> sessions_;  // index: worker
  std::vector<media_switch*> media_;   // index: worker; empty: no media plane
  mutable std::mutex live_mutex_;      // guards live_ (read by the lease keeper)
  std::set<std::string> live_;
};

}  // namespace controlroom::server
