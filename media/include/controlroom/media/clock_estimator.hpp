#pragma once

// The offset between this client's monotonic clock and the server's, from
// ping exchanges over the control plane (pure: the caller sends the pings).
//
// Each sample is (client send, server time, client receive). Its offset
// estimate is server - (send + receive) / 2, wrong by at most rtt / 2 (the
// whole round trip on one leg), and by exactly (forward - backward) / 2 for
// an asymmetric path: no two-way method can see asymmetry. Queueing only
// ever adds delay, so the sample with the smallest round trip is the one
// least disturbed: min-RTT filtering (as NTP's clock filter). Clocks drift
// (tens of ppm), so an old sample's error also grows with its age; the
// estimate takes the sample with the smallest bound
//     rtt / 2 + drift_ppm * age
// among the last `window` samples.
//
// Single-threaded. No allocation after construction.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace controlroom::media {

/// One ping exchange, all in microseconds.
struct clock_sample {
  std::int64_t client_send_us = 0;     ///< client clock when the ping left
  std::int64_t server_time_us = 0;     ///< server clock when it answered
  std::int64_t client_receive_us = 0;  ///< client clock when the answer arrived
};

struct clock_estimator_config {
  std::size_t window = 64;              ///< samples kept
  double drift_ppm = 100;               ///< assumed worst relative drift of the two clocks
  std::int64_t max_rtt_us = 5'000'000;  ///< slower exchanges say nothing useful
};

struct clock_estimate {
  std::int64_t offset_us = 0;       ///< server clock - client clock
  std::int64_t rtt_us = 0;          ///< smallest round trip in the window
  std::int64_t uncertainty_us = 0;  ///< bound on |error| of offset_us (path asymmetry aside)
};

class clock_estimator {
 public:
  explicit clock_estimator(const clock_estimator_config& config = {});

  /// Adds one exchange. False (and ignored) when it is impossible (answer
  /// before the ping) or slower than max_rtt_us.
  bool add(const clock_sample& sample) noexcept;

  /// The estimate as of client time `now_us`; nullopt before any sample.
  std::optional<clock_estimate> estimate(std::int64_t now_us) const noexcept;

  /// client time -> server time with the estimate at `client_us`.
  std::optional<std::int64_t> to_server(std::int64_t client_us) const noexcept;
  /// server time -> client time.
  std::optional<std::int64_t> to_client(std::int64_t server_us) const noexcept;

  std::size_t samples() const noexcept { return count_; }

 private:
  clock_estimator_config config_;
  std::vector<clock_sample> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace controlroom::media
