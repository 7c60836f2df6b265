#pragma once

// Building and sending replies on the control plane.

#include <cstdint>
#include <functional>
#include <string>

#include "control/envelope_codec.hpp"
#include "control/services.hpp"

namespace controlroom::server {

/// Sends a ServerEnvelope answering `request_id`, with `fill` setting its body.
/// Nothing is sent for request_id 0 (the client asked for no reply).
void reply(peer& p, std::uint64_t request_id, const std::function<void(v1::ServerEnvelope&)>& fill);

/// Sends an Error, also for request_id 0, and counts it.
void reply_error(services& s, peer& p, std::uint64_t request_id, v1::ErrorCode code,
                 const std::string& message);

/// Maps a store failure to the client's error. Internal details stay in the
/// server log, tagged with the connection id.
void reply_store_error(services& s, peer& p, std::uint64_t request_id, const store_error& error);

}  // namespace controlroom::server
