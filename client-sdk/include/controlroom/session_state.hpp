#pragma once

/// @file
/// The session's shared state as plain values: what client::state() returns.
///
/// These types mirror `controlroom.v1.SessionState` field for field (see
/// proto/controlroom/v1/state.proto and docs/protocol.md §6 for what each
/// field means and how events change it). Like protobuf, every field defaults
/// to zero or empty, so a default-constructed session_state is the state of
/// nothing at version 0. Regular values: copyable, comparable, no hidden
/// sharing, no thread affinity.
///
/// Positions are samples at 48 kHz on the session timeline. Ids of objects
/// are assigned by the server from the version of the event that created them
/// ("m42" is the marker event 42 added).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controlroom/types.hpp"

namespace controlroom {

/// What the transport is doing. A value outside the enumerators comes from a
/// newer server and should be treated as "some mode this SDK does not know".
enum class transport_mode {
  stopped = 0,    ///< at rest at transport_state::position_samples
  playing = 1,    ///< playing from position_samples onwards
  recording = 2,  ///< recording transport_state::recording_take_id
};

/// "stopped", "playing", "recording"; "unknown" otherwise. Thread-safe.
std::string_view to_string(transport_mode m) noexcept;

/// A time signature.
struct meter {
  std::uint32_t beats_per_bar = 0;  ///< 1..64 (0 only in a default-constructed value)
  std::uint32_t beat_unit = 0;      ///< 1, 2, 4, 8, 16 or 32
  friend bool operator==(const meter&, const meter&) = default;
};

/// The loop region of the transport.
struct loop_range {
  bool enabled = false;            ///< the transport loops between start and end
  std::int64_t start_samples = 0;  ///< loop start
  std::int64_t end_samples = 0;    ///< loop end; > start_samples when enabled
  friend bool operator==(const loop_range&, const loop_range&) = default;
};

/// The transport as of the last transport event. While playing or recording
/// the live playhead runs ahead of position_samples in real time.
struct transport_state {
  transport_mode mode = transport_mode::stopped;  ///< what the transport does
  std::int64_t position_samples = 0;              ///< the playhead at the last transport event
  double tempo_bpm = 0;                           ///< 20..400 in any served session
  controlroom::meter meter;                       ///< the time signature
  loop_range loop;                                ///< the loop region
  std::string current_song_id;                    ///< the selected song; empty: none
  std::string recording_take_id;    ///< the take being recorded; empty unless recording
  bool producer_may_drive = false;  ///< an engineer lets producers drive the transport
  friend bool operator==(const transport_state&, const transport_state&) = default;
};

/// A song of the setlist.
struct song {
  std::string id;              ///< "s<version>"
  std::string title;           ///< 1..200 bytes
  std::string picked_take_id;  ///< the take that makes the record; empty: none yet
  friend bool operator==(const song&, const song&) = default;
};

/// A recording track of the engineer's rig.
struct track {
  std::string id;           ///< "tr<version>"
  std::string name;         ///< 1..100 bytes
  bool armed = false;       ///< armed for recording
  bool muted = false;       ///< muted
  bool soloed = false;      ///< soloed
  std::string input_label;  ///< the input it records from, as the engineer names it
  friend bool operator==(const track&, const track&) = default;
};

/// A take's recorded audio: one Ogg Opus file per program or cue stream
/// published while the take was recorded, written by the server from the
/// packets it relayed (docs/media-plane.md, "Healing"). It appears on its
/// take when the file closes (the take stops, or the stream ends), with the
/// event "take_file_recorded". Download it over HTTP:
/// GET /api/v1/take-files/{id}/audio (docs/protocol.md §8).
struct take_file {
  std::string id;       ///< UUID of the file
  std::string stream;   ///< "program" or "cue"
  std::string user_id;  ///< whose stream it recorded
  /// Samples per channel at 48 kHz, as the file decodes (after its pre-skip).
  std::uint64_t duration_samples = 0;
  /// Timeline position of the file's first decoded sample: the take's
  /// start_samples when the stream covered it. INT64_MIN
  /// (controlroom::no_timeline_position) for a stream without timeline
  /// positions.
  std::int64_t start_position = 0;
  /// Frames that arrived late or not at all, then were recovered bit-exact
  /// (from the next datagram's redundant copy, or resent on the server's
  /// request).
  std::uint32_t healed_gaps = 0;
  /// Frames never recovered: written as silence the decoder conceals.
  std::uint32_t unhealed_gaps = 0;
  /// false: the file was cut short (the server stopped mid-take, or the
  /// disk could not keep up).
  bool complete = false;
  friend bool operator==(const take_file&, const take_file&) = default;
};

/// One pass over a song while recording.
struct take {
  std::string id;                  ///< "tk<version>"
  std::string song_id;             ///< the song it is a take of
  std::uint32_t number = 0;        ///< 1, 2, 3 ... per song
  std::int64_t start_samples = 0;  ///< where recording started
  std::int64_t end_samples = 0;    ///< where it stopped; 0 while recording
  bool recording = false;          ///< true until the transport stops
  std::uint32_t rating = 0;        ///< 0 (unrated) .. 5
  bool circled = false;            ///< a keeper; several takes may be circled
  std::string notes;               ///< the producer's notes, up to 4000 bytes
  std::vector<take_file> files;    ///< its recorded audio, in the order the files closed
  friend bool operator==(const take&, const take&) = default;
};

/// A marker on the session timeline.
struct marker {
  std::string id;                     ///< "m<version>"
  std::int64_t position_samples = 0;  ///< the position its author *heard*
  std::string label;                  ///< up to 200 bytes
  std::string color;                  ///< "#rrggbb"
  std::string author_user_id;         ///< who placed it
  friend bool operator==(const marker&, const marker&) = default;
};

/// A comment on a marker or on a take: exactly one of marker_id and take_id
/// is set (non-empty).
struct comment {
  std::string id;                    ///< "c<version>"
  std::string marker_id;             ///< the marker it comments on, or empty
  std::string take_id;               ///< the take it comments on, or empty
  std::string author_user_id;        ///< who wrote it
  std::string text;                  ///< 1..4000 bytes
  std::int64_t created_unix_ms = 0;  ///< server time when it was accepted
  friend bool operator==(const comment&, const comment&) = default;
};

/// Where someone's talkback goes. A value outside the enumerators comes from
/// a newer server.
enum class talkback_target {
  everyone = 1,          ///< the whole room: artist and control room
  artist = 2,            ///< the artist's cue only
  engineer = 3,          ///< the control-room speakers: everyone but the artist
  engineer_private = 4,  ///< the engineer's headphones only (producers only)
  producer_private = 5,  ///< the producers only (engineers only): the private line back
};

/// "everyone", "artist", "engineer", "engineer_private", "producer_private";
/// "unknown" otherwise.
/// Thread-safe.
std::string_view to_string(talkback_target t) noexcept;

/// Someone talking into the room now: one channel per person.
struct talkback_channel {
  std::string user_id;                                 ///< who is talking
  talkback_target target = talkback_target::everyone;  ///< to whom
  bool latched = false;  ///< latched: on until stopped; momentary: while held
  friend bool operator==(const talkback_channel&, const talkback_channel&) = default;
};

/// A person invited to the session and the roles they may act with.
struct member {
  std::string user_id;      ///< UUID of the user
  std::vector<role> roles;  ///< roles this SDK knows; unknown ones are left out
  friend bool operator==(const member&, const member&) = default;
};

/// The whole shared state of one session at one version.
///
/// The lists keep the server's order: songs in setlist order, everything else
/// in creation order (removals keep the order of the rest).
struct session_state {
  std::string session_id;                  ///< UUID of the session
  std::uint64_t version = 0;               ///< the version of the last applied event
  std::string title;                       ///< the session's title
  std::vector<song> songs;                 ///< the setlist, in order
  transport_state transport;               ///< the transport
  std::vector<track> tracks;               ///< the engineer's tracks
  std::vector<take> takes;                 ///< every take of every song
  std::vector<marker> markers;             ///< the timeline's markers
  std::vector<comment> comments;           ///< comments on markers and takes
  std::vector<talkback_channel> talkback;  ///< who is talking now
  std::int64_t planned_start_unix_ms = 0;  ///< when the session is planned; 0: unscheduled
  std::vector<member> members;             ///< who is invited, sorted by user id

  /// The song, track, take, marker or comment with `id`, or nullptr. The
  /// pointer is valid until this object changes. O(n).
  const song* find_song(std::string_view id) const noexcept;
  const track* find_track(std::string_view id) const noexcept;      ///< see find_song
  const take* find_take(std::string_view id) const noexcept;        ///< see find_song
  const marker* find_marker(std::string_view id) const noexcept;    ///< see find_song
  const comment* find_comment(std::string_view id) const noexcept;  ///< see find_song

  friend bool operator==(const session_state&, const session_state&) = default;
};

/// What an applied change was: passed to client::on_state_changed().
struct event_info {
  /// The version the replica is at now (the event's version, or the
  /// snapshot's).
  std::uint64_t version = 0;
  /// The operation id its author chose (see client::submit()), or
  /// "server:..." for events the server originates; empty for a snapshot.
  std::string operation_id;
  /// Who submitted it; empty for server events and snapshots.
  std::string author_user_id;
  /// Server clock when it was accepted; 0 for a snapshot.
  std::int64_t at_unix_ms = 0;
  /// The kind of change: the intent's field name in state.proto
  /// ("add_marker", "rate_take", "play", ...), "take_file_recorded" for the
  /// server's report that a take's file closed (take::files), or "snapshot"
  /// when a snapshot replaced the whole replica.
  std::string kind;
  friend bool operator==(const event_info&, const event_info&) = default;
};

}  // namespace controlroom
