// The setlist: songs in order, and which take of each makes the record.

#include <string>
#include <string_view>
#include <unordered_set>

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

namespace {

// A recording take cannot lose its song or become the pick: its end is not
// known yet.
bool song_is_recording(const v1::SessionState& state, const std::string& song_id) {
  if (!is_recording(state)) {
    return false;
  }
  const int take = find_take(state, state.transport().recording_take_id());
  return take >= 0 && state.takes(take).song_id() == song_id;
}

}  // namespace

verdict decide_add_song(const v1::SessionState& state, v1::AddSong& intent) {
  if (auto refused = check_name("song title", intent.title(), max_title_bytes)) {
    return refused;
  }
  if (auto refused = check_count("songs", state.songs_size(), max_songs)) {
    return refused;
  }
  // Resolve "append" now so the event says where the song went.
  if (!intent.has_index() || intent.index() < 0 || intent.index() > state.songs_size()) {
    intent.set_index(state.songs_size());
  }
  return std::nullopt;
}

verdict decide_rename_song(const v1::SessionState& state, const v1::RenameSong& intent) {
  if (find_song(state, intent.song_id()) < 0) {
    return not_found("song", intent.song_id());
  }
  return check_name("song title", intent.title(), max_title_bytes);
}

verdict decide_remove_song(const v1::SessionState& state, const v1::RemoveSong& intent) {
  if (find_song(state, intent.song_id()) < 0) {
    return not_found("song", intent.song_id());
  }
  if (song_is_recording(state, intent.song_id())) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION,
                  "song \"" + intent.song_id() + "\" is recording; stop recording first");
  }
  return std::nullopt;
}

verdict decide_move_song(const v1::SessionState& state, v1::MoveSong& intent) {
  if (find_song(state, intent.song_id()) < 0) {
    return not_found("song", intent.song_id());
  }
  if (intent.index() < 0) {
    intent.set_index(0);
  } else if (intent.index() >= state.songs_size()) {
    intent.set_index(state.songs_size() - 1);
  }
  return std::nullopt;
}

verdict decide_pick_take(const v1::SessionState& state, const v1::PickTake& intent) {
  const int take = find_take(state, intent.take_id());
  if (take < 0) {
    return not_found("take", intent.take_id());
  }
  if (state.takes(take).recording()) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION,
                  "take \"" + intent.take_id() + "\" is still recording");
  }
  return std::nullopt;
}

verdict decide_unpick_take(const v1::SessionState& state, const v1::UnpickTake& intent) {
  if (find_song(state, intent.song_id()) < 0) {
    return not_found("song", intent.song_id());
  }
  return std::nullopt;
}

void apply_add_song(v1::SessionState& state, const v1::Event& event, const v1::AddSong& intent) {
  auto& songs = *state.mutable_songs();
  auto& song = *songs.Add();
  song.set_id(make_id("s", event.version()));
  song.set_title(intent.title());
  const int last = songs.size() - 1;
  const int index = intent.index() < 0 || intent.index() > last ? last : intent.index();
  move_element(songs, last, index);
}

void apply_rename_song(v1::SessionState& state, const v1::RenameSong& intent) {
  const int song = find_song(state, intent.song_id());
  if (song >= 0) {
    state.mutable_songs(song)->set_title(intent.title());
  }
}

void apply_remove_song(v1::SessionState& state, const v1::RemoveSong& intent) {
  const int song = find_song(state, intent.song_id());
  if (song < 0) {
    return;
  }
  const std::string& id = intent.song_id();
  // A set, so that clearing a song with thousands of commented takes stays
  // linear in comments + takes.
  std::unordered_set<std::string_view> takes;
  for (const auto& take : state.takes()) {
    if (take.song_id() == id) {
      takes.insert(take.id());
    }
  }
  if (!takes.empty()) {
    erase_if(*state.mutable_comments(), [&takes](const v1::Comment& comment) {
      return comment.target_case() == v1::Comment::kTakeId && takes.contains(comment.take_id());
    });
    erase_if(*state.mutable_takes(), [&id](const v1::Take& take) { return take.song_id() == id; });
  }
  state.mutable_songs()->DeleteSubrange(song, 1);
  if (state.transport().current_song_id() == id) {
    state.mutable_transport()->clear_current_song_id();
  }
}

void apply_move_song(v1::SessionState& state, const v1::MoveSong& intent) {
  const int song = find_song(state, intent.song_id());
  if (song < 0) {
    return;
  }
  const int last = state.songs_size() - 1;
  const int index = intent.index() < 0 ? 0 : (intent.index() > last ? last : intent.index());
  move_element(*state.mutable_songs(), song, index);
}

void apply_pick_take(v1::SessionState& state, const v1::PickTake& intent) {
  const int take = find_take(state, intent.take_id());
  if (take < 0) {
    return;
  }
  const int song = find_song(state, state.takes(take).song_id());
  if (song >= 0) {
    state.mutable_songs(song)->set_picked_take_id(intent.take_id());
  }
}

void apply_unpick_take(v1::SessionState& state, const v1::UnpickTake& intent) {
  const int song = find_song(state, intent.song_id());
  if (song >= 0) {
    state.mutable_songs(song)->clear_picked_take_id();
  }
}

}  // namespace controlroom::state::reducer_detail
