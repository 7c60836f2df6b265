#include "reconnect_backoff.hpp"

#include <algorithm>

namespace controlroom::detail {

reconnect_backoff::reconnect_backoff(std::chrono::milliseconds initial,
                                     std::chrono::milliseconds max, std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(0))),
      max_(std::max(max, initial_)),
      random_(seed) {}

std::chrono::milliseconds reconnect_backoff::nominal(unsigned attempt) const {
  auto delay = initial_;
  // Doubling stops at max_, long before the representation could overflow.
  for (unsigned i = 0; i < attempt && delay < max_; ++i)
    delay = delay.count() == 0 ? delay : std::min(delay * 2, max_);
  return std::min(delay, max_);
}

std::chrono::milliseconds reconnect_backoff::next() {
  const auto full = nominal(attempt_);
  if (attempt_ < 64)
    ++attempt_;
  std::uniform_int_distribution<std::int64_t> pick(full.count() / 2, full.count());
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace controlroom::detail
