#pragma once

// How much later than its fastest peers a packet may arrive: the measurement
// behind the jitter buffer's adaptive target depth.
//
// Per packet, transit = arrival (receiver clock) - capture (sender clock).
// The clocks' offset is unknown but constant (up to drift), so only transit
// differences matter:
//  - jitter_us(): the RFC 3550 interarrival jitter, J += (|D| - J) / 16 with
//    D the transit difference of consecutive arrivals. A smoothed mean, good
//    for reporting and for comparison with RTP stacks.
//  - peak_delay_us(): the largest (transit - minimum transit) over the hold
//    window, i.e. how late the latest recent packet was compared with the
//    fastest. Buffering that long plays every packet of the window on time.
//    Holding the peak for seconds rather than averaging is what keeps music
//    free of concealment when jitter comes in bursts (Wi-Fi scans, cross
//    traffic), at the cost of latency that shrinks only once it has calmed.
//
// The minimum transit is itself taken over a longer window so that a route
// change or clock drift does not pin the baseline forever.
//
// Pure and single-threaded.

#include <cstdint>
#include <optional>

#include "controlroom/media/detail/window_extreme.hpp"

namespace controlroom::media {

struct jitter_estimator_config {
  std::uint64_t hold_us = 4'000'000;       ///< peak-hold window
  std::uint64_t baseline_us = 10'000'000;  ///< minimum-transit window
};

class jitter_estimator {
 public:
  explicit jitter_estimator(const jitter_estimator_config& config = {}) noexcept;

  /// One fresh packet (not a duplicate, not a retransmission), in arrival order.
  void on_packet(std::uint64_t capture_us, std::uint64_t arrival_us) noexcept;

  /// A discontinuity: the sender's capture clock may have restarted, so the
  /// transit baseline is forgotten. The current peak stays as a floor for one
  /// hold window, so the buffer does not collapse after every locate.
  void restart() noexcept;

  double jitter_us() const noexcept { return jitter_us_; }
  std::uint64_t peak_delay_us() const noexcept;
  /// Arrival time covered since the first packet after construction/restart.
  std::uint64_t observed_us() const noexcept;

 private:
  jitter_estimator_config config_;
  detail::window_extreme min_transit_;
  detail::window_extreme peak_;
  double jitter_us_ = 0;
  std::optional<std::int64_t> last_transit_;
  std::optional<std::uint64_t> first_arrival_us_;
  std::uint64_t last_arrival_us_ = 0;
  std::uint64_t floor_us_ = 0;  // peak carried over a restart, until floor_until_us_
  std::uint64_t floor_until_us_ = 0;
};

}  // namespace controlroom::media
