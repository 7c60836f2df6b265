#include "control/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace controlroom::server {

rate_limiter::rate_limiter(double rate_per_second, double burst, clock::time_point now)
    : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

void rate_limiter::refill(clock::time_point now) {
  // A clock that seems to go back (it should not: steady) refills nothing.
  if (now <= last_) {
    return;
  }
  const std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_ = now;
}

rate_limiter::decision rate_limiter::take(clock::time_point now) {
  if (rate_ <= 0) {
    return {};
  }
  refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    refusals_ = 0;
    return {};
  }
  // Saturates rather than wraps: a flood of 2^32 refusals is still a flood.
  if (refusals_ < UINT32_MAX) {
    ++refusals_;
  }
  const auto wait_ms = std::ceil((1 - tokens_) / rate_ * 1000);
  return {false, std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(wait_ms))),
          refusals_};
}

double rate_limiter::tokens(clock::time_point now) {
  if (rate_ <= 0) {
    return burst_;
  }
  refill(now);
  return tokens_;
}

}  // namespace controlroom::server
