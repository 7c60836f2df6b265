#pragma once

// The media datagram header, version 1: the fixed 32 bytes in front of every
// Opus payload on the media plane (UDP, or the WebSocket fallback). The
// server forwards on it without decoding; receivers order, time and place
// audio on the session timeline with it. docs/media-plane.md is the wire
// description for implementers of other clients.
//
//   off type field
//    0  u8   version (= 1; anything else is dropped)
//    1  u8   flags: bit0 redundancy, bit1 discontinuity, bit2 retransmission
//    2  u16  frame_samples at 48 kHz: 120, 240, 480 or 960
//    4  u32  sender_id (the media id the server assigned over the control plane)
//    8  u8   stream kind: 0 program mix, 1 talkback, 2 cue
//    9  u8   channels: 1 or 2
//   10  u16  reserved, 0
//   12  u32  sequence (per sender + stream, wraps)
//   16  u64  capture_time_us (sender's monotonic clock)
//   24  i64  timeline_position (samples at 48 kHz; INT64_MIN = not on the timeline)
//
// All fields big-endian. Parsing is strict: an unknown version, a set
// reserved bit or byte, or an out-of-range field rejects the datagram, so
// that a future version can give those bits a meaning without old receivers
// misreading them.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>

namespace controlroom::media {

inline constexpr std::uint8_t header_version = 1;
inline constexpr std::size_t header_size = 32;

/// The largest media datagram (header + payload) a receiver accepts. A
/// sender aims lower (see sender_config::max_datagram_bytes) to leave room
/// for IP/UDP headers and the transport's encryption overhead within a
/// 1500-byte MTU.
inline constexpr std::size_t max_datagram_size = 1500;
inline constexpr std::size_t max_payload_size = max_datagram_size - header_size;

/// The media plane runs at one rate; Opus decodes to it natively.
inline constexpr std::uint32_t sample_rate = 48'000;

/// timeline_position of audio that is not on the session timeline (talkback,
/// or the program mix while the transport is stopped).
inline constexpr std::int64_t no_timeline_position = std::numeric_limits<std::int64_t>::min();

/// Flag bits of byte 1.
namespace header_flags {
/// The payload is [u16 primary_len][primary][previous frame] (payload.hpp).
inline constexpr std::uint8_t redundancy = 0x01;
/// First packet after a locate or a (re)start: receivers restart their timing.
inline constexpr std::uint8_t discontinuity = 0x02;
/// A resend for the recording; receivers never play it late.
inline constexpr std::uint8_t retransmission = 0x04;
inline constexpr std::uint8_t known = redundancy | discontinuity | retransmission;
}  // namespace header_flags

enum class stream_kind : std::uint8_t {
  program = 0,   ///< the control-room (program) mix
  talkback = 1,  ///< a participant's voice into the room
  cue = 2,       ///< the artist's headphone mix
};

/// Opus frame durations the media plane allows: 2.5, 5, 10 and 20 ms.
constexpr bool is_valid_frame_samples(std::uint32_t samples) noexcept {
  return samples == 120 || samples == 240 || samples == 480 || samples == 960;
}

/// One header, decoded. Value type; the defaults are a valid header.
struct media_header {
  bool redundancy = false;
  bool discontinuity = false;
  bool retransmission = false;
  std::uint16_t frame_samples = 480;
  std::uint32_t sender_id = 0;
  stream_kind kind = stream_kind::program;
  std::uint8_t channels = 2;
  std::uint32_t sequence = 0;
  /// The sender's monotonic clock at the frame's first captured sample, µs.
  /// Only differences between packets of one stream are meaningful.
  std::uint64_t capture_time_us = 0;
  /// Session timeline position of the first sample the decoder outputs for
  /// this packet (the sender has already subtracted its encoder lookahead),
  /// or no_timeline_position.
  std::int64_t timeline_position = no_timeline_position;

  friend bool operator==(const media_header&, const media_header&) = default;
};

/// Timeline positions other than no_timeline_position must lie strictly
/// within ±2^62 samples (3 million years at 48 kHz): then every sum the
/// receiving side forms with frame and buffer sizes stays far from
/// overflowing, whatever a sender puts in the header.
inline constexpr std::int64_t max_timeline_magnitude = std::int64_t{1} << 62;
bool is_valid_timeline_position(std::int64_t position) noexcept;

/// True when write_header() of `h` would parse back to `h`.
bool is_valid(const media_header& h) noexcept;

/// Decodes the first 32 bytes of `datagram`. Returns nullopt for short
/// input, a version other than 1, reserved flag bits or reserved bytes that
/// are not zero, a frame size, channel count, stream kind or timeline
/// position out of range.
/// Never reads beyond the span; safe on any input.
std::optional<media_header> parse_header(std::span<const std::uint8_t> datagram) noexcept;

/// Encodes `h` into exactly 32 bytes. Precondition: is_valid(h) (an invalid
/// header is written as given and will be rejected by receivers).
void write_header(const media_header& h, std::span<std::uint8_t, header_size> out) noexcept;

/// A whole datagram: header and the payload that follows it.
struct parsed_datagram {
  media_header header;
  std::span<const std::uint8_t> payload;
};

/// parse_header() plus the datagram-level bounds: at most max_datagram_size
/// bytes and a non-empty payload (an Opus packet is at least one byte).
std::optional<parsed_datagram> parse_datagram(std::span<const std::uint8_t> datagram) noexcept;

}  // namespace controlroom::media
