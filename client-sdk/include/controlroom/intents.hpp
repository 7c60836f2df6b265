#pragma once

/// @file
/// Intents: the changes a client asks the server to make to the session
/// state, one plain struct per kind, and `intent`, the variant of them all,
/// which client::submit() takes.
///
/// The server checks the sender's roles and the values, applies the change,
/// and broadcasts the resulting event (docs/protocol.md §6.2 lists who may do
/// what, the limits, and the exact effect). The server may fill in defaults
/// (the index a song went to, a marker's colour): the replica follows the
/// event, not the intent.
///
/// Numbers default to zero and texts to empty, never to a plausible guess: a
/// forgotten tempo is refused by the server rather than silently sent as 120.
/// Positions are samples at 48 kHz on the session timeline; ids are the
/// server's ("s3", "tk12", "m42", ...), taken from client::state().

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "controlroom/session_state.hpp"

namespace controlroom {

// ---- Songs and setlist (producer) -------------------------------------------

/// Adds a song to the setlist.
struct add_song {
  std::string title;         ///< 1..200 bytes
  std::optional<int> index;  ///< position in the setlist; unset, < 0 or past the end: append
};

/// Renames a song.
struct rename_song {
  std::string song_id;  ///< the song
  std::string title;    ///< 1..200 bytes
};

/// Removes a song, its takes and their comments.
struct remove_song {
  std::string song_id;  ///< the song; none of its takes may be recording
};

/// Moves a song within the setlist; the songs in between shift by one.
struct move_song {
  std::string song_id;  ///< the song
  int index = 0;        ///< the new position, clamped to the setlist
};

/// Makes a take the one of its song that makes the record.
struct pick_take {
  std::string take_id;  ///< a take that is not recording
};

/// Clears a song's picked take.
struct unpick_take {
  std::string song_id;  ///< the song
};

// ---- Transport (engineer; producer too while producer_may_drive) ----------

/// Starts playing from a position.
struct play {
  std::int64_t position_samples = 0;  ///< from the engineer's playhead, >= 0
};

/// Stops (and ends a take being recorded) at a position.
struct stop {
  std::int64_t position_samples = 0;  ///< >= 0; while recording, >= the take's start
};

/// Moves the playhead without changing the mode; not while recording.
struct locate {
  std::int64_t position_samples = 0;  ///< >= 0
};

/// Sets the tempo.
struct set_tempo {
  double bpm = 0;  ///< finite, 20..400
};

/// Sets the time signature.
struct set_meter {
  std::uint32_t beats_per_bar = 0;  ///< 1..64
  std::uint32_t beat_unit = 0;      ///< 1, 2, 4, 8, 16 or 32
};

/// Sets the loop region.
struct set_loop {
  bool enabled = false;            ///< loop or not
  std::int64_t start_samples = 0;  ///< >= 0
  std::int64_t end_samples = 0;    ///< > start_samples when enabled
};

/// Selects the song to play or record; not while recording.
struct select_song {
  std::string song_id;  ///< empty: none
};

/// Engineer only: lets producers drive the transport (not recording).
struct grant_transport {
  bool producer_may_drive = false;  ///< granted or revoked
};

// ---- Recording (engineer) -----------------------------------------------------

/// Starts a new take of the current song at a position.
struct record {
  std::int64_t position_samples = 0;  ///< >= 0
};

// ---- Tracks (engineer) -------------------------------------------------------

/// Adds a track (not armed, muted or soloed).
struct add_track {
  std::string name;         ///< 1..100 bytes
  std::string input_label;  ///< up to 200 bytes
};

/// Changes the fields of a track that are set; unset ones stay as they are.
struct update_track {
  std::string track_id;                    ///< the track
  std::optional<std::string> name;         ///< 1..100 bytes
  std::optional<bool> armed;               ///< arm or disarm
  std::optional<bool> muted;               ///< mute or unmute
  std::optional<bool> soloed;              ///< solo or unsolo
  std::optional<std::string> input_label;  ///< up to 200 bytes
};

/// Removes a track.
struct remove_track {
  std::string track_id;  ///< the track
};

// ---- Takes (producer) --------------------------------------------------------

/// Rates a take.
struct rate_take {
  std::string take_id;       ///< the take
  std::uint32_t rating = 0;  ///< 0 (unrated) .. 5
};

/// Circles a take as a keeper, or uncircles it.
struct circle_take {
  std::string take_id;   ///< the take
  bool circled = false;  ///< circled or not
};

/// Replaces a take's notes.
struct set_take_notes {
  std::string take_id;  ///< the take
  std::string notes;    ///< up to 4000 bytes
};

// ---- Markers (producer) -----------------------------------------------------

/// Places a marker at the position the producer heard.
struct add_marker {
  std::int64_t position_samples = 0;  ///< >= 0
  std::string label;                  ///< up to 200 bytes
  std::string color;                  ///< "#rrggbb"; empty: "#ffcc00"
};

/// Changes the fields of a marker that are set.
struct update_marker {
  std::string marker_id;                         ///< the marker
  std::optional<std::int64_t> position_samples;  ///< >= 0
  std::optional<std::string> label;              ///< up to 200 bytes
  std::optional<std::string> color;              ///< "#rrggbb"; empty: "#ffcc00"
};

/// Removes a marker and its comments.
struct remove_marker {
  std::string marker_id;  ///< the marker
};

// ---- Comments (producer, artist) ----------------------------------------------

/// Comments on a marker or on a take: set exactly one of marker_id and take_id.
struct add_comment {
  std::string marker_id;  ///< the marker commented on, or empty
  std::string take_id;    ///< the take commented on, or empty
  std::string text;       ///< 1..4000 bytes
};

/// Removes one of the sender's own comments.
struct remove_comment {
  std::string comment_id;  ///< the comment
};

// ---- Talkback (engineer, producer, artist) ----------------------------------------------

/// Opens (or retargets) the sender's talkback channel.
struct start_talkback {
  /// engineer_private: producers only; producer_private: engineers only
  talkback_target target = talkback_target::everyone;
  bool latched = false;  ///< latched: on until stopped; momentary: while held
};

/// Closes a talkback channel.
struct stop_talkback {
  std::string user_id;  ///< empty: the sender's own; someone else's: engineers only
};

// ---- Schedule (engineer or producer) ------------------------------------------

/// Sets when the session is planned to start.
struct set_planned_start {
  std::int64_t planned_start_unix_ms = 0;  ///< >= 0; 0: unscheduled
};

/// Any one change to the session state.
using intent =
    std::variant<add_song, rename_song, remove_song, move_song, pick_take, unpick_take, play, stop,
                 locate, set_tempo, set_meter, set_loop, select_song, grant_transport, record,
                 add_track, update_track, remove_track, rate_take, circle_take, set_take_notes,
                 add_marker, update_marker, remove_marker, add_comment, remove_comment,
                 start_talkback, stop_talkback, set_planned_start>;

}  // namespace controlroom
