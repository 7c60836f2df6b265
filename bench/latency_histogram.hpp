#pragma once

// A log-linear latency histogram for the load generators: constant memory
// however many samples a run records (millions per second at relay rates),
// with a relative error under 1.6 % per bucket. Values are nanoseconds.
//
// Values below 128 get a bucket each; above, every power of two is cut into
// 64 equal sub-buckets. Not thread safe: one per recording thread, merged
// afterwards.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace controlroom::bench {

class latency_histogram {
 public:
  void record(std::int64_t ns) noexcept {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
    ++counts_[index_of(v)];
    ++total_;
    max_ = std::max(max_, v);
  }

  void merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) {
      counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }

  void clear() noexcept { *this = latency_histogram{}; }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max_ns() const noexcept { return max_; }

  /// The value at quantile q (0..1): the middle of the bucket holding the
  /// sample of that rank; 0 when empty.
  std::uint64_t quantile_ns(double q) const noexcept {
    if (total_ == 0) {
      return 0;
    }
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return std::min(middle_of(i), max_);
      }
    }
    return max_;
  }

 private:
  static constexpr unsigned sub_bits = 6;
  static constexpr std::uint64_t sub_count = 1u << sub_bits;  // 64
  static constexpr std::size_t bucket_count = 2 * sub_count + 58 * sub_count;

  static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < 2 * sub_count) {
      return static_cast<std::size_t>(v);
    }
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - (sub_bits + 1);
    const auto i = 2 * sub_count + (shift - 1) * sub_count + ((v >> shift) - sub_count);
    return std::min<std::size_t>(static_cast<std::size_t>(i), bucket_count - 1);
  }

  static std::uint64_t middle_of(std::size_t i) noexcept {
    if (i < 2 * sub_count) {
      return i;
    }
    const auto above = i - 2 * sub_count;
    const auto shift = above / sub_count + 1;
    const auto low = (sub_count + above % sub_count) << shift;
    return low + ((std::uint64_t{1} << shift) >> 1);
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace controlroom::bench
