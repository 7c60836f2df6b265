#pragma once

// Media encryption on UDP: every datagram on the UDP media plane (media
// datagrams, probes, probe replies, NACKs) travels sealed with AES-256-GCM
// under the key of the participant at the client end of the path. The
// server opens what a sender sends with the sender's key and seals what it
// forwards with each receiver's key: nobody without a key hears anything,
// and a participant's key is worth nothing for another participant's
// traffic. Keys are 32 random bytes the server hands out in MediaOpened over
// the (TLS) control plane, new for every OpenMedia. The WebSocket fallback
// carries inner datagrams as they are: TLS protects that path.
//
//   sealed datagram, 32 + n bytes (n = the inner datagram's size, 1..1500)
//    0  u8   type 0x90
//    1  u8   direction: 0 client -> server, 1 server -> client
//    2  u16  reserved, 0
//    4  u32  sender_id: whose key (the participant's MediaOpened.sender_id)
//    8  u64  counter: per key and direction, from 1, never repeated
//   16  u8[n] the inner datagram, encrypted
//  16+n u8[16] the GCM tag
//
// The nonce is bytes 0..3 with the direction and reserved bytes followed by
// the counter: 12 bytes [0x90, direction, 0, 0, counter (8, big-endian)].
// The 16 clear bytes are the additional authenticated data. A key's two
// directions never share a nonce, and each side keeps its own counter, so a
// (key, nonce) pair is never used twice. The receiving side looks the key up
// by sender_id (no trial decryption), refuses counters it has already
// accepted or that fell behind its replay window, then authenticates.
//
// All integers big-endian; parsing is strict about the type, the direction,
// the reserved bytes and the size.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "controlroom/media/header.hpp"

namespace controlroom::media {

inline constexpr std::uint8_t sealed_type = 0x90;
inline constexpr std::size_t sealed_prefix_size = 16;
inline constexpr std::size_t sealed_tag_size = 16;
inline constexpr std::size_t sealed_overhead = sealed_prefix_size + sealed_tag_size;
/// The largest sealed datagram: a largest inner datagram, sealed.
inline constexpr std::size_t max_sealed_size = max_datagram_size + sealed_overhead;
inline constexpr std::size_t media_key_size = 32;

using media_key = std::array<std::uint8_t, media_key_size>;

enum class seal_direction : std::uint8_t {
  to_server = 0,
  to_client = 1,
};

/// The clear part of a sealed datagram.
struct sealed_prefix {
  seal_direction direction = seal_direction::to_server;
  std::uint32_t sender_id = 0;
  std::uint64_t counter = 0;

  friend bool operator==(const sealed_prefix&, const sealed_prefix&) = default;
};

/// nullopt unless `datagram` starts with a well-formed prefix (type, a known
/// direction, zero reserved bytes, a counter other than 0) and is between
/// sealed_overhead + 1 and max_sealed_size bytes long. Authenticates nothing.
std::optional<sealed_prefix> parse_sealed_prefix(std::span<const std::uint8_t> datagram) noexcept;

/// One participant's key, ready to seal and open (the AES key schedule is
/// computed once, here). Move-only. Not thread-safe: one owner thread.
class media_cipher {
 public:
  explicit media_cipher(const media_key& key);
  ~media_cipher();
  media_cipher(media_cipher&&) noexcept;
  media_cipher& operator=(media_cipher&&) noexcept;

  /// Writes `inner` sealed into `out` (at least inner.size() +
  /// sealed_overhead bytes) and returns the sealed datagram, a prefix of
  /// `out`. Precondition: 1 <= inner.size() <= max_datagram_size, counter
  /// never used before with this key and direction.
  std::span<const std::uint8_t> seal(const sealed_prefix& prefix,
                                     std::span<const std::uint8_t> inner,
                                     std::span<std::uint8_t> out) noexcept;

  /// Authenticates and decrypts `sealed` (whose prefix parse_sealed_prefix()
  /// accepted) into `out` (at least sealed.size() - sealed_overhead bytes).
  /// Returns the inner datagram, a prefix of `out`, or nullopt when the tag
  /// does not match (tampered, or another key).
  std::optional<std::span<const std::uint8_t>> open(std::span<const std::uint8_t> sealed,
                                                    std::span<std::uint8_t> out) noexcept;

 private:
  struct contexts;
  std::unique_ptr<contexts> ctx_;
};

/// The counters accepted so far from one key and direction (anti-replay,
/// RFC 6479's bitmap): remembers the highest and the `window` below it.
/// Check with fresh() before authenticating, and accept() after, so that
/// forged datagrams cannot move the window.
class replay_window {
 public:
  /// How far below the highest accepted counter a late datagram may be.
  static constexpr std::uint64_t window = 1024;

  /// False for 0, for a counter already accepted, and for one more than
  /// `window` - 1 below the highest accepted.
  bool fresh(std::uint64_t counter) const noexcept;
  /// Records `counter` (which fresh() allowed).
  void accept(std::uint64_t counter) noexcept;

 private:
  static constexpr std::size_t words = window / 64 + 1;
  std::uint64_t highest_ = 0;
  std::array<std::uint64_t, words> bits_{};
};

}  // namespace controlroom::media
