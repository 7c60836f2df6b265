#pragma once

// Private to the reducer: shared checks and lookups, and the per-intent
// decide/apply functions, each defined in the file of its feature
// (reducer_setlist, reducer_transport, reducer_tracks, reducer_takes,
// reducer_timeline, reducer_talkback, reducer_schedule). reducer.cpp holds
// the permission table and the dispatch; reducer_checks.cpp the shared checks.
//
// A decide_* function validates one intent against the state and may
// normalize it in place (the intent is the event's own copy), so that apply_*
// never re-derives a default. An apply_* function trusts that decide accepted
// the event against the same state, yet never crashes on a log it did not
// expect: an unknown id is skipped.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controlroom/state/reducer.hpp"

namespace controlroom::state::reducer_detail {

using verdict = std::optional<rejection>;

// Limits a peer could otherwise push without bound.
inline constexpr std::size_t max_title_bytes = 200;
inline constexpr std::size_t max_track_name_bytes = 100;
inline constexpr std::size_t max_label_bytes = 200;
inline constexpr std::size_t max_notes_bytes = 4000;
inline constexpr std::size_t max_comment_bytes = 4000;
inline constexpr int max_songs = 500;
inline constexpr int max_tracks = 256;
inline constexpr int max_takes = 10000;
inline constexpr int max_markers = 10000;
inline constexpr int max_comments = 20000;
inline constexpr std::uint32_t max_rating = 5;
inline constexpr double min_tempo_bpm = 20.0;
inline constexpr double max_tempo_bpm = 400.0;
inline constexpr std::uint32_t max_beats_per_bar = 64;
inline constexpr std::string_view default_marker_color = "#ffcc00";

inline rejection reject(v1::ErrorCode code, std::string message) {
  return rejection{code, std::move(message)};
}

/// "<prefix><version>": ids of created objects follow from the event alone.
std::string make_id(std::string_view prefix, std::uint64_t version);

/// A required name: 1..max bytes. Empty is MALFORMED, too long TOO_LARGE.
verdict check_name(std::string_view field, const std::string& value, std::size_t max_bytes);
/// Optional text: 0..max bytes.
verdict check_text(std::string_view field, const std::string& value, std::size_t max_bytes);
verdict check_position(std::string_view field, std::int64_t samples);
/// "#rrggbb"; empty is replaced by the default marker color.
verdict normalize_color(std::string& color);
verdict check_count(std::string_view what, int size, int max);
rejection not_found(std::string_view what, const std::string& id);

// Lookups: index into the repeated field, or -1. Linear: the limits keep the
// fields small and the state is the plain proto every replica holds.
int find_song(const v1::SessionState& state, const std::string& id);
int find_track(const v1::SessionState& state, const std::string& id);
int find_take(const v1::SessionState& state, const std::string& id);
int find_marker(const v1::SessionState& state, const std::string& id);
int find_comment(const v1::SessionState& state, const std::string& id);
int find_talkback(const v1::SessionState& state, const std::string& user_id);

bool is_recording(const v1::SessionState& state);

/// Removes, keeping order, every element for which `drop` is true.
template <typename T, typename Pred>
void erase_if(google::protobuf::RepeatedPtrField<T>& field, Pred drop) {
  int kept = 0;
  for (int i = 0; i < field.size(); ++i) {
    if (drop(field.Get(i))) {
      continue;
    }
    if (kept != i) {
      field.SwapElements(kept, i);
    }
    ++kept;
  }
  if (kept < field.size()) {
    field.DeleteSubrange(kept, field.size() - kept);
  }
}

/// Moves element `from` to index `to`, shifting the ones between.
template <typename T>
void move_element(google::protobuf::RepeatedPtrField<T>& field, int from, int to) {
  for (; from < to; ++from) {
    field.SwapElements(from, from + 1);
  }
  for (; from > to; --from) {
    field.SwapElements(from, from - 1);
  }
}

// ---- setlist (reducer_setlist.cpp) ----
verdict decide_add_song(const v1::SessionState& state, v1::AddSong& intent);
verdict decide_rename_song(const v1::SessionState& state, const v1::RenameSong& intent);
verdict decide_remove_song(const v1::SessionState& state, const v1::RemoveSong& intent);
verdict decide_move_song(const v1::SessionState& state, v1::MoveSong& intent);
verdict decide_pick_take(const v1::SessionState& state, const v1::PickTake& intent);
verdict decide_unpick_take(const v1::SessionState& state, const v1::UnpickTake& intent);
void apply_add_song(v1::SessionState& state, const v1::Event& event, const v1::AddSong& intent);
void apply_rename_song(v1::SessionState& state, const v1::RenameSong& intent);
void apply_remove_song(v1::SessionState& state, const v1::RemoveSong& intent);
void apply_move_song(v1::SessionState& state, const v1::MoveSong& intent);
void apply_pick_take(v1::SessionState& state, const v1::PickTake& intent);
void apply_unpick_take(v1::SessionState& state, const v1::UnpickTake& intent);

// ---- transport and recording (reducer_transport.cpp) ----
verdict decide_play(const v1::SessionState& state, const v1::Play& intent);
verdict decide_stop(const v1::SessionState& state, const v1::Stop& intent);
verdict decide_locate(const v1::SessionState& state, const v1::Locate& intent);
verdict decide_set_tempo(const v1::SessionState& state, const v1::SetTempo& intent);
verdict decide_set_meter(const v1::SessionState& state, const v1::SetMeter& intent);
verdict decide_set_loop(const v1::SessionState& state, const v1::SetLoop& intent);
verdict decide_select_song(const v1::SessionState& state, const v1::SelectSong& intent);
verdict decide_grant_transport(const v1::SessionState& state, const v1::GrantTransport& intent);
verdict decide_record(const v1::SessionState& state, const v1::Record& intent);
void apply_play(v1::SessionState& state, const v1::Play& intent);
void apply_stop(v1::SessionState& state, const v1::Stop& intent);
void apply_locate(v1::SessionState& state, const v1::Locate& intent);
void apply_set_tempo(v1::SessionState& state, const v1::SetTempo& intent);
void apply_set_meter(v1::SessionState& state, const v1::SetMeter& intent);
void apply_set_loop(v1::SessionState& state, const v1::SetLoop& intent);
void apply_select_song(v1::SessionState& state, const v1::SelectSong& intent);
void apply_grant_transport(v1::SessionState& state, const v1::GrantTransport& intent);
void apply_record(v1::SessionState& state, const v1::Event& event, const v1::Record& intent);

// ---- tracks (reducer_tracks.cpp) ----
verdict decide_add_track(const v1::SessionState& state, const v1::AddTrack& intent);
verdict decide_update_track(const v1::SessionState& state, const v1::UpdateTrack& intent);
verdict decide_remove_track(const v1::SessionState& state, const v1::RemoveTrack& intent);
void apply_add_track(v1::SessionState& state, const v1::Event& event, const v1::AddTrack& intent);
void apply_update_track(v1::SessionState& state, const v1::UpdateTrack& intent);
void apply_remove_track(v1::SessionState& state, const v1::RemoveTrack& intent);

// ---- takes (reducer_takes.cpp) ----
verdict decide_rate_take(const v1::SessionState& state, const v1::RateTake& intent);
verdict decide_circle_take(const v1::SessionState& state, const v1::CircleTake& intent);
verdict decide_set_take_notes(const v1::SessionState& state, const v1::SetTakeNotes& intent);
void apply_rate_take(v1::SessionState& state, const v1::RateTake& intent);
void apply_circle_take(v1::SessionState& state, const v1::CircleTake& intent);
void apply_set_take_notes(v1::SessionState& state, const v1::SetTakeNotes& intent);
verdict decide_take_file_recorded(const v1::SessionState& state,
                                  const v1::TakeFileRecorded& intent);
void apply_take_file_recorded(v1::SessionState& state, const v1::TakeFileRecorded& intent);

// ---- markers and comments (reducer_timeline.cpp) ----
verdict decide_add_marker(const v1::SessionState& state, v1::AddMarker& intent);
verdict decide_update_marker(const v1::SessionState& state, v1::UpdateMarker& intent);
verdict decide_remove_marker(const v1::SessionState& state, const v1::RemoveMarker& intent);
verdict decide_add_comment(const v1::SessionState& state, const v1::AddComment& intent);
verdict decide_remove_comment(const v1::SessionState& state, const actor& who,
                              const v1::RemoveComment& intent);
void apply_add_marker(v1::SessionState& state, const v1::Event& event, const v1::AddMarker& intent);
void apply_update_marker(v1::SessionState& state, const v1::UpdateMarker& intent);
void apply_remove_marker(v1::SessionState& state, const v1::RemoveMarker& intent);
void apply_add_comment(v1::SessionState& state, const v1::Event& event,
                       const v1::AddComment& intent);
void apply_remove_comment(v1::SessionState& state, const v1::RemoveComment& intent);

// ---- talkback (reducer_talkback.cpp) ----
verdict decide_start_talkback(const v1::SessionState& state, const actor& who,
                              const v1::StartTalkback& intent);
verdict decide_stop_talkback(const v1::SessionState& state, const actor& who,
                             v1::StopTalkback& intent);
void apply_start_talkback(v1::SessionState& state, const v1::Event& event,
                          const v1::StartTalkback& intent);
void apply_stop_talkback(v1::SessionState& state, const v1::StopTalkback& intent);

// ---- schedule (reducer_schedule.cpp, with initial_state) ----
verdict decide_set_planned_start(const v1::SessionState& state, const v1::SetPlannedStart& intent);
void apply_set_planned_start(v1::SessionState& state, const v1::SetPlannedStart& intent);

}  // namespace controlroom::state::reducer_detail
