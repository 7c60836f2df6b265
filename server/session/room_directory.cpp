#include "session/room_directory.hpp"

#include "metrics/server_metrics.hpp"

namespace controlroom::server {

room_directory::room_directory(worker_set& workers, server_metrics* metrics)
    : workers_(workers), metrics_(metrics), rooms_(workers.size()) {}

std::size_t room_directory::owner_of(const std::string& session_id) const {
  return std::hash<std::string>{}(session_id) % workers_.size();
}

void room_directory::with_room(const session_record& session, std::function<void(room&)> fn) {
  const auto owner = owner_of(session.id);
  workers_.post(owner, [this, owner, session, fn = std::move(fn)] {
    visit(owner, session.id, session, [&](room* r) { fn(*r); });
  });
}

void room_directory::with_live_room(const std::string& session_id, std::function<void(room*)> fn) {
  const auto owner = owner_of(session_id);
  workers_.post(owner, [this, owner, session_id, fn = std::move(fn)] {
    visit(owner, session_id, std::nullopt, fn);
  });
}

void room_directory::visit(std::size_t owner, const std::string& session_id,
                           const std::optional<session_record>& create,
                           const std::function<void(room*)>& fn) {
  auto& map = rooms_[owner];
  auto it = map.find(session_id);
  if (it == map.end()) {
    if (!create) {
      fn(nullptr);
      return;
    }
    it = map.emplace(session_id, std::make_unique<room>(*create)).first;
    if (metrics_ != nullptr) {
      metrics_->sessions_live.add(1);
    }
  }
  const auto before = static_cast<std::int64_t>(it->second->size());
  fn(it->second.get());
  if (metrics_ != nullptr) {
    metrics_->participants.add(static_cast<std::int64_t>(it->second->size()) - before);
  }
  if (it->second->empty()) {
    map.erase(it);
    if (metrics_ != nullptr) {
      metrics_->sessions_live.add(-1);
    }
  }
}

}  // namespace controlroom::server
