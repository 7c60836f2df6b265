#pragma once

// Payload framing. Opus at music bitrates runs CELT-only, which has no
// in-band FEC, so a sender may repeat the previous frame's Opus packet in the
// same datagram (header flag `redundancy`):
//
//   [u16 primary_len, big-endian][primary: primary_len bytes][redundant: the rest]
//
// `redundant` is the exact Opus packet of sequence - 1: a receiver that lost
// that datagram decodes the copy and gets bit-identical audio. Without the
// flag the whole payload is the primary Opus packet.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "controlroom/media/header.hpp"

namespace controlroom::media {

/// Bytes the redundancy framing adds (the u16 length).
inline constexpr std::size_t redundancy_overhead = 2;

/// The Opus packets carried by one datagram. Views into the datagram.
struct frame_payloads {
  std::span<const std::uint8_t> primary;
  /// The previous frame's packet; empty when the datagram carries none.
  std::span<const std::uint8_t> redundant;
};

/// Writes the redundancy framing into `out`. Returns the bytes written, or
/// nullopt when either packet is empty, primary is longer than 65535 bytes,
/// or the framing does not fit `out`.
std::optional<std::size_t> pack_redundant_payload(std::span<const std::uint8_t> primary,
                                                  std::span<const std::uint8_t> redundant,
                                                  std::span<std::uint8_t> out) noexcept;

/// Splits a redundancy-framed payload. Strict: nullopt unless the length
/// field is present, primary_len >= 1 and at least one redundant byte
/// follows the primary (a sender with nothing to repeat clears the flag).
std::optional<frame_payloads> unpack_redundant_payload(
    std::span<const std::uint8_t> payload) noexcept;

/// The packets of a datagram according to its header: unpack_redundant_payload()
/// when the redundancy flag is set, otherwise the whole (non-empty) payload
/// as primary.
std::optional<frame_payloads> split_payload(const media_header& header,
                                            std::span<const std::uint8_t> payload) noexcept;

}  // namespace controlroom::media
