#pragma once

// The permission table of docs/protocol.md §6.2 for
// authorization_matrix_test.cpp: the columns (one actor per role), the
// fixtures a director builds for a row, and one row per intent, copied from
// the document rather than derived from the server's code.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "controlroom/v1/control.pb.h"
#include "raw_clients.hpp"
#include "util/crypto.hpp"

namespace controlroom::testing::authorization {

namespace v1 = ::controlroom::v1;

// The columns of the tables: one participant per role, each a member with
// that role only, plus a producer while the engineer grants the transport
// ("P*" in §6.2).
enum actor { engineer, producer, producer_driving, artist, listener, actor_count };
constexpr std::array<const char*, actor_count> actor_names = {
    "engineer", "producer", "producer (transport granted)", "artist", "listener"};
constexpr bool Y = true;
constexpr bool n = false;
using row = std::array<bool, actor_count>;

// ---- Fixtures the director builds (ids are "<prefix><version>", §6.3) -----

inline v1::Intent intent_of(const std::function<void(v1::Intent&)>& fill) {
  v1::Intent i;
  fill(i);
  return i;
}

struct stage {
  std::function<std::uint64_t(const v1::Intent&)> direct;

  std::string song() {
    return "s" + std::to_string(
                     direct(intent_of([](auto& i) { i.mutable_add_song()->set_title("Song"); })));
  }
  std::string marker() {
    return "m" + std::to_string(direct(intent_of([](auto& i) {
             i.mutable_add_marker()->set_position_samples(48'000);
             i.mutable_add_marker()->set_label("here");
           })));
  }
  std::string track() {
    return "tr" + std::to_string(
                      direct(intent_of([](auto& i) { i.mutable_add_track()->set_name("Kick"); })));
  }
  // A song selected, nothing recording.
  std::string selected_song() {
    auto id = song();
    direct(intent_of([&](auto& i) { i.mutable_select_song()->set_song_id(id); }));
    return id;
  }
  void stop() {
    direct(intent_of([](auto& i) { i.mutable_stop()->set_position_samples(96'000); }));
  }
  std::string take() {
    selected_song();
    const auto v = direct(intent_of([](auto& i) { i.mutable_record()->set_position_samples(0); }));
    stop();
    return "tk" + std::to_string(v);
  }
};

inline v1::Intent talkback(v1::TalkbackTarget target) {
  return intent_of([target](auto& i) { i.mutable_start_talkback()->set_target(target); });
}

// One row of §6.2's table. `prepare` builds what the intent refers to and
// returns it; `after` puts the session back (a recording stopped, a channel
// closed) so that the next case starts from the same kind of state.
struct intent_case {
  const char* name;
  row allowed;  // engineer, producer, producer (transport granted), artist, listener
  std::function<v1::Intent(stage&, raw_ws& actor, int who)> prepare;
  std::function<void(stage&, raw_ws& actor, bool accepted)> after = {};
};

// The permission table of docs/protocol.md §6.2, one line per intent (and
// per talkback target), with P* spelled out as its own column.
inline std::vector<intent_case> permission_table(
    const std::string& director_user_id, const std::function<std::string(raw_ws&)>& own_comment,
    const std::function<bool(raw_ws&)>& start_own_talkback) {
  using I = v1::Intent;
  const auto simple = [](std::function<void(I&)> fill) {
    return [fill](stage&, raw_ws&, int) { return intent_of(fill); };
  };
  const auto stop_own_talkback = [](stage&, raw_ws& ws, bool accepted) {
    if (accepted) {
      v1::ClientEnvelope env;
      env.mutable_submit_intent()->set_operation_id("undo-" + server::random_uuid());
      env.mutable_submit_intent()->mutable_intent()->mutable_stop_talkback();
      ws.request(env);
    }
  };
  //                                           E  P  P* A  L
  return {
      {"AddSong", {n, Y, Y, n, n}, simple([](I& i) { i.mutable_add_song()->set_title("New"); })},
      {"RenameSong",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.song();
         return intent_of([&](I& i) {
           i.mutable_rename_song()->set_song_id(id);
           i.mutable_rename_song()->set_title("Renamed");
         });
       }},
      {"RemoveSong",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.song();
         return intent_of([&](I& i) { i.mutable_remove_song()->set_song_id(id); });
       }},
      {"MoveSong",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.song();
         return intent_of([&](I& i) {
           i.mutable_move_song()->set_song_id(id);
           i.mutable_move_song()->set_index(0);
         });
       }},
      {"PickTake",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.take();
         return intent_of([&](I& i) { i.mutable_pick_take()->set_take_id(id); });
       }},
      {"UnpickTake",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.song();
         return intent_of([&](I& i) { i.mutable_unpick_take()->set_song_id(id); });
       }},
      {"RateTake",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.take();
         return intent_of([&](I& i) {
           i.mutable_rate_take()->set_take_id(id);
           i.mutable_rate_take()->set_rating(4);
         });
       }},
      {"CircleTake",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.take();
         return intent_of([&](I& i) {
           i.mutable_circle_take()->set_take_id(id);
           i.mutable_circle_take()->set_circled(true);
         });
       }},
      {"SetTakeNotes",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.take();
         return intent_of([&](I& i) {
           i.mutable_set_take_notes()->set_take_id(id);
           i.mutable_set_take_notes()->set_notes("sharp");
         });
       }},
      {"AddMarker", {n, Y, Y, n, n}, simple([](I& i) {
         i.mutable_add_marker()->set_position_samples(1);
       })},
      {"UpdateMarker",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.marker();
         return intent_of([&](I& i) {
           i.mutable_update_marker()->set_marker_id(id);
           i.mutable_update_marker()->set_label("moved");
         });
       }},
      {"RemoveMarker",
       {n, Y, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.marker();
         return intent_of([&](I& i) { i.mutable_remove_marker()->set_marker_id(id); });
       }},
      {"Play", {Y, n, Y, n, n}, simple([](I& i) { i.mutable_play()->set_position_samples(0); })},
      {"Stop", {Y, n, Y, n, n}, simple([](I& i) { i.mutable_stop()->set_position_samples(0); })},
      {"Locate", {Y, n, Y, n, n}, simple([](I& i) {
         i.mutable_locate()->set_position_samples(480);
       })},
      {"SetTempo", {Y, n, Y, n, n}, simple([](I& i) { i.mutable_set_tempo()->set_bpm(96); })},
      {"SetMeter", {Y, n, Y, n, n}, simple([](I& i) {
         i.mutable_set_meter()->mutable_meter()->set_beats_per_bar(3);
         i.mutable_set_meter()->mutable_meter()->set_beat_unit(4);
       })},
      {"SetLoop", {Y, n, Y, n, n}, simple([](I& i) {
         auto* loop = i.mutable_set_loop()->mutable_loop();
         loop->set_enabled(true);
         loop->set_start_samples(0);
         loop->set_end_samples(48'000);
       })},
      {"SelectSong",
       {Y, n, Y, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.song();
         return intent_of([&](I& i) { i.mutable_select_song()->set_song_id(id); });
       }},
      // Granting false keeps the producer's column meaningful.
      {"GrantTransport", {Y, n, n, n, n}, simple([](I& i) {
         i.mutable_grant_transport()->set_producer_may_drive(false);
       })},
      {"Record",
       {Y, n, n, n, n},
       [](stage& s, raw_ws&, int) {
         s.selected_song();
         return intent_of([](I& i) { i.mutable_record()->set_position_samples(0); });
       },
       [](stage& s, raw_ws&, bool accepted) {
         if (accepted) {
           s.stop();
         }
       }},
      {"AddTrack", {Y, n, n, n, n}, simple([](I& i) { i.mutable_add_track()->set_name("Snare"); })},
      {"UpdateTrack",
       {Y, n, n, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.track();
         return intent_of([&](I& i) {
           i.mutable_update_track()->set_track_id(id);
           i.mutable_update_track()->set_armed(true);
         });
       }},
      {"RemoveTrack",
       {Y, n, n, n, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.track();
         return intent_of([&](I& i) { i.mutable_remove_track()->set_track_id(id); });
       }},
      {"AddComment",
       {n, Y, Y, Y, n},
       [](stage& s, raw_ws&, int) {
         const auto id = s.marker();
         return intent_of([&](I& i) {
           i.mutable_add_comment()->set_marker_id(id);
           i.mutable_add_comment()->set_text("nice");
         });
       }},
      // Own comments only: a commenter removes its own, the others try the
      // director's.
      {"RemoveComment (own)",
       {n, Y, Y, Y, n},
       [own_comment](stage&, raw_ws& ws, int) {
         const auto id = own_comment(ws);
         return intent_of([&](I& i) { i.mutable_remove_comment()->set_comment_id(id); });
       }},
      {"StartTalkback EVERYONE",
       {Y, Y, Y, Y, n},
       [](stage&, raw_ws&, int) { return talkback(v1::TALKBACK_TARGET_EVERYONE); },
       stop_own_talkback},
      {"StartTalkback ARTIST",
       {Y, Y, Y, Y, n},
       [](stage&, raw_ws&, int) { return talkback(v1::TALKBACK_TARGET_ARTIST); },
       stop_own_talkback},
      {"StartTalkback ENGINEER",
       {Y, Y, Y, Y, n},
       [](stage&, raw_ws&, int) { return talkback(v1::TALKBACK_TARGET_ENGINEER); },
       stop_own_talkback},
      {"StartTalkback ENGINEER_PRIVATE",
       {n, Y, Y, n, n},
       [](stage&, raw_ws&, int) { return talkback(v1::TALKBACK_TARGET_ENGINEER_PRIVATE); },
       stop_own_talkback},
      {"StartTalkback PRODUCER_PRIVATE",
       {Y, n, n, n, n},
       [](stage&, raw_ws&, int) { return talkback(v1::TALKBACK_TARGET_PRODUCER_PRIVATE); },
       stop_own_talkback},
      {"StopTalkback (own channel)",
       {Y, Y, Y, Y, n},
       [start_own_talkback](stage&, raw_ws& ws, int) {
         start_own_talkback(ws);
         return intent_of([](I& i) { i.mutable_stop_talkback(); });
       }},
      {"StopTalkback (someone else's)",
       {Y, n, n, n, n},
       [director_user_id](stage& s, raw_ws&, int) {
         s.direct(talkback(v1::TALKBACK_TARGET_EVERYONE));
         return intent_of([&](I& i) { i.mutable_stop_talkback()->set_user_id(director_user_id); });
       },
       [](stage& s, raw_ws&, bool accepted) {
         if (!accepted) {
           s.direct(intent_of([](I& i) { i.mutable_stop_talkback(); }));
         }
       }},
      {"SetPlannedStart", {Y, Y, Y, n, n}, simple([](I& i) {
         i.mutable_set_planned_start()->set_planned_start_unix_ms(1);
       })},
      // The server's own report (§7.4); no client may send it.
      {"TakeFileRecorded", {n, n, n, n, n}, simple([](I& i) {
         i.mutable_take_file_recorded()->set_take_id("tk1");
       })},
  };
}

}  // namespace controlroom::testing::authorization
