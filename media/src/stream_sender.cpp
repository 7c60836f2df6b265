#include "controlroom/media/stream_sender.hpp"

#include <algorithm>

#include "controlroom/media/payload.hpp"

namespace controlroom::media {

result<stream_sender> stream_sender::create(const sender_config& config, datagram_sink sink) {
  if (!sink || config.max_datagram_bytes > max_datagram_size ||
      config.max_datagram_bytes < header_size + 16) {
    return errc::bad_settings;
  }
  auto encoder = opus_encoder::create(config.codec);
  if (!encoder)
    return encoder.error();
  return stream_sender(config, std::move(sink), std::move(*encoder));
}

stream_sender::stream_sender(const sender_config& config, datagram_sink sink, opus_encoder encoder)
    : config_(config),
      sink_(std::move(sink)),
      encoder_(std::move(encoder)),
      frame_samples_(samples_of(config.codec.frame)),
      frame_(std::size_t{frame_samples_} * static_cast<std::size_t>(config.codec.channels)),
      sequence_(config.initial_sequence),
      primary_(opus_encoder::max_packet_size),
      previous_(opus_encoder::max_packet_size),
      datagram_(max_datagram_size) {}

std::error_code stream_sender::push(std::span<const float> pcm, std::uint64_t capture_time_us,
                                    std::int64_t timeline_position) noexcept {
  const auto channels = static_cast<std::size_t>(config_.codec.channels);
  if (pcm.size() % channels != 0)
    return make_error_code(errc::bad_frame_size);
  // Receivers drop headers outside the timeline range; refuse them here.
  if (!is_valid_timeline_position(timeline_position) ||
      (timeline_position != no_timeline_position &&
       timeline_position + static_cast<std::int64_t>(pcm.size()) >= max_timeline_magnitude))
    return make_error_code(errc::bad_settings);

  // A jump of the timeline (or going on/off it) ends the partial frame.
  const bool jumped =
      started_ && timeline_position != expected_timeline_ &&
      !(timeline_position == no_timeline_position && expected_timeline_ == no_timeline_position);
  if (jumped) {
    filled_ = 0;
    discontinuity_ = true;
  }
  started_ = true;

  const std::size_t total = pcm.size() / channels;
  std::size_t done = 0;
  while (done < total) {
    if (filled_ == 0) {
      // Whole microseconds are plenty for jitter; the remainder is dropped.
      frame_capture_us_ = capture_time_us + done * 1'000'000 / sample_rate;
      frame_timeline_ = timeline_position == no_timeline_position
                            ? no_timeline_position
                            : timeline_position + static_cast<std::int64_t>(done);
    }
    const std::size_t n = std::min<std::size_t>(total - done, frame_samples_ - filled_);
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(done * channels), n * channels,
                frame_.begin() + static_cast<std::ptrdiff_t>(filled_ * channels));
    filled_ += n;
    done += n;
    if (filled_ == frame_samples_) {
      filled_ = 0;
      if (auto ec = emit_frame())
        return ec;
    }
  }
  expected_timeline_ = timeline_position == no_timeline_position
                           ? no_timeline_position
                           : timeline_position + static_cast<std::int64_t>(total);
  return {};
}

std::error_code stream_sender::emit_frame() noexcept {
  // Capping the encoder makes the primary alone always fit the budget.
  const std::size_t primary_budget =
      std::min(opus_encoder::max_packet_size, config_.max_datagram_bytes - header_size);
  auto size = encoder_.encode(frame_, std::span(primary_).first(primary_budget));
  if (!size)
    return size.error();
  const std::span<const std::uint8_t> primary(primary_.data(), *size);

  media_header h;
  h.discontinuity = discontinuity_;
  h.frame_samples = static_cast<std::uint16_t>(frame_samples_);
  h.sender_id = config_.sender_id;
  h.kind = config_.kind;
  h.channels = static_cast<std::uint8_t>(config_.codec.channels);
  h.sequence = sequence_;
  h.capture_time_us = frame_capture_us_;
  h.timeline_position = frame_timeline_ == no_timeline_position
                            ? no_timeline_position
                            : frame_timeline_ - static_cast<std::int64_t>(encoder_.lookahead());

  const auto payload_out =
      std::span(datagram_).subspan(header_size, config_.max_datagram_bytes - header_size);
  std::size_t payload_size = 0;
  // No copy across a discontinuity: it would belong to the old timeline.
  if (config_.redundancy && previous_size_ > 0 && !discontinuity_) {
    const auto packed = pack_redundant_payload(
        primary, std::span<const std::uint8_t>(previous_.data(), previous_size_), payload_out);
    if (packed) {
      h.redundancy = true;
      payload_size = *packed;
    } else {
      ++redundancy_skipped_;
    }
  }
  if (!h.redundancy) {
    std::copy(primary.begin(), primary.end(), payload_out.begin());
    payload_size = primary.size();
  }
  write_header(h, std::span(datagram_).first<header_size>());
  sink_(std::span<const std::uint8_t>(datagram_.data(), header_size + payload_size));

  std::copy(primary.begin(), primary.end(), previous_.begin());
  previous_size_ = primary.size();
  discontinuity_ = false;
  ++sequence_;
  return {};
}

}  // namespace controlroom::media
