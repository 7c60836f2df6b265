// SubmitIntent: hands a change request to the session's owner, which decides,
// commits and answers (see live_session).

#include <chrono>

#include "control/dispatcher.hpp"
#include "control/reply.hpp"
#include "session/room_directory.hpp"

namespace controlroom::server {
namespace {

constexpr std::size_t max_operation_id_bytes = 100;

void on_submit_intent(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto request_id = env.request_id();
  const auto& req = env.submit_intent();
  const auto& state = p->state();
  if (state.session_id.empty()) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                "join a session before submitting intents");
    return;
  }
  if (req.operation_id().empty() || req.operation_id().size() > max_operation_id_bytes) {
    reply_error(s, *p, request_id,
                req.operation_id().empty() ? v1::ERROR_CODE_MALFORMED : v1::ERROR_CODE_TOO_LARGE,
                "operation_id must be 1.." + std::to_string(max_operation_id_bytes) + " bytes");
    return;
  }
  if (req.operation_id().rfind("server:", 0) == 0) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                "operation ids starting with 'server:' are reserved");
    return;
  }
  if (req.intent().change_case() == v1::Intent::CHANGE_NOT_SET) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED, "the intent names no change");
    return;
  }
  actor who{state.user->id, state.roles};
  const auto received = std::chrono::steady_clock::now();
  s.rooms.with_live_session(
      state.session_id, [p, request_id, who = std::move(who), req, received](live_session* live) {
        if (live == nullptr) {
          p->send(make_error_frame(request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                                   "the session is no longer live; join it again"));
          return;
        }
        live->submit(who, req, live_session::waiter{p, request_id}, received);
      });
}

}  // namespace

void register_intent_handlers(handler_table& table) {
  table[v1::ClientEnvelope::kSubmitIntent] = {&on_submit_intent, true};
}

}  // namespace controlroom::server
