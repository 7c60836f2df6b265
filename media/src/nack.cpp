#include "controlroom/media/nack.hpp"

#include "big_endian.hpp"

namespace controlroom::media {

using detail::load_be;
using detail::store_be;

std::vector<std::uint8_t> write_nack(const nack& n) {
  std::vector<std::uint8_t> out(8 + 4 * n.sequences.size());
  out[0] = nack_type;
  out[1] = static_cast<std::uint8_t>(n.kind);
  store_be<std::uint16_t>(out.data() + 2, static_cast<std::uint16_t>(n.sequences.size()));
  store_be<std::uint32_t>(out.data() + 4, n.sender_id);
  for (std::size_t i = 0; i < n.sequences.size(); ++i) {
    store_be<std::uint32_t>(out.data() + 8 + 4 * i, n.sequences[i]);
  }
  return out;
}

std::optional<nack> parse_nack(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < 12 || datagram[0] != nack_type ||
      datagram[1] > static_cast<std::uint8_t>(stream_kind::cue)) {
    return std::nullopt;
  }
  const auto count = load_be<std::uint16_t>(datagram.data() + 2);
  if (count == 0 || count > max_nack_sequences || datagram.size() != 8 + 4 * std::size_t{count}) {
    return std::nullopt;
  }
  nack n;
  n.kind = static_cast<stream_kind>(datagram[1]);
  n.sender_id = load_be<std::uint32_t>(datagram.data() + 4);
  n.sequences.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    n.sequences.push_back(load_be<std::uint32_t>(datagram.data() + 8 + 4 * i));
  }
  return n;
}

}  // namespace controlroom::media
