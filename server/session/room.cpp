#include "session/room.hpp"

namespace controlroom::server {

v1::Participant room::describe(const participant_entry& p) const {
  v1::Participant out;
  out.set_participant_id(p.id);
  *out.mutable_user() = to_proto(p.user);
  for (auto r : p.roles.list()) {
    out.add_roles(to_proto(r));
  }
  return out;
}

frame_ptr room::presence_frame(v1::Presence::Change change, const participant_entry& p) const {
  v1::ServerEnvelope envelope;
  auto* presence = envelope.mutable_presence();
  presence->set_session_id(session_.id);
  presence->set_change(change);
  *presence->mutable_participant() = describe(p);
  return encode(envelope);
}

v1::Joined room::add(participant_entry p) {
  const auto id = p.id;
  broadcast(presence_frame(v1::Presence::CHANGE_JOINED, p), id);
  participants_.insert_or_assign(id, std::move(p));

  v1::Joined joined;
  *joined.mutable_session() = to_proto(session_);
  for (const auto& [pid, entry] : participants_) {
    *joined.add_participants() = describe(entry);
    if (pid == id) {
      *joined.mutable_self() = describe(entry);
    }
  }
  return joined;
}

bool room::remove(const std::string& participant_id) {
  const auto it = participants_.find(participant_id);
  if (it == participants_.end()) {
    return false;
  }
  const auto leaving = std::move(it->second);
  participants_.erase(it);
  broadcast(presence_frame(v1::Presence::CHANGE_LEFT, leaving));
  return true;
}

void room::broadcast(const frame_ptr& frame, const std::string& except_id) {
  for (const auto& [id, entry] : participants_) {
    if (id == except_id) {
      continue;
    }
    if (auto conn = entry.connection.lock()) {
      conn->send(frame);
    }
  }
}

}  // namespace controlroom::server
