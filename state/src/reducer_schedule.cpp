// The schedule: when the session is planned to start.

#include "reducer_detail.hpp"

namespace controlroom::state {

namespace reducer_detail {

verdict decide_set_planned_start(const v1::SessionState& /*state*/,
                                 const v1::SetPlannedStart& intent) {
  if (intent.planned_start_unix_ms() < 0) {
    return reject(v1::ERROR_CODE_MALFORMED, "planned start must not be negative");
  }
  return std::nullopt;
}

void apply_set_planned_start(v1::SessionState& state, const v1::SetPlannedStart& intent) {
  state.mutable_schedule()->set_planned_start_unix_ms(intent.planned_start_unix_ms());
}

}  // namespace reducer_detail

}  // namespace controlroom::state
