#pragma once

// Implementation detail of the media library (not part of its API): the
// maximum (or minimum) of the values seen over a recent span of time,
// in O(1) memory: the span is cut into a few buckets, each keeping its own
// extreme, and whole buckets expire. The window therefore covers between
// (buckets-1)/buckets and all of `span`, which is precise enough for
// peak-hold rules and costs nothing on the audio thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace controlroom::media::detail {

class window_extreme {
 public:
  enum class kind { max, min };
  static constexpr std::size_t buckets = 8;

  window_extreme(kind k, std::uint64_t span) noexcept
      : kind_(k), bucket_len_(span / buckets > 0 ? span / buckets : 1) {}

  /// Records `v` at time `t` (any monotonic unit; t never decreases).
  void add(std::uint64_t t, std::int64_t v) noexcept {
    const std::uint64_t id = t / bucket_len_;
    last_id_ = id;
    entry& e = entries_[id % buckets];
    if (!e.used || e.id != id) {
      e = {id, v, true};
    } else {
      e.value = better(e.value, v);
    }
  }

  /// The extreme over the buckets still in the window ending at the last add().
  std::optional<std::int64_t> value() const noexcept {
    std::optional<std::int64_t> out;
    for (const entry& e : entries_) {
      if (!e.used || e.id + buckets <= last_id_)
        continue;
      out = out ? better(*out, e.value) : e.value;
    }
    return out;
  }

  /// Adds `delta` to every held value: the level they describe has moved.
  void shift(std::int64_t delta) noexcept {
    for (entry& e : entries_)
      e.value += delta;
  }

  void clear() noexcept { entries_ = {}; }

 private:
  struct entry {
    std::uint64_t id = 0;
    std::int64_t value = 0;
    bool used = false;
  };

  std::int64_t better(std::int64_t a, std::int64_t b) const noexcept {
    if (kind_ == kind::max)
      return a > b ? a : b;
    return a < b ? a : b;
  }

  kind kind_;
  std::uint64_t bucket_len_;
  std::uint64_t last_id_ = 0;
  std::array<entry, buckets> entries_{};
};

}  // namespace controlroom::media::detail
