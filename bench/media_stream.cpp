#include "media_stream.hpp"

#include <algorithm>

namespace controlroom::bench {

std::vector<std::uint8_t> make_payload(const stream_shape& shape) {
  // Arbitrary non-zero bytes: nothing on the path may treat the payload as
  // compressible or special.
  std::vector<std::uint8_t> packet(shape.opus_bytes);
  for (std::size_t i = 0; i < packet.size(); ++i) {
    packet[i] = static_cast<std::uint8_t>(0x5a ^ (i * 31));
  }
  if (!shape.redundancy) {
    return packet;
  }
  std::vector<std::uint8_t> out(media::redundancy_overhead + 2 * shape.opus_bytes);
  const auto written = media::pack_redundant_payload(packet, packet, out);
  out.resize(written.value_or(0));
  return out;
}

void write_stream_header(const stream_shape& shape, std::uint32_t sender_id, std::uint32_t sequence,
                         std::uint64_t capture_time_us,
                         std::span<std::uint8_t, media::header_size> out) noexcept {
  media::media_header h;
  h.redundancy = shape.redundancy;
  h.frame_samples = shape.frame_samples;
  h.sender_id = sender_id;
  h.kind = media::stream_kind::program;
  h.channels = shape.channels;
  h.sequence = sequence;
  h.capture_time_us = capture_time_us;
  // The transport is rolling: each frame follows the last on the timeline.
  h.timeline_position = static_cast<std::int64_t>(sequence) * shape.frame_samples;
  media::write_header(h, out);
}

}  // namespace controlroom::bench
