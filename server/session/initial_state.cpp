// The state of a session just created: version 0 of its log.

#include <algorithm>
#include <vector>

#include "control/envelope_codec.hpp"
#include "session/reducer.hpp"

namespace controlroom::server {

v1::SessionState initial_state(const session_record& session,
                               const std::vector<member_record>& members) {
  v1::SessionState state;
  state.set_session_id(session.id);
  state.set_title(session.title);
  state.set_version(0);
  auto& transport = *state.mutable_transport();
  transport.set_mode(v1::TRANSPORT_MODE_STOPPED);
  transport.set_tempo_bpm(120.0);
  transport.mutable_meter()->set_beats_per_bar(4);
  transport.mutable_meter()->set_beat_unit(4);

  auto& schedule = *state.mutable_schedule();
  schedule.set_planned_start_unix_ms(session.scheduled_start_unix_ms);
  // Sorted so that every replica built from the same rows is byte-identical,
  // whatever order the database returned them in; a user listed twice gets
  // the union of the roles.
  std::vector<member_record> sorted = members;
  std::sort(sorted.begin(), sorted.end(),
            [](const member_record& a, const member_record& b) { return a.user_id < b.user_id; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    role_set roles = sorted[i].roles;
    while (i + 1 < sorted.size() && sorted[i + 1].user_id == sorted[i].user_id) {
      for (auto r : sorted[++i].roles.list()) {
        roles.add(r);
      }
    }
    auto& member = *schedule.add_members();
    member.set_user_id(sorted[i].user_id);
    for (auto r : roles.list()) {
      member.add_roles(to_proto(r));
    }
  }
  return state;
}

}  // namespace controlroom::server
