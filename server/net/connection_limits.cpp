#include "net/connection_limits.hpp"

#include <utility>

namespace controlroom::server {

struct connection_limits::counts {
  std::size_t max_total;
  std::size_t max_per_address;
  mutable std::mutex mutex;
  std::size_t total = 0;
  std::unordered_map<std::string, std::size_t> per_address;
};

connection_limits::connection_limits(std::size_t max_total, std::size_t max_per_address)
    : counts_(std::make_shared<counts>()) {
  counts_->max_total = max_total;
  counts_->max_per_address = max_per_address;
}

connection_limits::admission connection_limits::admit(const std::string& address) {
  auto& c = *counts_;
  std::lock_guard lock(c.mutex);
  if (c.max_total != 0 && c.total >= c.max_total) {
    return {verdict::over_total, {}};
  }
  admission out;
  out.place.counts_ = counts_;
  ++c.total;
  if (c.max_per_address != 0) {
    const auto it = c.per_address.find(address);
    if (it != c.per_address.end() && it->second >= c.max_per_address) {
      out.result = verdict::over_address;
      return out;
    }
  }
  ++c.per_address[address];
  out.place.address_ = address;
  out.place.per_address_ = true;
  return out;
}

std::size_t connection_limits::open_total() const {
  std::lock_guard lock(counts_->mutex);
  return counts_->total;
}

std::size_t connection_limits::open_from(const std::string& address) const {
  std::lock_guard lock(counts_->mutex);
  const auto it = counts_->per_address.find(address);
  return it == counts_->per_address.end() ? 0 : it->second;
}

connection_limits::slot::slot(slot&& other) noexcept
    : counts_(std::move(other.counts_)),
      address_(std::move(other.address_)),
      per_address_(std::exchange(other.per_address_, false)) {}

connection_limits::slot& connection_limits::slot::operator=(slot&& other) noexcept {
  if (this != &other) {
    release();
    counts_ = std::move(other.counts_);
    address_ = std::move(other.address_);
    per_address_ = std::exchange(other.per_address_, false);
  }
  return *this;
}

connection_limits::slot::~slot() {
  release();
}

void connection_limits::slot::release() {
  if (!counts_) {
    return;
  }
  {
    std::lock_guard lock(counts_->mutex);
    --counts_->total;
    if (per_address_) {
      const auto it = counts_->per_address.find(address_);
      if (it != counts_->per_address.end() && --it->second == 0) {
        counts_->per_address.erase(it);  // the map holds only addresses with connections
      }
    }
  }
  counts_.reset();
  per_address_ = false;
}

}  // namespace controlroom::server
