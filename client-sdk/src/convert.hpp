#pragma once

// Protobuf <-> public types. Pure functions: no I/O, no state, thread-safe.
//
// Values from a newer server that this SDK does not know (a role number past
// listener, an unspecified presence change) are dropped rather than invented,
// so the public enums only ever hold values the SDK understands.

#include <optional>
#include <string_view>
#include <vector>

#include "controlroom/errors.hpp"
#include "controlroom/types.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom::detail {

std::vector<role> roles_from_proto(const google::protobuf::RepeatedField<int>& roles);
user from_proto(const v1::User& in);
participant from_proto(const v1::Participant& in);
session_info from_proto(const v1::SessionInfo& in);
joined_session from_proto(const v1::Joined& in);
/// nullopt when the change is unspecified or unknown.
std::optional<presence_event> from_proto(const v1::Presence& in);

void roles_to_proto(const std::vector<role>& roles, google::protobuf::RepeatedField<int>* out);
void to_proto(const session_options& in, v1::CreateSession* out);

/// The server's refusal as a status. Codes the SDK does not know (or 0) become
/// errc::protocol_error, keeping the server's message and number.
status to_status(const v1::Error& error);

/// "Joined", "Pong", ...: names a reply body in error messages.
std::string_view body_name(v1::ServerEnvelope::BodyCase body);

/// Judges a reply: the server's Error becomes its status, any body but
/// `expected` is errc::protocol_error (the server broke the contract), and a
/// failure to get a reply at all passes through.
result<v1::ServerEnvelope> expect_body(result<v1::ServerEnvelope> reply,
                                       v1::ServerEnvelope::BodyCase expected);

}  // namespace controlroom::detail
