#pragma once

// Turns one stream's datagrams, as they arrive during a take, into a whole
// Ogg Opus file: packets are put back in sequence order, a missing frame is
// taken from the next datagram's redundant copy when there is one, asked for
// again (NACK) while the heal window lasts, and written as a concealment
// packet only when it never came. The file's timing is therefore exact, and
// the live stream never waits for any of this (the recorder sees copies).
//
// Start: the first frame written is the one that covers the take's start
// position; pre-skip discards its samples before that position, so the
// decoded file begins exactly on the take's first sample. (A stream that
// carries no timeline positions starts at its first packet.)
//
// Pure: no clock, no files. Time comes in as arguments; pages go to a sink.
// Threading: one thread (the session's owner worker).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/ogg_opus_writer.hpp"

namespace controlroom::server {

struct recorder_timing {
  std::uint64_t heal_window_us = 2'000'000;  // how long a missing frame is waited for
  std::uint64_t nack_interval_us = 120'000;  // between requests for the same frame
  int nack_attempts = 6;
  std::size_t max_held_frames = 6000;  // reorder window bound (60 s of 10 ms frames)
};

struct recorder_stats {
  std::uint32_t healed = 0;    // frames missing at first, recovered (redundancy or resend)
  std::uint32_t unhealed = 0;  // frames written as concealment
  std::uint64_t frames = 0;    // frames written
  std::uint64_t late = 0;      // packets for frames already written
  std::uint32_t resyncs = 0;   // sender restarts (sequence jumps) during the take
};

class stream_recorder {
 public:
  stream_recorder(recorder_timing timing, std::optional<std::int64_t> start_position,
                  media::ogg_opus_settings file, media::ogg_page_sink sink);

  /// One datagram of the stream (header and payload already validated).
  void on_packet(const media::media_header& h, std::span<const std::uint8_t> payload,
                 std::uint64_t now_us);
  /// Writes what no longer needs waiting for (called on every packet and
  /// when the owner has time).
  void advance(std::uint64_t now_us);
  /// Sequence numbers to request now; each is asked for at most every
  /// nack_interval_us, nack_attempts times.
  std::vector<std::uint32_t> nacks_due(std::uint64_t now_us);
  /// Ends the take: fills remaining holes, writes everything, closes the
  /// Ogg stream. `complete` false when the take was cut short.
  void finish();
  /// Forces out a page with what is written so far (bounds what a crash
  /// can lose).
  void flush_page();

  bool started() const { return writer_.has_value(); }
  const recorder_stats& stats() const { return stats_; }
  std::uint16_t pre_skip() const { return pre_skip_; }
  /// Timeline position of the first sample after pre-skip, if timed.
  std::optional<std::int64_t> first_position() const { return first_position_; }
  /// Samples per channel after pre-skip.
  std::uint64_t duration_samples() const;

 private:
  struct frame {
    std::vector<std::uint8_t> packet;
    std::uint32_t samples = 0;
    std::int64_t position = media::no_timeline_position;
  };
  struct missing {
    std::uint64_t noticed_us = 0;
    std::uint64_t last_nack_us = 0;
    int nacks = 0;
  };

  std::int64_t index_of(std::uint32_t sequence) const;
  void hold(std::int64_t index, std::span<const std::uint8_t> packet, std::uint32_t samples,
            std::int64_t position);
  bool accept_first(const media::media_header& h);
  void write(const frame& f);
  void write_gap();
  void restart_at(std::uint32_t sequence);

  recorder_timing timing_;
  std::optional<std::int64_t> start_position_;
  media::ogg_opus_settings file_;
  media::ogg_page_sink sink_;
  std::optional<media::ogg_opus_writer> writer_;

  bool have_base_ = false;
  std::uint32_t base_sequence_ = 0;  // index 0
  std::int64_t next_ = 0;            // the next index to write
  std::int64_t highest_ = -1;        // the highest index seen
  std::uint32_t frame_samples_ = 480;
  bool stereo_ = true;
  std::map<std::int64_t, frame> held_;
  std::map<std::int64_t, missing> missing_;
  std::uint16_t pre_skip_ = 0;
  std::optional<std::int64_t> first_position_;
  recorder_stats stats_;
  bool finished_ = false;
};

}  // namespace controlroom::server
