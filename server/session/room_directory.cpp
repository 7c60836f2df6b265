#include "session/room_directory.hpp"

#include <algorithm>
#include <condition_variable>

#include "metrics/server_metrics.hpp"

namespace controlroom::server {

namespace {

// A session's share of its worker's load (session_placement): its
// participants, and one while nobody is in it.
std::int64_t weight(std::size_t people) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(people));
}

}  // namespace

room_directory::room_directory(worker_set& workers, live_session::dependencies deps,
                               std::size_t fill)
    : workers_(workers), deps_(deps), placement_(workers.size(), fill), sessions_(workers.size()) {}

bool room_directory::visit_if_live_here(const std::string& session_id,
                                        const std::function<void(live_session*)>& fn) {
  const auto here = workers_.current();
  if (!here || !sessions_[*here].contains(session_id)) {
    return false;
  }
  visit(*here, session_id, std::nullopt, fn);
  return true;
}

void room_directory::unload_all(std::chrono::steady_clock::time_point deadline) {
  struct latch {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t left;
  };
  auto remaining = std::make_shared<latch>();
  remaining->left = workers_.size();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_.post(i, [this, i, remaining] {
      auto sessions = std::move(sessions_[i]);
      sessions_[i].clear();
      deps_.metrics.sessions_live.add(-static_cast<std::int64_t>(sessions.size()));
      {
        std::lock_guard lock(live_mutex_);
        for (const auto& [id, session] : sessions) {
          live_.erase(id);
          placement_.adjust(i, 1 - weight(session->people().size()));
          placement_.release(id, i);
        }
      }
      sessions.clear();  // destroyed here, on their owner
      std::lock_guard lock(remaining->mutex);
      if (--remaining->left == 0) {
        remaining->done.notify_all();
      }
    });
  }
  std::unique_lock lock(remaining->mutex);
  remaining->done.wait_until(lock, deadline, [&] { return remaining->left == 0; });
}

std::vector<std::string> room_directory::live_sessions() const {
  std::lock_guard lock(live_mutex_);
  return {live_.begin(), live_.end()};
}

void room_directory::with_session(const session_record& session,
                                  std::function<void(live_session*)> fn) {
  const auto owner = owner_of(session.id);
  workers_.post(owner, [this, owner, session, fn = std::move(fn)] {
    visit(owner, session.id, session, [&](live_session* s) { s->when_ready(fn); });
  });
}

void room_directory::with_live_session(const std::string& session_id,
                                       std::function<void(live_session*)> fn) {
  const auto owner = owner_of(session_id);
  workers_.post(owner, [this, owner, session_id, fn = std::move(fn)] {
    visit(owner, session_id, std::nullopt, fn);
  });
}

void room_directory::visit(std::size_t owner, const std::string& session_id,
                           const std::optional<session_record>& create,
                           const std::function<void(live_session*)>& fn) {
  auto& map = sessions_[owner];
  auto it = map.find(session_id);
  if (it == map.end()) {
    if (!create) {
      fn(nullptr);
      return;
    }
    // Chosen when the work was posted; another worker may have placed it
    // since (then it is loaded there, never twice).
    if (const auto placed = placement_.claim(session_id, owner); placed != owner) {
      workers_.post(placed, [this, placed, session_id, record = *create, fn] {
        visit(placed, session_id, record, fn);
      });
      return;
    }
    auto post_self = [this, owner, session_id](std::function<void(live_session&)> work) {
      workers_.post(owner, [this, owner, session_id, work = std::move(work)] {
        visit(owner, session_id, std::nullopt, [&](live_session* s) {
          if (s != nullptr) {
            work(*s);
          }
        });
      });
    };
    auto* media = media_.empty() ? nullptr : media_[owner];
    it = map.emplace(session_id, std::make_shared<live_session>(*create, deps_, post_self, media))
             .first;
    deps_.metrics.sessions_live.add(1);
    {
      std::lock_guard lock(live_mutex_);
      live_.insert(session_id);
    }
    it->second->load();
  }
  // Hold a reference: fn may run work that ends with this entry erased.
  const auto session = it->second;
  const auto before = session->people().size();
  fn(session.get());
  const auto after = session->people().size();
  deps_.metrics.participants.add(static_cast<std::int64_t>(after) -
                                 static_cast<std::int64_t>(before));
  placement_.adjust(owner, weight(after) - weight(before));
  const auto still = map.find(session_id);
  if (session->idle() && still != map.end() && still->second == session) {
    map.erase(still);
    deps_.metrics.sessions_live.add(-1);
    placement_.adjust(owner, 1 - weight(after));
    placement_.release(session_id, owner);
    std::lock_guard lock(live_mutex_);
    live_.erase(session_id);
  }
}

}  // namespace controlroom::server
