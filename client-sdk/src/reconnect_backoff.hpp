#pragma once

// When to try reconnecting next: exponential backoff with jitter. Pure but
// for its random generator; one thread at a time.

#include <chrono>
#include <cstdint>
#include <random>

namespace controlroom::detail {

/// Attempt k (from 0) waits a nominal min(max, initial * 2^k), drawn
/// uniformly from its upper half: the delay still grows for sure, while
/// clients dropped together (a server restart) spread out instead of
/// knocking in step ("equal jitter").
class reconnect_backoff {
 public:
  reconnect_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                    std::uint64_t seed);

  /// The delay before the next attempt; each call counts one attempt.
  std::chrono::milliseconds next();

  /// Starts over from `initial` (after a success).
  void reset() { attempt_ = 0; }

  /// The nominal delay of attempt `attempt`, before jitter.
  std::chrono::milliseconds nominal(unsigned attempt) const;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace controlroom::detail
