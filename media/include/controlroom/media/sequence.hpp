#pragma once

// Sequence numbers are 32-bit and wrap. Comparisons use serial-number
// arithmetic (RFC 1982): the signed distance of the wrapped difference, so
// 0x00000001 is two after 0xFFFFFFFF. Valid while the two numbers are less
// than 2^31 apart, which at 400 packets/s is over 60 days of stream.

#include <cstdint>

namespace controlroom::media {

/// `to - from`, as a signed distance: positive when `to` is later.
constexpr std::int32_t sequence_distance(std::uint32_t from, std::uint32_t to) noexcept {
  return static_cast<std::int32_t>(to - from);
}

constexpr bool sequence_before(std::uint32_t a, std::uint32_t b) noexcept {
  return sequence_distance(a, b) > 0;
}

}  // namespace controlroom::media
