#pragma once

// Protobuf session state and events -> public types. Pure functions: no I/O,
// no state, thread-safe.

#include "controlroom/session_state.hpp"
#include "controlroom/v1/state.pb.h"

namespace controlroom::detail {

/// The whole state as plain values. Enum values this SDK does not name
/// (from a newer server) keep their number; unknown roles are left out.
session_state from_proto(const v1::SessionState& in);

/// What on_state_changed() hears about an applied event.
event_info info_of(const v1::Event& event);

/// What on_state_changed() hears after a snapshot replaced the replica.
event_info snapshot_info(const v1::SessionState& snapshot);

}  // namespace controlroom::detail
