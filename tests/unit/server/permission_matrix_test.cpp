// The whole permission table: every intent kind (read from the Intent
// descriptor, so a new intent without an expectation here fails) by every
// role, with and without transport granted to producers; role unions; the
// server; and decide() refusing with FORBIDDEN exactly where permitted()
// says no.

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;
using change_case = v1::Intent::ChangeCase;

struct expectation {
  bool engineer;
  bool producer;          // while transport is not granted
  bool producer_driving;  // while the engineer grants transport to producers
  bool artist;
  bool listener;
};

constexpr bool yes = true;
constexpr bool no = false;

// clang-format off
const std::map<change_case, expectation> expected_table = {
  //                                  engineer producer driving artist listener
  {v1::Intent::kAddSong,             {no,      yes,     yes,    no,    no}},
  {v1::Intent::kRenameSong,          {no,      yes,     yes,    no,    no}},
  {v1::Intent::kRemoveSong,          {no,      yes,     yes,    no,    no}},
  {v1::Intent::kMoveSong,            {no,      yes,     yes,    no,    no}},
  {v1::Intent::kPickTake,            {no,      yes,     yes,    no,    no}},
  {v1::Intent::kUnpickTake,          {no,      yes,     yes,    no,    no}},
  {v1::Intent::kPlay,                {yes,     no,      yes,    no,    no}},
  {v1::Intent::kStop,                {yes,     no,      yes,    no,    no}},
  {v1::Intent::kLocate,              {yes,     no,      yes,    no,    no}},
  {v1::Intent::kSetTempo,            {yes,     no,      yes,    no,    no}},
  {v1::Intent::kSetMeter,            {yes,     no,      yes,    no,    no}},
  {v1::Intent::kSetLoop,             {yes,     no,      yes,    no,    no}},
  {v1::Intent::kSelectSong,          {yes,     no,      yes,    no,    no}},
  {v1::Intent::kGrantTransport,      {yes,     no,      no,     no,    no}},
  {v1::Intent::kRecord,              {yes,     no,      no,     no,    no}},
  {v1::Intent::kAddTrack,            {yes,     no,      no,     no,    no}},
  {v1::Intent::kUpdateTrack,         {yes,     no,      no,     no,    no}},
  {v1::Intent::kRemoveTrack,         {yes,     no,      no,     no,    no}},
  {v1::Intent::kRateTake,            {no,      yes,     yes,    no,    no}},
  {v1::Intent::kCircleTake,          {no,      yes,     yes,    no,    no}},
  {v1::Intent::kSetTakeNotes,        {no,      yes,     yes,    no,    no}},
  {v1::Intent::kAddMarker,           {no,      yes,     yes,    no,    no}},
  {v1::Intent::kUpdateMarker,        {no,      yes,     yes,    no,    no}},
  {v1::Intent::kRemoveMarker,        {no,      yes,     yes,    no,    no}},
  {v1::Intent::kAddComment,          {no,      yes,     yes,    yes,   no}},
  {v1::Intent::kRemoveComment,       {no,      yes,     yes,    yes,   no}},
  {v1::Intent::kStartTalkback,       {yes,     yes,     yes,    yes,   no}},
  {v1::Intent::kStopTalkback,        {yes,     yes,     yes,    yes,   no}},
  {v1::Intent::kSetPlannedStart,     {yes,     yes,     yes,    no,    no}},
  {v1::Intent::kTakeFileRecorded,    {no,      no,      no,     no,    no}},
};
// clang-format on

std::vector<change_case> all_changes() {
  std::vector<change_case> out;
  const auto* oneof = v1::Intent::descriptor()->FindOneofByName("change");
  out.reserve(static_cast<std::size_t>(oneof->field_count()));
  for (int i = 0; i < oneof->field_count(); ++i) {
    out.push_back(static_cast<change_case>(oneof->field(i)->number()));
  }
  return out;
}

std::string name_of(change_case change) {
  return v1::Intent::descriptor()->FindFieldByNumber(static_cast<int>(change))->name();
}

bool expected_for(const expectation& e, role r, bool driving) {
  switch (r) {
    case role::engineer:
      return e.engineer;
    case role::producer:
      return driving ? e.producer_driving : e.producer;
    case role::artist:
      return e.artist;
    case role::listener:
      return e.listener;
  }
  return false;
}

v1::SessionState state_with_transport_granted(bool driving) {
  v1::SessionState state;
  state.mutable_transport()->set_producer_may_drive(driving);
  return state;
}

std::vector<role_set> all_role_sets() {
  std::vector<role_set> out;
  for (unsigned bits = 0; bits < 16; ++bits) {
    role_set roles;
    for (unsigned i = 0; i < 4; ++i) {
      if ((bits & (1u << i)) != 0) {
        roles.add(all_roles[i]);
      }
    }
    out.push_back(roles);
  }
  return out;
}

TEST(permission_matrix, every_intent_has_an_expectation_and_no_more) {
  const auto changes = all_changes();
  for (const auto change : changes) {
    EXPECT_TRUE(expected_table.contains(change))
        << name_of(change) << " is not in the expected permission table";
  }
  EXPECT_EQ(expected_table.size(), changes.size());
}

TEST(permission_matrix, single_roles) {
  for (const auto change : all_changes()) {
    const auto row = expected_table.find(change);
    if (row == expected_table.end()) {
      continue;  // reported above
    }
    for (const bool driving : {false, true}) {
      const auto state = state_with_transport_granted(driving);
      for (const auto r : all_roles) {
        EXPECT_EQ(permitted(state, change, role_set{r}), expected_for(row->second, r, driving))
            << name_of(change) << " by " << to_string(r) << (driving ? " (driving)" : "");
      }
    }
  }
}

TEST(permission_matrix, several_roles_get_the_union) {
  for (const auto change : all_changes()) {
    for (const bool driving : {false, true}) {
      const auto state = state_with_transport_granted(driving);
      for (const auto roles : all_role_sets()) {
        bool any = false;
        for (const auto r : roles.list()) {
          any = any || permitted(state, change, role_set{r});
        }
        EXPECT_EQ(permitted(state, change, roles), any)
            << name_of(change) << " by " << roles.to_pg_array() << (driving ? " (driving)" : "");
      }
    }
  }
}

TEST(permission_matrix, examples_of_unions) {
  const auto stopped = state_with_transport_granted(false);
  const role_set producing_artist{role::producer, role::artist};
  EXPECT_TRUE(permitted(stopped, v1::Intent::kAddMarker, producing_artist));
  EXPECT_TRUE(permitted(stopped, v1::Intent::kStartTalkback, producing_artist));
  EXPECT_FALSE(permitted(stopped, v1::Intent::kPlay, producing_artist));
  const role_set one_person_studio{role::engineer, role::producer};
  EXPECT_TRUE(permitted(stopped, v1::Intent::kRecord, one_person_studio));
  EXPECT_TRUE(permitted(stopped, v1::Intent::kPickTake, one_person_studio));
  EXPECT_TRUE(permitted(stopped, v1::Intent::kPlay, one_person_studio));
  const role_set listening_artist{role::artist, role::listener};
  EXPECT_TRUE(permitted(stopped, v1::Intent::kAddComment, listening_artist));
  EXPECT_FALSE(permitted(stopped, v1::Intent::kRateTake, listening_artist));
  EXPECT_FALSE(permitted(stopped, v1::Intent::kAddSong, role_set{}));
  EXPECT_FALSE(permitted(stopped, v1::Intent::CHANGE_NOT_SET, one_person_studio));
}

// A session in which one valid intent of every kind is accepted when the
// sender may send it: `user` has a comment (c12) and an open talkback
// channel; the artist talks too; track tr15 exists.
studio fixture_for(const std::string& user, bool driving) {
  auto s = recorded_studio();
  const actor same_user_as_producer{user, {role::producer}};
  s.accept(R"pb(add_comment { marker_id: "m9" text: "mine" })pb", same_user_as_producer);
  if (!user.empty()) {
    s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST })pb", same_user_as_producer);
  } else {
    s.accept(R"pb(set_tempo { bpm: 100 })pb", engineer);
  }
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", artist);
  s.accept(R"pb(add_track { name: "Kick" })pb", engineer);
  s.accept(std::string(R"pb(grant_transport { producer_may_drive:)pb") +
               std::string(driving ? "true" : "false") + " }",
           engineer);
  return s;
}

v1::Intent valid_intent(change_case change, const actor& who) {
  switch (change) {
    case v1::Intent::kAddSong:
      return intent(R"pb(add_song { title: "New" })pb");
    case v1::Intent::kRenameSong:
      return intent(R"pb(rename_song { song_id: "s2" title: "Renamed" })pb");
    case v1::Intent::kRemoveSong:
      return intent(R"pb(remove_song { song_id: "s3" })pb");
    case v1::Intent::kMoveSong:
      return intent(R"pb(move_song { song_id: "s3" index: 0 })pb");
    case v1::Intent::kPickTake:
      return intent(R"pb(pick_take { take_id: "tk5" })pb");
    case v1::Intent::kUnpickTake:
      return intent(R"pb(unpick_take { song_id: "s1" })pb");
    case v1::Intent::kPlay:
      return intent(R"pb(play { position_samples: 10 })pb");
    case v1::Intent::kStop:
      return intent(R"pb(stop { position_samples: 10 })pb");
    case v1::Intent::kLocate:
      return intent(R"pb(locate { position_samples: 10 })pb");
    case v1::Intent::kSetTempo:
      return intent(R"pb(set_tempo { bpm: 140 })pb");
    case v1::Intent::kSetMeter:
      return intent(R"pb(set_meter { meter { beats_per_bar: 3 beat_unit: 4 } })pb");
    case v1::Intent::kSetLoop:
      return intent(R"pb(set_loop { loop { enabled: true start_samples: 0 end_samples: 9 } })pb");
    case v1::Intent::kSelectSong:
      return intent(R"pb(select_song { song_id: "s2" })pb");
    case v1::Intent::kGrantTransport:
      return intent(R"pb(grant_transport { producer_may_drive: true })pb");
    case v1::Intent::kRecord:
      return intent(R"pb(record { position_samples: 10 })pb");
    case v1::Intent::kAddTrack:
      return intent(R"pb(add_track { name: "Snare" })pb");
    case v1::Intent::kUpdateTrack:
      return intent(R"pb(update_track { track_id: "tr15" muted: true })pb");
    case v1::Intent::kRemoveTrack:
      return intent(R"pb(remove_track { track_id: "tr15" })pb");
    case v1::Intent::kRateTake:
      return intent(R"pb(rate_take { take_id: "tk5" rating: 4 })pb");
    case v1::Intent::kCircleTake:
      return intent(R"pb(circle_take { take_id: "tk5" circled: true })pb");
    case v1::Intent::kSetTakeNotes:
      return intent(R"pb(set_take_notes { take_id: "tk5" notes: "n" })pb");
    case v1::Intent::kAddMarker:
      return intent(R"pb(add_marker { position_samples: 10 })pb");
    case v1::Intent::kUpdateMarker:
      return intent(R"pb(update_marker { marker_id: "m9" label: "l" })pb");
    case v1::Intent::kRemoveMarker:
      return intent(R"pb(remove_marker { marker_id: "m9" })pb");
    case v1::Intent::kAddComment:
      return intent(R"pb(add_comment { take_id: "tk7" text: "t" })pb");
    case v1::Intent::kRemoveComment:
      return intent(R"pb(remove_comment { comment_id: "c12" })pb");
    case v1::Intent::kStartTalkback:
      return intent(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb");
    case v1::Intent::kStopTalkback:
      // The server has no channel of its own; it cuts the artist's.
      return who.is_server() ? intent(R"pb(stop_talkback { user_id: "art" })pb")
                             : intent(R"pb(stop_talkback {})pb");
    case v1::Intent::kSetPlannedStart:
      return intent(R"pb(set_planned_start { planned_start_unix_ms: 1 })pb");
    case v1::Intent::kTakeFileRecorded:
      return intent(R"pb(take_file_recorded {
                           take_id: "tk5"
                           file { id: "f1" stream: "program" }
                         })pb");
    case v1::Intent::CHANGE_NOT_SET:
      break;
  }
  ADD_FAILURE() << "no valid intent for " << name_of(change);
  return {};
}

TEST(permission_matrix, decide_forbids_exactly_what_permitted_refuses) {
  for (const bool driving : {false, true}) {
    for (const auto roles : all_role_sets()) {
      const actor who{"u", roles};
      const auto s = fixture_for(who.user_id, driving);
      for (const auto change : all_changes()) {
        const auto outcome = decide(s.state, valid_intent(change, who), who, "op", start_ms);
        const auto* refused = std::get_if<rejection>(&outcome);
        const auto where = name_of(change) + " by " + roles.to_pg_array() +
                           (driving ? " (driving)" : "") +
                           (refused != nullptr ? ": " + refused->message : "");
        if (permitted(s.state, change, roles)) {
          EXPECT_EQ(refused, nullptr) << where;
        } else {
          ASSERT_NE(refused, nullptr) << where;
          EXPECT_EQ(refused->code, v1::ERROR_CODE_FORBIDDEN) << where;
        }
      }
    }
  }
}

TEST(permission_matrix, the_server_is_never_forbidden) {
  for (const bool driving : {false, true}) {
    const auto s = fixture_for(server_actor.user_id, driving);
    for (const auto change : all_changes()) {
      const auto outcome =
          decide(s.state, valid_intent(change, server_actor), server_actor, "server:x", start_ms);
      const auto* refused = std::get_if<rejection>(&outcome);
      if (change == v1::Intent::kStartTalkback) {
        // Allowed, but the server has no voice to open a channel for.
        ASSERT_NE(refused, nullptr);
        EXPECT_EQ(refused->code, v1::ERROR_CODE_FAILED_PRECONDITION);
      } else {
        EXPECT_EQ(refused, nullptr) << name_of(change) << ": " << refused->message;
      }
    }
  }
}

}  // namespace
}  // namespace controlroom::server
