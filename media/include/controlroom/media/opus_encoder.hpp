#pragma once

// RAII over a libopus encoder with every setting explicit. <opus/opus.h> stays
// out of this header (the SDK's public headers must not leak it); only the
// opaque libopus type is named.
//
// Threading: one encoder per stream, used from one thread at a time (the
// capture thread). encode() does not allocate or block.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "controlroom/media/result.hpp"

struct OpusEncoder;

namespace controlroom::media {

/// Opus frame durations the media plane uses, as samples per channel at 48 kHz.
enum class frame_duration : std::uint16_t {
  ms2_5 = 120,
  ms5 = 240,
  ms10 = 480,
  ms20 = 960,
};

constexpr std::uint32_t samples_of(frame_duration d) noexcept {
  return static_cast<std::uint32_t>(d);
}

/// libopus's coding application. It fixes the encoder's algorithmic delay,
/// so it is chosen per stream and never switched.
enum class opus_application {
  /// CELT only, 2.5 ms lookahead. The choice for music: at music bitrates
  /// `audio` would pick CELT anyway, and this saves 4 ms of delay.
  restricted_lowdelay,
  /// SILK/hybrid/CELT chosen by the encoder, 6.5 ms lookahead.
  audio,
  /// Like `audio`, tuned for speech intelligibility.
  voip,
};

enum class signal_type { automatic, music, voice };

/// Everything that shapes the bitstream, stated rather than inherited from
/// libopus defaults.
struct encoder_settings {
  int channels = 2;                             ///< 1 or 2
  frame_duration frame = frame_duration::ms10;  ///< see frame_duration
  int bitrate = 256'000;                        ///< bit/s, 6'000 .. 510'000
  opus_application application = opus_application::restricted_lowdelay;
  signal_type signal = signal_type::music;
  int complexity = 10;  ///< 0 .. 10; CELT at 10 is a few % of one core for stereo 48 kHz
  /// Constrained VBR by default. Hard CBR would be the first choice: packet
  /// sizes would then say nothing about the (unreleased) music through the
  /// encryption (RFC 6562). But libopus before 1.4 mishandles stereo in hard
  /// CBR with frames of 10 ms or less (spectral holes, a low-passed side
  /// channel: xiph/opus#251; measured here: 5 ms stereo stuck at ~13 dB SNR
  /// at any bitrate, against ~30 dB in CVBR), and Debian 12 ships 1.3.1.
  /// Constrained VBR keeps the bitrate within a frame's worth of the target,
  /// so size leakage is small and the datagram budget stays predictable.
  /// With libopus >= 1.4, set vbr = false for confidentiality-first streams.
  bool vbr = true;
  bool constrained_vbr = true;  ///< with vbr: bounded bitrate excursions
  /// Expected loss, 0 .. 100. CELT then leans less on inter-frame energy
  /// prediction, so recovery after a concealed frame is faster.
  int expected_loss_percent = 0;
  /// SILK's in-band FEC (LBRR). Meaningful only in SILK/hybrid modes, i.e.
  /// voice at low bitrates; CELT has none.
  bool inband_fec = false;
  /// Keep stereo stereo: without it libopus may down-mix at low bitrates.
  bool force_channels = true;

  /// Studio-quality program mix: stereo, 10 ms, 256 kbit/s CVBR, CELT-only.
  static encoder_settings music() noexcept { return {}; }
  /// Talkback: mono voice, 10 ms, 48 kbit/s CVBR, SILK/hybrid with in-band FEC.
  static encoder_settings talkback() noexcept;
};

/// Checks every field against its documented range.
std::error_code validate(const encoder_settings& s) noexcept;

class opus_encoder {
 public:
  /// Largest Opus packet for one frame (RFC 6716, 3.4).
  static constexpr std::size_t max_packet_size = 1275;

  static result<opus_encoder> create(const encoder_settings& settings) noexcept;

  opus_encoder(opus_encoder&&) noexcept = default;
  opus_encoder& operator=(opus_encoder&&) noexcept = default;
  ~opus_encoder();

  /// Encodes one frame of interleaved float PCM (exactly frame samples x
  /// channels values, nominal range [-1, 1]) into `out`. Returns the packet
  /// size. At most out.size() bytes are produced: libopus lowers the
  /// bitrate of this frame to fit, which is how a sender keeps a datagram
  /// within its budget.
  result<std::size_t> encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept;

  /// Encoder delay in samples at 48 kHz: decoded sample i of a frame
  /// corresponds to input sample i - lookahead().
  std::uint32_t lookahead() const noexcept { return lookahead_; }
  const encoder_settings& settings() const noexcept { return settings_; }

 private:
  struct destroy {
    void operator()(OpusEncoder* e) const noexcept;
  };
  opus_encoder(std::unique_ptr<OpusEncoder, destroy> enc, const encoder_settings& s,
               std::uint32_t lookahead) noexcept
      : enc_(std::move(enc)), settings_(s), lookahead_(lookahead) {}

  std::unique_ptr<OpusEncoder, destroy> enc_;
  encoder_settings settings_;
  std::uint32_t lookahead_ = 0;
};

}  // namespace controlroom::media
