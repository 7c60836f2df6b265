#include "controlroom/media/clock_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace controlroom::media {

clock_estimator::clock_estimator(const clock_estimator_config& config)
    : config_(config), ring_(std::max<std::size_t>(config.window, 1)) {}

bool clock_estimator::add(const clock_sample& sample) noexcept {
  const std::int64_t rtt = sample.client_receive_us - sample.client_send_us;
  if (rtt < 0 || rtt > config_.max_rtt_us)
    return false;
  ring_[next_] = sample;
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
  return true;
}

std::optional<clock_estimate> clock_estimator::estimate(std::int64_t now_us) const noexcept {
  if (count_ == 0)
    return std::nullopt;
  const double drift = config_.drift_ppm * 1e-6;
  double best_bound = std::numeric_limits<double>::infinity();
  clock_estimate out;
  out.rtt_us = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < count_; ++i) {
    const clock_sample& s = ring_[i];
    const std::int64_t rtt = s.client_receive_us - s.client_send_us;
    out.rtt_us = std::min(out.rtt_us, rtt);
    const double age = static_cast<double>(std::max<std::int64_t>(0, now_us - s.client_receive_us));
    const double bound = static_cast<double>(rtt) / 2.0 + drift * age;
    if (bound < best_bound) {
      best_bound = bound;
      // Midpoint without overflow: send + rtt/2.
      out.offset_us = s.server_time_us - (s.client_send_us + rtt / 2);
    }
  }
  out.uncertainty_us = static_cast<std::int64_t>(std::ceil(best_bound));
  return out;
}

std::optional<std::int64_t> clock_estimator::to_server(std::int64_t client_us) const noexcept {
  const auto e = estimate(client_us);
  if (!e)
    return std::nullopt;
  return client_us + e->offset_us;
}

std::optional<std::int64_t> clock_estimator::to_client(std::int64_t server_us) const noexcept {
  // The estimate's age is measured in client time; one refinement step is
  // exact enough (the offset changes by ppm of the difference).
  const auto first = estimate(server_us);
  if (!first)
    return std::nullopt;
  const auto e = estimate(server_us - first->offset_us);
  return server_us - e->offset_us;
}

}  // namespace controlroom::media
