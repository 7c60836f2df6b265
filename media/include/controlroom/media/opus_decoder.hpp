#pragma once

// RAII over a libopus decoder: Opus packet -> interleaved float PCM at
// 48 kHz, plus packet-loss concealment. The decoder's channel count is the
// output's: a mono stream decodes into both channels of a stereo output and
// a stereo stream is down-mixed into a mono one, by libopus.
//
// Threading: one decoder per stream, used from one thread at a time (the
// audio callback). No call allocates or blocks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "controlroom/media/result.hpp"

struct OpusDecoder;

namespace controlroom::media {

class opus_decoder {
 public:
  /// Samples per channel of the longest packet the media plane carries (20 ms).
  static constexpr std::uint32_t max_frame_samples = 960;

  /// `channels` of the output: 1 or 2.
  static result<opus_decoder> create(int channels) noexcept;

  opus_decoder(opus_decoder&&) noexcept = default;
  opus_decoder& operator=(opus_decoder&&) noexcept = default;
  ~opus_decoder();

  int channels() const noexcept { return channels_; }

  /// Decodes one packet into `out` (interleaved). Returns samples per
  /// channel. `out` must hold the packet's duration x channels.
  result<std::size_t> decode(std::span<const std::uint8_t> packet, std::span<float> out) noexcept;

  /// Packet-loss concealment: synthesises `samples` per channel (a multiple
  /// of 120, i.e. 2.5 ms) continuing the signal, and keeps the decoder's
  /// state in step so that the next real packet joins smoothly.
  result<std::size_t> conceal(std::uint32_t samples, std::span<float> out) noexcept;

  /// Conceals a lost frame of `samples` per channel with the help of the
  /// packet that follows it: SILK packets carry a low-bitrate copy of the
  /// previous frame (in-band FEC); for CELT packets this is plain conceal().
  /// `next` itself is decoded afterwards with decode().
  result<std::size_t> decode_fec(std::span<const std::uint8_t> next, std::uint32_t samples,
                                 std::span<float> out) noexcept;

  /// Forgets all history, as after creation.
  void reset() noexcept;

 private:
  struct destroy {
    void operator()(OpusDecoder* d) const noexcept;
  };
  opus_decoder(std::unique_ptr<OpusDecoder, destroy> dec, int channels) noexcept
      : dec_(std::move(dec)), channels_(channels) {}

  std::unique_ptr<OpusDecoder, destroy> dec_;
  int channels_ = 0;
};

}  // namespace controlroom::media
