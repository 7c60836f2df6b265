#include "state_convert.hpp"

#include <limits>

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

// A state with every field set, in the form a server sends it.
constexpr const char* full_state = R"pb(
  session_id: "5e0c0000-0000-0000-0000-000000000001"
  version: 42
  title: "EP day 2"
  songs { id: "s1" title: "Intro" }
  songs { id: "s2" title: "Lighthouse" picked_take_id: "tk7" }
  transport {
    mode: TRANSPORT_MODE_RECORDING
    position_samples: 96000
    tempo_bpm: 92.5
    meter { beats_per_bar: 7 beat_unit: 8 }
    loop { enabled: true start_samples: 10 end_samples: 20 }
    current_song_id: "s2"
    recording_take_id: "tk9"
    producer_may_drive: true
  }
  tracks { id: "tr3" name: "Vox" armed: true muted: false soloed: true input_label: "In 1" }
  takes {
    id: "tk7"
    song_id: "s2"
    number: 1
    start_samples: 48000
    end_samples: 480000
    rating: 4
    circled: true
    notes: "keeper"
    files {
      id: "f0000000-0000-0000-0000-000000000001"
      stream: "program"
      user_id: "u-eng"
      duration_samples: 432000
      start_position: 48000
      healed_gaps: 12
      unhealed_gaps: 1
      complete: true
    }
    files { id: "f2" stream: "cue" user_id: "u-eng" start_position: -9223372036854775808 }
  }
  takes { id: "tk9" song_id: "s2" number: 2 start_samples: 96000 recording: true }
  markers {
    id: "m20"
    position_samples: 5292000
    label: "pitchy"
    color: "#ffcc00"
    author_user_id: "u-pia"
  }
  comments {
    id: "c21"
    marker_id: "m20"
    author_user_id: "u-pia"
    text: "lower key?"
    created_unix_ms: 1718000000000
  }
  comments { id: "c22" take_id: "tk7" author_user_id: "u-art" text: "felt good" }
  talkback { user_id: "u-pia" target: TALKBACK_TARGET_ENGINEER_PRIVATE latched: true }
  schedule {
    planned_start_unix_ms: 1900000000000
    members { user_id: "u-eng" roles: ROLE_ENGINEER }
    members {
      user_id: "u-pia"
      roles: [ ROLE_PRODUCER, ROLE_ARTIST ]
    }
  }
)pb";

v1::SessionState parsed(const std::string& text) {
  v1::SessionState out;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &out));
  return out;
}

TEST(state_convert, every_field_reaches_the_public_state) {
  const auto s = from_proto(parsed(full_state));
  EXPECT_EQ(s.session_id, "5e0c0000-0000-0000-0000-000000000001");
  EXPECT_EQ(s.version, 42u);
  EXPECT_EQ(s.title, "EP day 2");
  ASSERT_EQ(s.songs.size(), 2u);
  EXPECT_EQ(s.songs[0], (song{"s1", "Intro", ""}));
  EXPECT_EQ(s.songs[1], (song{"s2", "Lighthouse", "tk7"}));

  EXPECT_EQ(s.transport.mode, transport_mode::recording);
  EXPECT_EQ(s.transport.position_samples, 96000);
  EXPECT_EQ(s.transport.tempo_bpm, 92.5);
  EXPECT_EQ(s.transport.meter, (meter{7, 8}));
  EXPECT_EQ(s.transport.loop, (loop_range{true, 10, 20}));
  EXPECT_EQ(s.transport.current_song_id, "s2");
  EXPECT_EQ(s.transport.recording_take_id, "tk9");
  EXPECT_TRUE(s.transport.producer_may_drive);

  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_EQ(s.tracks[0], (track{"tr3", "Vox", true, false, true, "In 1"}));
  ASSERT_EQ(s.takes.size(), 2u);
  EXPECT_EQ(
      s.takes[0],
      (take{
          "tk7",
          "s2",
          1,
          48000,
          480000,
          false,
          4,
          true,
          "keeper",
          {{"f0000000-0000-0000-0000-000000000001", "program", "u-eng", 432000, 48000, 12, 1, true},
           {"f2", "cue", "u-eng", 0, std::numeric_limits<std::int64_t>::min(), 0, 0, false}}}));
  EXPECT_EQ(s.takes[1], (take{"tk9", "s2", 2, 96000, 0, true, 0, false, "", {}}));
  ASSERT_EQ(s.markers.size(), 1u);
  EXPECT_EQ(s.markers[0], (marker{"m20", 5292000, "pitchy", "#ffcc00", "u-pia"}));
  ASSERT_EQ(s.comments.size(), 2u);
  EXPECT_EQ(s.comments[0], (comment{"c21", "m20", "", "u-pia", "lower key?", 1718000000000}));
  EXPECT_EQ(s.comments[1], (comment{"c22", "", "tk7", "u-art", "felt good", 0}));
  ASSERT_EQ(s.talkback.size(), 1u);
  EXPECT_EQ(s.talkback[0], (talkback_channel{"u-pia", talkback_target::engineer_private, true}));
  EXPECT_EQ(s.planned_start_unix_ms, 1900000000000);
  ASSERT_EQ(s.members.size(), 2u);
  EXPECT_EQ(s.members[0], (member{"u-eng", {role::engineer}}));
  EXPECT_EQ(s.members[1], (member{"u-pia", {role::producer, role::artist}}));
}

TEST(state_convert, accessors_find_by_id) {
  const auto s = from_proto(parsed(full_state));
  ASSERT_NE(s.find_song("s2"), nullptr);
  EXPECT_EQ(s.find_song("s2")->title, "Lighthouse");
  EXPECT_EQ(s.find_track("tr3")->name, "Vox");
  EXPECT_EQ(s.find_take("tk9")->number, 2u);
  EXPECT_EQ(s.find_marker("m20")->label, "pitchy");
  EXPECT_EQ(s.find_comment("c22")->take_id, "tk7");
  EXPECT_EQ(s.find_song("s9"), nullptr);
  EXPECT_EQ(s.find_marker(""), nullptr);
}

TEST(state_convert, an_empty_state_is_the_default_value) {
  EXPECT_EQ(from_proto(v1::SessionState()), session_state{});
}

TEST(state_convert, values_from_a_newer_server_keep_their_number) {
  auto in = parsed(full_state);
  in.mutable_transport()->set_mode(static_cast<v1::TransportMode>(7));
  in.mutable_talkback(0)->set_target(static_cast<v1::TalkbackTarget>(9));
  in.mutable_schedule()->mutable_members(0)->add_roles(static_cast<v1::Role>(17));
  const auto s = from_proto(in);
  EXPECT_EQ(static_cast<int>(s.transport.mode), 7);
  EXPECT_EQ(to_string(s.transport.mode), "unknown");
  EXPECT_EQ(static_cast<int>(s.talkback[0].target), 9);
  EXPECT_EQ(to_string(s.talkback[0].target), "unknown");
  EXPECT_EQ(s.members[0].roles, std::vector<role>{role::engineer});
}

TEST(state_convert, enum_numbers_and_names_match_the_proto) {
  EXPECT_EQ(static_cast<int>(transport_mode::stopped), v1::TRANSPORT_MODE_STOPPED);
  EXPECT_EQ(static_cast<int>(transport_mode::playing), v1::TRANSPORT_MODE_PLAYING);
  EXPECT_EQ(static_cast<int>(transport_mode::recording), v1::TRANSPORT_MODE_RECORDING);
  EXPECT_EQ(v1::TransportMode_MAX, v1::TRANSPORT_MODE_RECORDING);
  EXPECT_EQ(v1::TalkbackTarget_MAX, v1::TALKBACK_TARGET_PRODUCER_PRIVATE);
  EXPECT_EQ(static_cast<int>(talkback_target::producer_private),
            v1::TALKBACK_TARGET_PRODUCER_PRIVATE);
  EXPECT_EQ(to_string(talkback_target::producer_private), "producer_private");
  EXPECT_EQ(to_string(transport_mode::playing), "playing");
  EXPECT_EQ(to_string(talkback_target::engineer_private), "engineer_private");
}

TEST(state_convert, event_info_names_the_change) {
  v1::Event event;
  event.set_version(43);
  event.set_operation_id("op-1");
  event.set_author_user_id("u-pia");
  event.set_at_unix_ms(1718000130001);
  event.mutable_intent()->mutable_rate_take()->set_take_id("tk7");
  EXPECT_EQ(info_of(event), (event_info{43, "op-1", "u-pia", 1718000130001, "rate_take"}));
  EXPECT_EQ(snapshot_info(parsed(full_state)), (event_info{42, "", "", 0, "snapshot"}));
}

TEST(state_convert, the_servers_take_file_report_is_named) {
  v1::Event event;
  event.set_version(44);
  event.set_operation_id("server:take-file:f2");
  event.set_at_unix_ms(1718000130002);
  auto* report = event.mutable_intent()->mutable_take_file_recorded();
  report->set_take_id("tk7");
  report->mutable_file()->set_id("f2");
  EXPECT_EQ(info_of(event),
            (event_info{44, "server:take-file:f2", "", 1718000130002, "take_file_recorded"}));
}

TEST(state_convert, every_take_file_field_is_converted) {
  // A field added to TakeFile must reach take_file: count them.
  EXPECT_EQ(v1::TakeFile::descriptor()->field_count(), 8);
  EXPECT_EQ(from_proto(parsed(full_state)).takes[1].files, std::vector<take_file>{});
}

}  // namespace
}  // namespace controlroom::detail
