#pragma once

// Serializing and parsing control-plane envelopes, and building replies.
// Pure: no sockets.

#include <optional>
#include <string>
#include <string_view>

#include "control/peer.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom::server {

namespace v1 = ::controlroom::v1;

/// Parses one binary WebSocket message. nullopt when it is not a valid
/// ClientEnvelope. An envelope without a known body still parses, so that the
/// error can name its request_id (a newer client's request type, say).
std::optional<v1::ClientEnvelope> decode_client_envelope(std::string_view bytes);

/// Serializes once; the same bytes can go to many peers.
frame_ptr encode(const v1::ServerEnvelope& envelope);

frame_ptr make_error_frame(std::uint64_t request_id, v1::ErrorCode code,
                           const std::string& message);

v1::Role to_proto(role r);
/// nullopt for ROLE_UNSPECIFIED and values this server does not know.
std::optional<role> from_proto(int r);

v1::User to_proto(const user_record& u);
v1::SessionInfo to_proto(const session_record& s);

}  // namespace controlroom::server
