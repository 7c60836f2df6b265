// The producer's judgement of takes: rating, circling, notes; and the files
// the server records for them. Picking a take for the record is the
// setlist's business (reducer_setlist.cpp).

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

verdict decide_rate_take(const v1::SessionState& state, const v1::RateTake& intent) {
  if (find_take(state, intent.take_id()) < 0) {
    return not_found("take", intent.take_id());
  }
  if (intent.rating() > max_rating) {
    return reject(v1::ERROR_CODE_MALFORMED, "rating must be 0..5");
  }
  return std::nullopt;
}

verdict decide_circle_take(const v1::SessionState& state, const v1::CircleTake& intent) {
  if (find_take(state, intent.take_id()) < 0) {
    return not_found("take", intent.take_id());
  }
  return std::nullopt;
}

verdict decide_set_take_notes(const v1::SessionState& state, const v1::SetTakeNotes& intent) {
  if (find_take(state, intent.take_id()) < 0) {
    return not_found("take", intent.take_id());
  }
  return check_text("take notes", intent.notes(), max_notes_bytes);
}

void apply_rate_take(v1::SessionState& state, const v1::RateTake& intent) {
  const int take = find_take(state, intent.take_id());
  if (take >= 0) {
    state.mutable_takes(take)->set_rating(intent.rating());
  }
}

void apply_circle_take(v1::SessionState& state, const v1::CircleTake& intent) {
  const int take = find_take(state, intent.take_id());
  if (take >= 0) {
    state.mutable_takes(take)->set_circled(intent.circled());
  }
}

void apply_set_take_notes(v1::SessionState& state, const v1::SetTakeNotes& intent) {
  const int take = find_take(state, intent.take_id());
  if (take >= 0) {
    state.mutable_takes(take)->set_notes(intent.notes());
  }
}

verdict decide_take_file_recorded(const v1::SessionState& state,
                                  const v1::TakeFileRecorded& intent) {
  if (find_take(state, intent.take_id()) < 0) {
    return not_found("take", intent.take_id());
  }
  if (intent.file().id().empty()) {
    return reject(v1::ERROR_CODE_MALFORMED, "a take file needs an id");
  }
  return std::nullopt;
}

void apply_take_file_recorded(v1::SessionState& state, const v1::TakeFileRecorded& intent) {
  const int take = find_take(state, intent.take_id());
  if (take >= 0) {
    *state.mutable_takes(take)->add_files() = intent.file();
  }
}

}  // namespace controlroom::state::reducer_detail
