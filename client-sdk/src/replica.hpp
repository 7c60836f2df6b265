#pragma once

// The client's replica of one session's state: set from a Joined reply, then
// advanced event by event with the reducer the server runs
// (controlroom::state::apply), never by code of its own. Guards its own
// continuity: an event that is not the next version, is for another session,
// or carries a change this SDK does not know is refused, not applied, so the
// replica is always the server's state at some version.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "controlroom/errors.hpp"
#include "controlroom/session_state.hpp"
#include "controlroom/v1/control.pb.h"
#include "controlroom/v1/state.pb.h"

namespace controlroom::detail {

/// Changed on one thread (the network thread), read from any: the readers
/// (copy, version, bytes, resume_from) are thread-safe.
class replica {
 public:
  /// The JoinSession fields that resume a session from this replica.
  struct resume_point {
    bool has_replica = false;
    std::uint64_t known_version = 0;
  };

  /// What to ask for when joining `session_id`: the version held, if the
  /// replica holds that session and can follow it; else nothing.
  resume_point resume_from(const std::string& session_id) const;

  /// Brings the replica to `joined.version()` for the session `joined`
  /// names: replaces it with `joined.snapshot()` if set, else applies
  /// `joined.missed_events()` on top (the replica must hold that session at
  /// a version they continue). Calls `applied` after each change, without
  /// holding the lock; stops early and returns ok if it returns false.
  /// @return ok, or errc::protocol_error when the reply cannot be followed;
  ///   the replica then holds the last good version, or, if it can no longer
  ///   follow, asks for a snapshot next time (resume_from).
  status catch_up(const v1::Joined& joined, const std::function<bool(const event_info&)>& applied);

  /// Applies one live SessionEvent.
  /// @return what was applied, or errc::protocol_error (nothing applied)
  ///   when the event is not for the replica's session, is not its next
  ///   version, or carries an unknown change (which also means a snapshot
  ///   is needed: resume_from then says so).
  result<event_info> apply(const v1::SessionEvent& event);

  /// A copy as public values.
  session_state copy() const;
  /// The version of the last change applied; 0 when empty.
  std::uint64_t version() const;
  /// The deterministic serialization of the SessionState; empty when empty.
  std::string bytes() const;

 private:
  result<event_info> apply_locked(const std::string& session_id, const v1::Event& event);

  mutable std::mutex mutex_;
  v1::SessionState state_;
  // state_ continues the server's log of state_.session_id(): events may be
  // applied to it and a rejoin may resume from it.
  bool following_ = false;
};

}  // namespace controlroom::detail
