#pragma once

// NACK: the server asks a sender to resend packets it is missing for a
// recording (docs/media-plane.md, "Healing"). Sent to the sender's probed
// UDP address, or inside a MediaFrame when the sender is on the WebSocket.
// The sender answers by sending the listed packets again, unchanged except
// for the `retransmission` header flag, if they are still in its history.
//
//   nack (server -> sender), 8 + 4n bytes, 1 <= n <= 64
//    0  u8   type 0x82
//    1  u8   stream kind
//    2  u16  n, the number of sequence numbers
//    4  u32  sender_id
//    8  u32 x n  missing sequence numbers
//
// All integers big-endian.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"

namespace controlroom::media {

inline constexpr std::uint8_t nack_type = 0x82;
inline constexpr std::size_t max_nack_sequences = 64;

struct nack {
  std::uint32_t sender_id = 0;
  stream_kind kind = stream_kind::program;
  std::vector<std::uint32_t> sequences;  ///< 1 .. max_nack_sequences

  friend bool operator==(const nack&, const nack&) = default;
};

/// Encodes `n` (precondition: 1..64 sequences).
std::vector<std::uint8_t> write_nack(const nack& n);
/// nullopt unless `datagram` is exactly one well-formed NACK.
std::optional<nack> parse_nack(std::span<const std::uint8_t> datagram);

}  // namespace controlroom::media
