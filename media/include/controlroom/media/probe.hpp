#pragma once

// UDP probes: the datagrams that prove a participant's UDP address to the
// server and measure the path, apart from audio. A client sends a probe to
// the media port MediaOpened named; the server answers each valid one with a
// probe reply to the address it came from and, from then on, may deliver
// that participant's media there. Clients repeat probes every few seconds as
// keep-alives (NAT bindings expire) and to follow an address change.
//
// The first byte tells datagrams apart on the media port: 1 is a media
// datagram (header.hpp), 0x80 a probe, 0x81 a probe reply.
//
//   probe (client -> server), 32 bytes
//    0  u8   type 0x80
//    1  u8[3] reserved, 0
//    4  u32  sender_id (MediaOpened.sender_id)
//    8  u8[16] media_token (MediaOpened.media_token)
//   24  u64  client_time_us (the client's clock; echoed)
//
//   probe reply (server -> client), 24 bytes
//    0  u8   type 0x81
//    1  u8[3] reserved, 0
//    4  u32  sender_id (the probe's)
//    8  u64  client_time_us (the probe's, echoed)
//   16  u64  server_time_us (the server's monotonic clock when it answered)
//
// All integers big-endian; parsing is strict about sizes and reserved bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace controlroom::media {

inline constexpr std::uint8_t probe_type = 0x80;
inline constexpr std::uint8_t probe_reply_type = 0x81;
inline constexpr std::size_t probe_size = 32;
inline constexpr std::size_t probe_reply_size = 24;
inline constexpr std::size_t media_token_size = 16;

using media_token = std::array<std::uint8_t, media_token_size>;

struct probe {
  std::uint32_t sender_id = 0;
  media_token token{};
  std::uint64_t client_time_us = 0;

  friend bool operator==(const probe&, const probe&) = default;
};

struct probe_reply {
  std::uint32_t sender_id = 0;
  std::uint64_t client_time_us = 0;
  std::uint64_t server_time_us = 0;

  friend bool operator==(const probe_reply&, const probe_reply&) = default;
};

void write_probe(const probe& p, std::span<std::uint8_t, probe_size> out) noexcept;
void write_probe_reply(const probe_reply& r,
                       std::span<std::uint8_t, probe_reply_size> out) noexcept;

/// nullopt unless `datagram` is exactly one well-formed probe.
std::optional<probe> parse_probe(std::span<const std::uint8_t> datagram) noexcept;
/// nullopt unless `datagram` is exactly one well-formed probe reply.
std::optional<probe_reply> parse_probe_reply(std::span<const std::uint8_t> datagram) noexcept;

/// Compares tokens in time independent of where they differ.
bool tokens_equal(const media_token& a, const media_token& b) noexcept;

}  // namespace controlroom::media
