// Talkback: who is talking into the room now, one channel per person. The
// private line is the producer's into the engineer's headphones and the
// engineer's back to the producers.

#include <string>

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

namespace {

bool is_known_target(v1::TalkbackTarget target) {
  return target != v1::TALKBACK_TARGET_UNSPECIFIED && v1::TalkbackTarget_IsValid(target);
}

}  // namespace

verdict decide_start_talkback(const v1::SessionState& /*state*/, const actor& who,
                              const v1::StartTalkback& intent) {
  if (!is_known_target(intent.target())) {
    return reject(v1::ERROR_CODE_MALFORMED, "talkback needs a target");
  }
  // The server relays voices; it has none of its own to open a channel for.
  if (who.is_server()) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION, "the server does not talk back");
  }
  if (intent.target() == v1::TALKBACK_TARGET_ENGINEER_PRIVATE &&
      !who.roles.contains(role::producer)) {
    return reject(v1::ERROR_CODE_FORBIDDEN, "only a producer talks privately to the engineer");
  }
  if (intent.target() == v1::TALKBACK_TARGET_PRODUCER_PRIVATE &&
      !who.roles.contains(role::engineer)) {
    return reject(v1::ERROR_CODE_FORBIDDEN, "only an engineer talks privately to the producer");
  }
  return std::nullopt;
}

verdict decide_stop_talkback(const v1::SessionState& state, const actor& who,
                             v1::StopTalkback& intent) {
  if (intent.user_id().empty()) {
    intent.set_user_id(who.user_id);
  }
  if (intent.user_id() != who.user_id && !who.is_server() && !who.roles.contains(role::engineer)) {
    return reject(v1::ERROR_CODE_FORBIDDEN, "only an engineer stops someone else's talkback");
  }
  if (find_talkback(state, intent.user_id()) < 0) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION,
                  "\"" + intent.user_id() + "\" is not talking back");
  }
  return std::nullopt;
}

void apply_start_talkback(v1::SessionState& state, const v1::Event& event,
                          const v1::StartTalkback& intent) {
  // Replaced in place: a talker changing target keeps their place in the list.
  const int index = find_talkback(state, event.author_user_id());
  auto& channel = index >= 0 ? *state.mutable_talkback(index) : *state.add_talkback();
  channel.set_user_id(event.author_user_id());
  channel.set_target(intent.target());
  channel.set_latched(intent.latched());
}

void apply_stop_talkback(v1::SessionState& state, const v1::StopTalkback& intent) {
  const int index = find_talkback(state, intent.user_id());
  if (index >= 0) {
    state.mutable_talkback()->DeleteSubrange(index, 1);
  }
}

}  // namespace controlroom::state::reducer_detail
