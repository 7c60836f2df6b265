#pragma once

// The sending half of one media stream: PCM from the capture callback in
// chunks of any size -> Opus frames -> datagrams (header + payload, with the
// previous frame's packet as redundancy when it fits the budget).
//
// Stamps per frame: capture_time_us of its first input sample, and the
// timeline position of its first *decoded* sample, i.e. the input position
// minus the encoder's lookahead, so that receivers need not know the
// sender's codec settings to place audio on the timeline.
//
// A timeline position that does not continue the previous push (a locate,
// or the transport starting/stopping) starts a new frame flagged
// `discontinuity`; the partial frame before it is discarded rather than
// padded, so audio and timeline never straddle a jump.
//
// Threading: one thread (the capture callback). The sink is called on that
// thread, once per datagram, with a view valid only during the call; it must
// not block (hand the bytes to the network thread through a queue).
// push() does not allocate.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/opus_encoder.hpp"
#include "controlroom/media/result.hpp"

namespace controlroom::media {

/// Header + payload budget that fits one 1500-byte MTU with room to spare:
/// 1452 bytes of UDP payload over IPv6, minus the transport's encryption
/// overhead (nonce, tag, key id), with margin for tunnels.
inline constexpr std::size_t default_datagram_budget = 1400;

struct sender_config {
  encoder_settings codec = encoder_settings::music();
  std::uint32_t sender_id = 0;  ///< assigned by the server over the control plane
  stream_kind kind = stream_kind::program;
  /// Repeat the previous frame in each datagram. Doubles the bitrate on the
  /// wire; recovers every isolated loss bit-exactly. Skipped for a datagram
  /// when primary + copy exceed the budget (e.g. 20 ms at 510 kbit/s).
  bool redundancy = true;
  std::uint32_t initial_sequence = 0;  ///< the SDK picks it at random
  std::size_t max_datagram_bytes =
      default_datagram_budget;  ///< header included, <= max_datagram_size
};

using datagram_sink = std::function<void(std::span<const std::uint8_t> datagram)>;

class stream_sender {
 public:
  static result<stream_sender> create(const sender_config& config, datagram_sink sink);

  /// Appends interleaved PCM (channels values per sample). `capture_time_us`
  /// is the sender's monotonic clock at pcm's first sample;
  /// `timeline_position` that sample's session timeline position or
  /// no_timeline_position. Emits every completed frame through the sink.
  std::error_code push(std::span<const float> pcm, std::uint64_t capture_time_us,
                       std::int64_t timeline_position) noexcept;

  /// Flags the next frame `discontinuity` (e.g. talkback pressed again).
  void mark_discontinuity() noexcept { discontinuity_ = true; }

  std::uint32_t next_sequence() const noexcept { return sequence_; }
  std::uint32_t lookahead() const noexcept { return encoder_.lookahead(); }
  /// Datagrams sent without the redundant copy because it did not fit.
  std::uint64_t redundancy_skipped() const noexcept { return redundancy_skipped_; }

 private:
  stream_sender(const sender_config& config, datagram_sink sink, opus_encoder encoder);
  std::error_code emit_frame() noexcept;

  sender_config config_;
  datagram_sink sink_;
  opus_encoder encoder_;
  std::uint32_t frame_samples_;
  std::vector<float> frame_;  // the frame being filled, interleaved
  std::size_t filled_ = 0;    // samples per channel in frame_
  std::uint64_t frame_capture_us_ = 0;
  std::int64_t frame_timeline_ = no_timeline_position;
  std::int64_t expected_timeline_ = no_timeline_position;
  bool started_ = false;
  bool discontinuity_ = true;  // the first frame of a stream is one
  std::uint32_t sequence_;
  std::vector<std::uint8_t> primary_;
  std::vector<std::uint8_t> previous_;
  std::size_t previous_size_ = 0;
  std::vector<std::uint8_t> datagram_;
  std::uint64_t redundancy_skipped_ = 0;
};

}  // namespace controlroom::media
