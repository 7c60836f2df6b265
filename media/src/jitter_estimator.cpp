#include "controlroom/media/jitter_estimator.hpp"

#include <cmath>

namespace controlroom::media {

jitter_estimator::jitter_estimator(const jitter_estimator_config& config) noexcept
    : config_(config),
      min_transit_(detail::window_extreme::kind::min, config.baseline_us),
      peak_(detail::window_extreme::kind::max, config.hold_us) {}

namespace {
// a - b with wrap-around instead of overflow: capture times come from the
// network and may be anything.
std::int64_t wrapping_difference(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
}  // namespace

void jitter_estimator::on_packet(std::uint64_t capture_us, std::uint64_t arrival_us) noexcept {
  // Wrapping subtraction then signed: the two clocks have unrelated epochs.
  const auto transit = static_cast<std::int64_t>(arrival_us - capture_us);
  if (last_transit_) {
    const double d = std::abs(static_cast<double>(wrapping_difference(transit, *last_transit_)));
    jitter_us_ += (d - jitter_us_) / 16.0;
  }
  last_transit_ = transit;
  if (!first_arrival_us_)
    first_arrival_us_ = arrival_us;
  last_arrival_us_ = arrival_us;

  min_transit_.add(arrival_us, transit);
  const std::int64_t extra = wrapping_difference(transit, *min_transit_.value());
  peak_.add(arrival_us, extra);
}

void jitter_estimator::restart() noexcept {
  floor_us_ = peak_delay_us();
  floor_until_us_ = last_arrival_us_ + config_.hold_us;
  min_transit_.clear();
  peak_.clear();
  last_transit_.reset();
  first_arrival_us_.reset();
}

std::uint64_t jitter_estimator::peak_delay_us() const noexcept {
  const std::int64_t peak = peak_.value().value_or(0);
  const std::uint64_t measured = peak > 0 ? static_cast<std::uint64_t>(peak) : 0;
  const bool floor_active = last_arrival_us_ < floor_until_us_;
  return floor_active && floor_us_ > measured ? floor_us_ : measured;
}

std::uint64_t jitter_estimator::observed_us() const noexcept {
  return first_arrival_us_ ? last_arrival_us_ - *first_arrival_us_ : 0;
}

}  // namespace controlroom::media
