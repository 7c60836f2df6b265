#include "controlroom/media/opus_encoder.hpp"

#include <opus/opus.h>

#include "controlroom/media/header.hpp"
#include "opus_errors.hpp"

namespace controlroom::media {

encoder_settings encoder_settings::talkback() noexcept {
  encoder_settings s;
  s.channels = 1;
  s.frame = frame_duration::ms10;
  s.bitrate = 48'000;
  // SILK/hybrid for speech, where in-band FEC exists; the 4 ms extra
  // lookahead matters less than intelligibility under loss for a voice.
  s.application = opus_application::voip;
  s.signal = signal_type::voice;
  s.inband_fec = true;
  s.expected_loss_percent = 10;
  return s;
}

std::error_code validate(const encoder_settings& s) noexcept {
  const bool ok = (s.channels == 1 || s.channels == 2) && s.bitrate >= 6'000 &&
                  s.bitrate <= 510'000 && s.complexity >= 0 && s.complexity <= 10 &&
                  s.expected_loss_percent >= 0 && s.expected_loss_percent <= 100 &&
                  (s.frame == frame_duration::ms2_5 || s.frame == frame_duration::ms5 ||
                   s.frame == frame_duration::ms10 || s.frame == frame_duration::ms20);
  return ok ? std::error_code{} : make_error_code(errc::bad_settings);
}

void opus_encoder::destroy::operator()(OpusEncoder* e) const noexcept {
  opus_encoder_destroy(e);
}

opus_encoder::~opus_encoder() = default;

namespace {

int application_of(opus_application a) noexcept {
  switch (a) {
    case opus_application::restricted_lowdelay:
      return OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    case opus_application::audio:
      return OPUS_APPLICATION_AUDIO;
    case opus_application::voip:
      return OPUS_APPLICATION_VOIP;
  }
  return OPUS_APPLICATION_AUDIO;
}

int signal_of(signal_type s) noexcept {
  switch (s) {
    case signal_type::automatic:
      return OPUS_AUTO;
    case signal_type::music:
      return OPUS_SIGNAL_MUSIC;
    case signal_type::voice:
      return OPUS_SIGNAL_VOICE;
  }
  return OPUS_AUTO;
}

}  // namespace

result<opus_encoder> opus_encoder::create(const encoder_settings& s) noexcept {
  if (auto ec = validate(s))
    return ec;
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, destroy> enc(opus_encoder_create(
      static_cast<opus_int32>(sample_rate), s.channels, application_of(s.application), &err));
  if (err != OPUS_OK || !enc)
    return detail::from_opus(err);

  OpusEncoder* e = enc.get();
  // Every CTL is checked: a silently ignored setting is a bitstream nobody chose.
  const int results[] = {
      opus_encoder_ctl(e, OPUS_SET_BITRATE(s.bitrate)),
      opus_encoder_ctl(e, OPUS_SET_VBR(s.vbr ? 1 : 0)),
      opus_encoder_ctl(e, OPUS_SET_VBR_CONSTRAINT(s.constrained_vbr ? 1 : 0)),
      opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(s.complexity)),
      opus_encoder_ctl(e, OPUS_SET_SIGNAL(signal_of(s.signal))),
      opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(s.expected_loss_percent)),
      opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(s.inband_fec ? 1 : 0)),
      opus_encoder_ctl(e, OPUS_SET_FORCE_CHANNELS(s.force_channels ? s.channels : OPUS_AUTO)),
      // Full band always: the producer judges the top octave too.
      opus_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_FULLBAND)),
      // Float input from a studio chain carries 24 bits of depth.
      opus_encoder_ctl(e, OPUS_SET_LSB_DEPTH(24)),
      // DTX would stop packets in quiet passages; receivers would count that as loss.
      opus_encoder_ctl(e, OPUS_SET_DTX(0)),
      opus_encoder_ctl(e, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_ARG)),
  };
  for (int r : results) {
    if (r != OPUS_OK)
      return detail::from_opus(r);
  }
  opus_int32 lookahead = 0;
  if (int r = opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&lookahead)); r != OPUS_OK) {
    return detail::from_opus(r);
  }
  return opus_encoder(std::move(enc), s, static_cast<std::uint32_t>(lookahead));
}

result<std::size_t> opus_encoder::encode(std::span<const float> pcm,
                                         std::span<std::uint8_t> out) noexcept {
  const std::uint32_t frame = samples_of(settings_.frame);
  if (pcm.size() !=
      static_cast<std::size_t>(frame) * static_cast<std::size_t>(settings_.channels)) {
    return errc::bad_frame_size;
  }
  const auto capacity =
      static_cast<opus_int32>(out.size() < max_packet_size ? out.size() : max_packet_size);
  const opus_int32 n =
      opus_encode_float(enc_.get(), pcm.data(), static_cast<int>(frame), out.data(), capacity);
  if (n < 0)
    return detail::from_opus(n);
  return static_cast<std::size_t>(n);
}

}  // namespace controlroom::media
