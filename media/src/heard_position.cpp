#include "controlroom/media/heard_position.hpp"

#include <algorithm>

namespace controlroom::media {

heard_position::heard_position(std::size_t history) : runs_(std::max<std::size_t>(history, 2)) {}

void heard_position::on_rendered(std::int64_t timeline_position, std::uint64_t samples) noexcept {
  if (samples == 0)
    return;
  if (count_ > 0) {
    run& last = runs_[newest_];
    const bool both_untimed =
        last.timeline == no_timeline_position && timeline_position == no_timeline_position;
    const bool continues =
        last.timeline != no_timeline_position &&
        timeline_position == last.timeline + static_cast<std::int64_t>(last.count);
    if (both_untimed || continues) {
      last.count += samples;
      rendered_ += samples;
      return;
    }
    newest_ = (newest_ + 1) % runs_.size();
  }
  runs_[newest_] = {rendered_, samples, timeline_position};
  count_ = std::min(count_ + 1, runs_.size());
  rendered_ += samples;
}

std::optional<std::int64_t> heard_position::position_of(std::uint64_t index) const noexcept {
  if (index >= rendered_)
    return std::nullopt;
  // Newest first: queries are almost always about the last few milliseconds.
  for (std::size_t i = 0; i < count_; ++i) {
    const run& r = runs_[(newest_ + runs_.size() - i) % runs_.size()];
    if (index < r.start)
      continue;
    if (r.timeline == no_timeline_position)
      return std::nullopt;
    return r.timeline + static_cast<std::int64_t>(index - r.start);
  }
  return std::nullopt;
}

std::optional<std::int64_t> heard_position::heard(
    std::uint64_t output_latency_samples) const noexcept {
  if (rendered_ < output_latency_samples)
    return std::nullopt;
  if (output_latency_samples == 0 && count_ > 0) {
    // The sample being heard is the one about to be written: continue the last run.
    const run& last = runs_[newest_];
    if (last.timeline == no_timeline_position)
      return std::nullopt;
    return last.timeline + static_cast<std::int64_t>(last.count);
  }
  return position_of(rendered_ - output_latency_samples);
}

void heard_position::reset() noexcept {
  count_ = 0;
  newest_ = 0;
  rendered_ = 0;
}

}  // namespace controlroom::media
