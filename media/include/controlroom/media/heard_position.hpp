#pragma once

// "Which session timeline sample is the listener hearing now?" Markers and
// comments land where the producer *heard* them, not where the engineer's
// transport was, so the SDK answers this for every received stream.
//
// Fed by the playout: each run of samples written to the audio device, with
// the timeline position of its first sample (from the packet header, which
// already accounts for the sender's codec delay), or no_timeline_position
// for silence and untimed audio. Contiguous runs are merged, so a short
// history covers a long time. The device plays a sample `output latency`
// samples after it was written; the sample heard at the moment the next one
// is written is therefore rendered() - latency.
//
// Pure and single-threaded (the audio thread); stream_receiver publishes its
// answer to other threads. No allocation after construction.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "controlroom/media/header.hpp"

namespace controlroom::media {

class heard_position {
 public:
  /// Keeps the last `history` runs (timeline jumps, concealment, silence).
  explicit heard_position(std::size_t history = 64);

  /// The next `samples` output samples carry timeline positions
  /// [timeline_position, timeline_position + samples), or none.
  void on_rendered(std::int64_t timeline_position, std::uint64_t samples) noexcept;

  /// Output samples written so far.
  std::uint64_t rendered() const noexcept { return rendered_; }

  /// Timeline position of output sample `index`; nullopt when it is not on
  /// the timeline, not yet rendered, or older than the history.
  std::optional<std::int64_t> position_of(std::uint64_t index) const noexcept;

  /// Position heard at the instant the next sample is written, with the
  /// device playing `output_latency_samples` behind the writer.
  std::optional<std::int64_t> heard(std::uint64_t output_latency_samples) const noexcept;

  void reset() noexcept;

 private:
  struct run {
    std::uint64_t start = 0;  // output index of the first sample
    std::uint64_t count = 0;
    std::int64_t timeline = no_timeline_position;
  };

  std::vector<run> runs_;  // ring
  std::size_t newest_ = 0;
  std::size_t count_ = 0;
  std::uint64_t rendered_ = 0;
};

}  // namespace controlroom::media
