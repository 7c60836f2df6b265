#include "controlroom/media/header.hpp"

#include "big_endian.hpp"

namespace controlroom::media {

using detail::load_be;
using detail::store_be;

namespace {

bool valid_kind(std::uint8_t kind) noexcept {
  return kind <= static_cast<std::uint8_t>(stream_kind::cue);
}

}  // namespace

bool is_valid_timeline_position(std::int64_t position) noexcept {
  return position == no_timeline_position ||
         (position > -max_timeline_magnitude && position < max_timeline_magnitude);
}

bool is_valid(const media_header& h) noexcept {
  return is_valid_frame_samples(h.frame_samples) && (h.channels == 1 || h.channels == 2) &&
         valid_kind(static_cast<std::uint8_t>(h.kind)) &&
         is_valid_timeline_position(h.timeline_position);
}

std::optional<media_header> parse_header(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() < header_size)
    return std::nullopt;
  const std::uint8_t* p = datagram.data();
  if (p[0] != header_version)
    return std::nullopt;
  const std::uint8_t flags = p[1];
  if ((flags & ~header_flags::known) != 0)
    return std::nullopt;
  // Reserved bytes must be zero so a later version can use them.
  if (load_be<std::uint16_t>(p + 10) != 0)
    return std::nullopt;

  media_header h;
  h.redundancy = (flags & header_flags::redundancy) != 0;
  h.discontinuity = (flags & header_flags::discontinuity) != 0;
  h.retransmission = (flags & header_flags::retransmission) != 0;
  h.frame_samples = load_be<std::uint16_t>(p + 2);
  h.sender_id = load_be<std::uint32_t>(p + 4);
  h.kind = static_cast<stream_kind>(p[8]);
  h.channels = p[9];
  h.sequence = load_be<std::uint32_t>(p + 12);
  h.capture_time_us = load_be<std::uint64_t>(p + 16);
  h.timeline_position = static_cast<std::int64_t>(load_be<std::uint64_t>(p + 24));
  if (!valid_kind(p[8]) || !is_valid(h))
    return std::nullopt;
  return h;
}

void write_header(const media_header& h, std::span<std::uint8_t, header_size> out) noexcept {
  std::uint8_t* p = out.data();
  p[0] = header_version;
  p[1] = static_cast<std::uint8_t>((h.redundancy ? header_flags::redundancy : 0) |
                                   (h.discontinuity ? header_flags::discontinuity : 0) |
                                   (h.retransmission ? header_flags::retransmission : 0));
  store_be<std::uint16_t>(p + 2, h.frame_samples);
  store_be<std::uint32_t>(p + 4, h.sender_id);
  p[8] = static_cast<std::uint8_t>(h.kind);
  p[9] = h.channels;
  store_be<std::uint16_t>(p + 10, 0);
  store_be<std::uint32_t>(p + 12, h.sequence);
  store_be<std::uint64_t>(p + 16, h.capture_time_us);
  store_be<std::uint64_t>(p + 24, static_cast<std::uint64_t>(h.timeline_position));
}

std::optional<parsed_datagram> parse_datagram(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() > max_datagram_size || datagram.size() <= header_size)
    return std::nullopt;
  auto header = parse_header(datagram);
  if (!header)
    return std::nullopt;
  return parsed_datagram{*header, datagram.subspan(header_size)};
}

}  // namespace controlroom::media
