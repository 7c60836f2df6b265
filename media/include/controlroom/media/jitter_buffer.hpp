#pragma once

// The adaptive jitter buffer: packets in, in any order; one frame out per
// pull(), in sequence order, paced by the audio device. It works on Opus
// packets, not PCM (the caller decodes), so it is pure and cheap.
//
// The target depth comes from jitter_estimator: one frame plus the held peak
// lateness plus a margin. "Depth" (available()) counts the frames from the
// one due to the newest received, gaps included: it is the playout delay as
// seen by the fastest packets, which is what a late packet must fit into.
//
// What pull() does, in order of preference:
//  1. the frame's own packet                                  -> frame
//  2. the copy of it carried by the next packet                -> frame (recovered)
//  3. missing, and depth >= target: it is lost                 -> concealed, advance
//  4. missing, and depth < target (or nothing newer at all):
//     it may only be late, so conceal *without advancing*      -> concealed, wait
//     (an underrun: this is how the delay grows with jitter)
//  5. before the start, or after the stream stopped            -> silence
//
// Latency comes down again by dropping single frames (the caller crossfades
// over them) when, for a whole hold window, the depth never fell to the
// target, i.e. that frame of delay bought nothing. Packets for frames
// already played are late and dropped; more than max_delay_us of buffered
// audio drops the oldest.
//
// Discontinuity (header flag): the estimator restarts, and when playout
// reaches that frame it waits in silence until `target` frames from it are
// buffered. A sequence number far outside the buffer (a sender restart)
// resynchronises on a discontinuity packet at once, or after a few in a row.
//
// Threading: none inside. The owner calls insert() and pull() from one
// thread (stream_receiver: the audio thread, fed by a packet_ring). No
// allocation after construction.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "controlroom/media/detail/window_extreme.hpp"
#include "controlroom/media/header.hpp"
#include "controlroom/media/jitter_estimator.hpp"
#include "controlroom/media/stream_stats.hpp"

namespace controlroom::media {

struct jitter_buffer_config {
  /// Target delay until warmup_us of arrivals have been measured.
  std::uint64_t initial_delay_us = 20'000;
  std::uint64_t warmup_us = 1'000'000;
  /// Added to the measured peak lateness: scheduling noise on both ends.
  std::uint64_t margin_us = 2'000;
  /// Bound on buffered audio; older frames are dropped beyond it.
  std::uint64_t max_delay_us = 400'000;
  /// Peak hold: how long a lateness is remembered, and how long the buffer
  /// must have had slack before a frame is dropped to cut latency.
  std::uint64_t hold_us = 4'000'000;
  std::uint64_t baseline_us = 10'000'000;  ///< see jitter_estimator_config
  /// Playout time between two latency cuts: at most one dropped frame each.
  std::uint64_t shrink_interval_us = 200'000;
  /// Underrun concealment after which the stream counts as stopped (silence,
  /// then buffering afresh): a talkback release, a sender gone.
  std::uint64_t max_conceal_us = 100'000;
  /// Frames of storage (rounded up to a power of two); bounds max depth.
  std::size_t capacity_frames = 256;
};

/// One pull()'s worth of playout.
struct playout_frame {
  enum class kind {
    frame,      ///< decode `payload`
    concealed,  ///< conceal `samples`; `payload` is the next packet if buffered (for FEC)
    silence,    ///< output `samples` of silence: not started, or stopped
  };
  kind what = kind::silence;
  /// frame only: played from the redundant copy in the next packet.
  bool recovered = false;
  /// frame only: latency is being cut. Decode it (to keep the decoder in
  /// step), discard the audio, pull() again at once and crossfade into
  /// that frame. It does not advance the playout clock.
  bool drop = false;
  /// Timing restarted here (first frame after a start, resume or a
  /// discontinuity): the output is not continuous with what came before.
  bool discontinuity = false;
  std::uint32_t sequence = 0;
  std::uint32_t samples = 0;  ///< per channel, at 48 kHz
  std::uint8_t channels = 0;  ///< of the stream (0 for silence before any packet)
  /// Of the first sample; inferred for concealed frames; or no_timeline_position.
  std::int64_t timeline_position = no_timeline_position;
  /// The Opus packet. Valid until the next insert() or pull().
  std::span<const std::uint8_t> payload;
};

class jitter_buffer {
 public:
  enum class insert_result { accepted, duplicate, late, ignored, malformed };

  explicit jitter_buffer(const jitter_buffer_config& config = {});

  /// One received datagram (header + payload as on the wire), stamped with
  /// the receiver's monotonic clock at arrival.
  insert_result insert(const media_header& header, std::span<const std::uint8_t> payload,
                       std::uint64_t arrival_us) noexcept;

  /// The next frame of playout. Never blocks; always returns something.
  playout_frame pull() noexcept;

  /// Counters and the adaptive state. `malformed` counts insert() rejections;
  /// the receiver-level counters stay zero here.
  stream_stats stats() const noexcept;

  /// Current adaptive target, in frames of the current stream.
  std::uint32_t target_frames() const noexcept;
  /// Frames from the next one due to the newest received (gaps included).
  std::uint32_t available() const noexcept;

 private:
  enum class mode { idle, buffering, playing };
  enum class slot_state : std::uint8_t { empty, primary, redundant, played, concealed };

  struct slot {
    std::uint32_t seq = 0;
    slot_state state = slot_state::empty;
    bool discontinuity = false;
    std::uint16_t samples = 0;
    std::uint8_t channels = 0;
    std::int64_t timeline = no_timeline_position;
    std::uint16_t size = 0;
    std::vector<std::uint8_t> bytes;  // max_payload_size, allocated once
  };

  slot& at(std::uint32_t seq) noexcept { return slots_[seq & mask_]; }
  const slot& at(std::uint32_t seq) const noexcept { return slots_[seq & mask_]; }
  bool holds(std::uint32_t seq) const noexcept;  // a playable packet for seq
  void store(std::uint32_t seq, slot_state state, const media_header& h, std::int64_t timeline,
             bool discontinuity, std::span<const std::uint8_t> bytes) noexcept;
  void restart_at(std::uint32_t seq) noexcept;
  void skip_to(std::uint32_t seq) noexcept;
  bool should_shrink(std::uint32_t avail) const noexcept;
  playout_frame pull_buffering() noexcept;
  playout_frame pull_playing() noexcept;
  playout_frame silence() const noexcept;

  std::uint32_t frame_samples() const noexcept { return frame_samples_ ? frame_samples_ : 480; }
  std::uint64_t us_to_samples(std::uint64_t us) const noexcept {
    return us * sample_rate / 1'000'000;
  }
  std::uint64_t target_delay_us() const noexcept;
  std::uint32_t max_depth_frames() const noexcept;

  jitter_buffer_config config_;
  jitter_estimator estimator_;
  std::vector<slot> slots_;
  std::uint32_t mask_;

  mode mode_ = mode::idle;
  bool floor_fixed_ = false;                 // frames before next_seq_ were already due
  bool restart_flag_ = false;                // next output frame carries `discontinuity`
  std::uint32_t next_seq_ = 0;               // the frame the next pull() is for
  std::uint32_t highest_ = 0;                // newest sequence received in this epoch
  std::optional<std::uint32_t> primed_seq_;  // discontinuity frame already waited for
  std::uint32_t far_packets_ = 0;
  std::uint16_t frame_samples_ = 0;  // of the newest packet
  std::uint8_t channels_ = 0;
  std::int64_t expected_timeline_ = no_timeline_position;

  // The playout clock: samples handed out by pull(). Windows run on it.
  std::uint64_t playout_samples_ = 0;
  std::uint64_t playing_since_ = 0;
  std::uint64_t last_shrink_ = 0;
  std::uint64_t conceal_run_ = 0;  // samples of consecutive underrun concealment
  std::uint64_t waited_ = 0;       // samples of silence while buffering with data
  detail::window_extreme min_available_;
  stream_stats stats_;
};

}  // namespace controlroom::media
