#include "media_convert.hpp"

#include <charconv>

#include "controlroom/media/header.hpp"

namespace controlroom::detail {
namespace {

status bad(const std::string& what) {
  return {errc::malformed, what};
}

}  // namespace

result<media::encoder_settings> to_encoder_settings(const encoder_options& o) {
  if (o.channels != 1 && o.channels != 2)
    return {errc::malformed, "encoder_options.channels must be 1 or 2"};
  if (!media::is_valid_frame_samples(o.frame_samples))
    return {errc::malformed, "encoder_options.frame_samples must be 120, 240, 480 or 960"};
  if (o.bitrate < 6'000 || o.bitrate > 510'000)
    return {errc::malformed, "encoder_options.bitrate must be 6000 .. 510000"};
  if (o.complexity < 0 || o.complexity > 10)
    return {errc::malformed, "encoder_options.complexity must be 0 .. 10"};
  if (o.expected_loss_percent < 0 || o.expected_loss_percent > 100)
    return {errc::malformed, "encoder_options.expected_loss_percent must be 0 .. 100"};
  if (o.resend_history.count() < 0 || o.resend_history.count() > 10'000)
    return {errc::malformed, "encoder_options.resend_history must be 0 .. 10 s"};
  media::encoder_settings s;
  s.channels = o.channels;
  s.frame = static_cast<media::frame_duration>(o.frame_samples);
  s.bitrate = o.bitrate;
  if (o.what == encoder_options::content::music) {
    s.application = media::opus_application::restricted_lowdelay;
    s.signal = media::signal_type::music;
  } else {
    s.application = media::opus_application::voip;
    s.signal = media::signal_type::voice;
  }
  s.complexity = o.complexity;
  s.vbr = o.vbr;
  s.constrained_vbr = o.constrained_vbr;
  s.expected_loss_percent = o.expected_loss_percent;
  s.inband_fec = o.inband_fec;
  s.force_channels = true;
  if (auto ec = media::validate(s))
    return {errc::malformed, "encoder_options: " + ec.message()};
  return s;
}

status validate(const media_options& o) {
  if (o.output_channels != 1 && o.output_channels != 2)
    return bad("media_options.output_channels must be 1 or 2");
  if (o.probe_count < 1 || o.probe_count > 100)
    return bad("media_options.probe_count must be 1 .. 100");
  if (o.probe_interval.count() < 1 || o.keepalive_interval.count() < 100)
    return bad("media_options: probe_interval >= 1 ms and keepalive_interval >= 100 ms");
  if (o.initial_delay.count() < 0 || o.max_delay < o.initial_delay || o.max_delay.count() > 2000)
    return bad("media_options: 0 <= initial_delay <= max_delay <= 2000 ms");
  if (!o.udp_endpoint.empty() && !parse_host_port(o.udp_endpoint))
    return bad("media_options.udp_endpoint must be host:port");
  return {};
}

media::receiver_config to_receiver_config(const media_options& o) {
  media::receiver_config c;
  c.channels = o.output_channels;
  c.jitter.initial_delay_us = static_cast<std::uint64_t>(o.initial_delay.count()) * 1000;
  c.jitter.max_delay_us = static_cast<std::uint64_t>(o.max_delay.count()) * 1000;
  return c;
}

std::optional<host_port> parse_host_port(std::string_view text) {
  host_port out;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (out.host.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
      value > 65535)
    return std::nullopt;
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

v1::StreamKind to_proto(stream_kind kind) {
  return static_cast<v1::StreamKind>(static_cast<int>(kind));
}

std::optional<stream_kind> kind_from_proto(int kind) {
  switch (kind) {
    case v1::STREAM_KIND_PROGRAM:
      return stream_kind::program;
    case v1::STREAM_KIND_TALKBACK:
      return stream_kind::talkback;
    case v1::STREAM_KIND_CUE:
      return stream_kind::cue;
    default:
      return std::nullopt;
  }
}

std::optional<audio_stream_info> from_proto(const v1::StreamInfo& in) {
  const auto kind = kind_from_proto(in.kind());
  if (!kind || (in.channels() != 1 && in.channels() != 2) ||
      !media::is_valid_frame_samples(in.frame_samples()))
    return std::nullopt;
  audio_stream_info out;
  out.participant_id = in.participant_id();
  out.user_id = in.user_id();
  out.sender_id = in.sender_id();
  out.kind = *kind;
  out.channels = static_cast<int>(in.channels());
  out.frame_samples = in.frame_samples();
  return out;
}

}  // namespace controlroom::detail
