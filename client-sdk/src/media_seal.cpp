#include "media_seal.hpp"

#include <algorithm>
#include <limits>

#include "controlroom/v1/control.pb.h"

namespace controlroom::detail {

std::optional<std::string_view> media_seal::unusable(int cipher, std::string_view key) noexcept {
  if (cipher != v1::MEDIA_CIPHER_AES_256_GCM)
    return "the server's media cipher is not one this client knows (AES-256-GCM)";
  if (key.size() != media::media_key_size)
    return "MediaOpened without a 32-byte media key";
  return std::nullopt;
}

void media_seal::rekey(std::uint32_t sender_id, std::string_view key) {
  media::media_key next{};
  std::copy_n(reinterpret_cast<const std::uint8_t*>(key.data()), std::min(key.size(), next.size()),
              next.begin());
  // The same key again is the same media plane (OpenMedia re-sent on one
  // connection): restarting the counter would reuse nonces under it.
  active_ = true;
  if (cipher_ && next == key_) {
    sender_id_ = sender_id;
    return;
  }
  cipher_.emplace(next);
  key_ = next;
  sender_id_ = sender_id;
  sent_ = 0;
  window_ = {};
}

void media_seal::clear() noexcept {
  // The key and its counters are remembered: should the same key come back,
  // its counter goes on.
  active_ = false;
  inner_ = {};
}

std::span<const std::uint8_t> media_seal::seal(std::span<const std::uint8_t> inner) noexcept {
  if (!active_ || inner.empty() || inner.size() > media::max_datagram_size ||
      sent_ == std::numeric_limits<std::uint64_t>::max())
    return {};
  // Counted before sealing: a counter is spent even if the send then fails.
  ++sent_;
  return cipher_->seal({media::seal_direction::to_server, sender_id_, sent_}, inner,
                       sealed_buffer_);
}

media_seal::verdict media_seal::open(std::span<const std::uint8_t> sealed) noexcept {
  inner_ = {};
  if (!active_)
    return verdict::unauthenticated;
  const auto prefix = media::parse_sealed_prefix(sealed);
  if (!prefix || prefix->direction != media::seal_direction::to_client ||
      prefix->sender_id != sender_id_)
    return verdict::unauthenticated;
  // Before authenticating (cheap refusal); accepted only after, so that a
  // forgery cannot move the window.
  if (!window_.fresh(prefix->counter))
    return verdict::replayed;
  const auto opened = cipher_->open(sealed, open_buffer_);
  if (!opened)
    return verdict::unauthenticated;
  window_.accept(prefix->counter);
  inner_ = *opened;
  return verdict::opened;
}

}  // namespace controlroom::detail
