#pragma once

// The server's view of the shared state reducer (state/): the same decide()
// and apply() every replica runs, plus how a new session's state begins.

#include <vector>

#include "controlroom/state/reducer.hpp"
#include "domain/records.hpp"

namespace controlroom::server {

using state::actor;
using state::apply;
using state::decide;
using state::permitted;
using state::rejection;

/// The state of a session just created (version 0): title, default transport
/// (stopped, 120 bpm, 4/4) and the schedule with its members, sorted by user
/// id so that every copy built from the same rows is byte-identical.
v1::SessionState initial_state(const session_record& session,
                               const std::vector<member_record>& members);

}  // namespace controlroom::server
