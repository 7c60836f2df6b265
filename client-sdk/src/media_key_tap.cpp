#include "media_key_tap.hpp"

#include <mutex>
#include <utility>

namespace controlroom::detail {
namespace {

std::mutex& tap_mutex() {
  static std::mutex m;
  return m;
}

media_key_tap& installed() {
  static media_key_tap tap;
  return tap;
}

}  // namespace

void set_media_key_tap(media_key_tap tap) {
  std::lock_guard lock(tap_mutex());
  installed() = std::move(tap);
}

void tap_media_key(std::uint32_t sender_id, const media::media_key& key) {
  // Called under the lock, so that set_media_key_tap({}) returning means the
  // old tap runs no more (a test's proxy may then be destroyed).
  std::lock_guard lock(tap_mutex());
  if (installed())
    installed()(sender_id, key);
}

}  // namespace controlroom::detail
