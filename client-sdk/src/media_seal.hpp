#pragma once

// The client's end of sealed UDP media (media/sealed.hpp, docs/media-plane.md
// "Encryption"): seals what the client sends to the server and opens what the
// server sends it, with the key of the current MediaOpened. Socket-free, so
// that unit tests drive it byte for byte.
//
// Counters: one send counter per key for every datagram of the media plane
// (probes, media, resends), from 1, never reused. A MediaOpened that repeats
// the key (OpenMedia sent again on the same connection) keeps the counter and
// the replay window; a new key (a new connection) starts both afresh.
//
// Threads: one owner thread (the client's network thread). No allocation
// after construction: both buffers are members.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "controlroom/media/sealed.hpp"

namespace controlroom::detail {

class media_seal {
 public:
  /// What open() made of a datagram.
  enum class verdict {
    opened,           ///< authentic and fresh: inner() holds the datagram
    unauthenticated,  ///< not sealed for this client, or the tag did not match
    replayed,         ///< a counter already accepted or behind the window
  };

  /// Why a MediaOpened's key cannot be used; nullopt when it can.
  static std::optional<std::string_view> unusable(int cipher, std::string_view key) noexcept;

  /// Takes the key of a MediaOpened that unusable() accepted, for
  /// `sender_id`. The same key as before keeps the counters.
  void rekey(std::uint32_t sender_id, std::string_view key);

  /// Stops using the key: seal() and open() refuse until the next rekey().
  void clear() noexcept;

  bool keyed() const noexcept { return active_; }

  /// `inner` sealed toward the server (a view into a member buffer, valid
  /// until the next seal()); empty without a key or for an inner datagram
  /// that cannot be sealed (empty, larger than media::max_datagram_size).
  std::span<const std::uint8_t> seal(std::span<const std::uint8_t> inner) noexcept;

  /// Checks and opens a datagram from the server: the prefix (type,
  /// direction to_client, this client's sender_id), the replay window, then
  /// the tag. On `opened`, inner() is the datagram (valid until the next open()).
  verdict open(std::span<const std::uint8_t> sealed) noexcept;
  std::span<const std::uint8_t> inner() const noexcept { return inner_; }

  /// The key of the last rekey().
  const media::media_key& key() const noexcept { return key_; }

  /// The counter of the last datagram sealed (0: none yet under this key).
  std::uint64_t sent_counter() const noexcept { return sent_; }

 private:
  bool active_ = false;
  std::optional<media::media_cipher> cipher_;
  media::media_key key_{};
  std::uint32_t sender_id_ = 0;
  std::uint64_t sent_ = 0;
  media::replay_window window_;
  std::array<std::uint8_t, media::max_sealed_size> sealed_buffer_{};
  std::array<std::uint8_t, media::max_datagram_size> open_buffer_{};
  std::span<const std::uint8_t> inner_;
};

}  // namespace controlroom::detail
