// Tracks: the engineer's inputs, with their arm, mute and solo switches.

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

verdict decide_add_track(const v1::SessionState& state, const v1::AddTrack& intent) {
  if (auto refused = check_name("track name", intent.name(), max_track_name_bytes)) {
    return refused;
  }
  if (auto refused = check_text("input label", intent.input_label(), max_label_bytes)) {
    return refused;
  }
  return check_count("tracks", state.tracks_size(), max_tracks);
}

verdict decide_update_track(const v1::SessionState& state, const v1::UpdateTrack& intent) {
  if (find_track(state, intent.track_id()) < 0) {
    return not_found("track", intent.track_id());
  }
  if (intent.has_name()) {
    if (auto refused = check_name("track name", intent.name(), max_track_name_bytes)) {
      return refused;
    }
  }
  if (intent.has_input_label()) {
    return check_text("input label", intent.input_label(), max_label_bytes);
  }
  return std::nullopt;
}

verdict decide_remove_track(const v1::SessionState& state, const v1::RemoveTrack& intent) {
  if (find_track(state, intent.track_id()) < 0) {
    return not_found("track", intent.track_id());
  }
  return std::nullopt;
}

void apply_add_track(v1::SessionState& state, const v1::Event& event, const v1::AddTrack& intent) {
  auto& track = *state.add_tracks();
  track.set_id(make_id("tr", event.version()));
  track.set_name(intent.name());
  track.set_input_label(intent.input_label());
}

void apply_update_track(v1::SessionState& state, const v1::UpdateTrack& intent) {
  const int index = find_track(state, intent.track_id());
  if (index < 0) {
    return;
  }
  auto& track = *state.mutable_tracks(index);
  if (intent.has_name()) {
    track.set_name(intent.name());
  }
  if (intent.has_armed()) {
    track.set_armed(intent.armed());
  }
  if (intent.has_muted()) {
    track.set_muted(intent.muted());
  }
  if (intent.has_soloed()) {
    track.set_soloed(intent.soloed());
  }
  if (intent.has_input_label()) {
    track.set_input_label(intent.input_label());
  }
}

void apply_remove_track(v1::SessionState& state, const v1::RemoveTrack& intent) {
  const int index = find_track(state, intent.track_id());
  if (index >= 0) {
    state.mutable_tracks()->DeleteSubrange(index, 1);
  }
}

}  // namespace controlroom::state::reducer_detail
