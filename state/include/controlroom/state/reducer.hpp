#pragma once

// The session state reducer: the heart of Controlroom. The server decides and
// applies with it; every client replica (the SDK) applies with it too, so
// the two can never disagree on what an event means. Pure functions, no
// I/O, no clocks (time and versions come in as arguments), so every replica
// and every replay of the log computes the same state.
//
//   decide(state, intent, actor, ...) -> Event or rejection   (may it happen?)
//   apply(state, event)                                        (make it so)
//
// decide() checks the one permission table, the references (unknown song,
// take, marker, ... -> NOT_FOUND), the values (MALFORMED, TOO_LARGE) and the
// state's preconditions (FAILED_PRECONDITION). apply() never fails for an
// event decide() produced against the same state.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "controlroom/state/role.hpp"
#include "controlroom/v1/control.pb.h"
#include "controlroom/v1/state.pb.h"

namespace controlroom::state {

namespace v1 = ::controlroom::v1;

/// Who submits an intent. An empty user_id is the server itself, which may
/// do anything (it stops a disconnected talker's talkback, for instance).
struct actor {
  std::string user_id;
  role_set roles;
  bool is_server() const { return user_id.empty(); }
};

struct rejection {
  v1::ErrorCode code = v1::ERROR_CODE_MALFORMED;
  std::string message;
};

/// The permission table: may someone holding `roles` submit this kind of
/// intent, given the state (producers drive the transport only while an
/// engineer grants it)? Object-level rules (only a comment's author removes
/// it) are in decide().
bool permitted(const v1::SessionState& state, v1::Intent::ChangeCase change, role_set roles);

/// Validates `intent` for `who` against `state`; on success returns the
/// event to append, with version `state.version() + 1`.
std::variant<v1::Event, rejection> decide(const v1::SessionState& state, const v1::Intent& intent,
                                          const actor& who, const std::string& operation_id,
                                          std::int64_t now_unix_ms);

/// Applies an event; sets state.version to the event's version.
void apply(v1::SessionState& state, const v1::Event& event);

}  // namespace controlroom::state
