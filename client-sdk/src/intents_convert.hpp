#pragma once

// Public intents -> protobuf. Pure functions: no I/O, no state, thread-safe.

#include <string_view>

#include "controlroom/errors.hpp"
#include "controlroom/intents.hpp"
#include "controlroom/v1/state.pb.h"

namespace controlroom::detail {

/// Fills `out` (which should be empty) with `in`. Values are passed through
/// as they are: judging them is the server's job, and its refusal is more
/// precise than anything the SDK could guess. The one refusal here is an
/// add_comment that names both a marker and a take (errc::malformed), which
/// the protobuf oneof cannot express.
status to_proto(const intent& in, v1::Intent* out);

/// The intent's change as its field name in state.proto ("add_marker", ...);
/// "" when no change is set (or one this SDK does not know). Static storage.
std::string_view change_name(const v1::Intent& in);

}  // namespace controlroom::detail
