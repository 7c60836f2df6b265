#pragma once

// The header of one unfragmented, unmasked binary WebSocket frame (RFC 6455
// §5.2), as a server writes it: what ws_session puts before a MediaFrame it
// writes to the TLS stream itself instead of through Beast. Pure.

#include <array>
#include <cstddef>
#include <cstdint>

namespace controlroom::server {

struct ws_frame_header {
  std::array<std::uint8_t, 10> bytes{};
  std::size_t size = 0;
};

/// FIN, opcode 2 (binary), no mask; the payload length in the shortest of
/// the three encodings.
constexpr ws_frame_header binary_frame_header(std::uint64_t payload_bytes) {
  ws_frame_header h;
  h.bytes[0] = 0x82;
  if (payload_bytes < 126) {
    h.bytes[1] = static_cast<std::uint8_t>(payload_bytes);
    h.size = 2;
  } else if (payload_bytes <= 0xffff) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<std::uint8_t>(payload_bytes >> 8);
    h.bytes[3] = static_cast<std::uint8_t>(payload_bytes);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      h.bytes[2 + i] = static_cast<std::uint8_t>(payload_bytes >> (56 - 8 * i));
    }
    h.size = 10;
  }
  return h;
}

}  // namespace controlroom::server
