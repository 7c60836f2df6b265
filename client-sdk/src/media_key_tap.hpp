#pragma once

// A test seam, private to the SDK: tells a test in the same process each
// UDP media key its clients receive, so that a UDP middlebox in the test
// (tests/support/udp_impairment_proxy.hpp) can look inside what it drops,
// delays or replays, as no real network can. Nothing leaves the process
// this way, and code in the process could read the keys from memory anyway;
// no public header declares it and nothing installs a tap but tests.

#include <cstdint>
#include <functional>

#include "controlroom/media/sealed.hpp"

namespace controlroom::detail {

using media_key_tap = std::function<void(std::uint32_t sender_id, const media::media_key& key)>;

/// Installs `tap` (empty: none), replacing any other. Any thread.
void set_media_key_tap(media_key_tap tap);

/// Hands `key`, which MediaOpened gave `sender_id`, to the tap if one is
/// installed. Called on a client's network thread.
void tap_media_key(std::uint32_t sender_id, const media::media_key& key);

}  // namespace controlroom::detail
