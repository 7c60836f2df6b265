#include "session/session_placement.hpp"

#include <stdexcept>

namespace controlroom::server {

session_placement::session_placement(std::size_t workers, std::size_t fill)
    : workers_(workers), fill_(fill), loads_(new std::atomic<std::int64_t>[workers]) {
  if (workers == 0) {
    throw std::invalid_argument("session_placement: no workers");
  }
  for (std::size_t i = 0; i < workers; ++i) {
    loads_[i].store(0, std::memory_order_relaxed);
  }
}

std::optional<std::size_t> session_placement::find(const std::string& session_id) const {
  std::lock_guard lock(mutex_);
  const auto it = placed_.find(session_id);
  if (it == placed_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t session_placement::owner_of(const std::string& session_id) const {
  if (const auto placed = find(session_id)) {
    return *placed;
  }
  return choose();
}

std::size_t session_placement::choose() const {
  std::size_t least = 0;
  std::int64_t least_load = load(0);
  for (std::size_t i = 0; i < workers_; ++i) {
    const auto l = load(i);
    if (l < static_cast<std::int64_t>(fill_)) {
      return i;
    }
    if (l < least_load) {
      least = i;
      least_load = l;
    }
  }
  return least;
}

std::size_t session_placement::claim(const std::string& session_id, std::size_t worker) {
  std::lock_guard lock(mutex_);
  const auto [it, inserted] = placed_.emplace(session_id, worker);
  if (inserted) {
    adjust(worker, 1);
  }
  return it->second;
}

void session_placement::release(const std::string& session_id, std::size_t worker) {
  std::lock_guard lock(mutex_);
  const auto it = placed_.find(session_id);
  if (it != placed_.end() && it->second == worker) {
    placed_.erase(it);
    adjust(worker, -1);
  }
}

void session_placement::adjust(std::size_t worker, std::int64_t delta) {
  loads_[worker].fetch_add(delta, std::memory_order_relaxed);
}

std::int64_t session_placement::load(std::size_t worker) const {
  return loads_[worker].load(std::memory_order_relaxed);
}

}  // namespace controlroom::server
