// The reducer as a whole: event envelopes, versions, ids, determinism and
// the rejections every intent shares.

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer, event_carries_version_operation_author_time_and_the_intent) {
  studio s;
  const auto change =
      intent(R"pb(add_marker { position_samples: 10 label: "x" color: "#112233" })pb");
  auto outcome = decide(s.state, change, producer, "op-42", 6000);
  ASSERT_TRUE(std::holds_alternative<v1::Event>(outcome));
  const auto& event = std::get<v1::Event>(outcome);
  expect_proto_eq(event, parse<v1::Event>(R"pb(
                    version: 1
                    operation_id: "op-42"
                    author_user_id: "pro"
                    at_unix_ms: 6000
                    intent { add_marker { position_samples: 10 label: "x" color: "#112233" } }
                  )pb"));
}

TEST(reducer, decide_does_not_touch_the_state) {
  auto s = recorded_studio();
  const auto before = deterministic_bytes(s.state);
  auto outcome = decide(s.state, intent(R"pb(remove_song { song_id: "s1" })pb"), producer, "op", 1);
  ASSERT_TRUE(std::holds_alternative<v1::Event>(outcome));
  EXPECT_EQ(deterministic_bytes(s.state), before);
}

TEST(reducer, versions_increase_by_one_per_accepted_event_only) {
  studio s;
  s.accept(R"pb(add_song { title: "A" })pb", producer);
  EXPECT_EQ(s.state.version(), 1u);
  s.refuse(R"pb(add_song { title: "" })pb", producer);
  EXPECT_EQ(s.state.version(), 1u);
  const auto event = s.accept(R"pb(set_tempo { bpm: 90 })pb", engineer);
  EXPECT_EQ(event.version(), 2u);
  EXPECT_EQ(s.state.version(), 2u);
}

TEST(reducer, apply_takes_the_version_from_the_event) {
  studio s;
  v1::Event event = parse<v1::Event>(R"pb(version: 17
                                          intent { set_tempo { bpm: 100 } })pb");
  apply(s.state, event);
  EXPECT_EQ(s.state.version(), 17u);
  EXPECT_EQ(s.state.transport().tempo_bpm(), 100.0);
}

TEST(reducer, ids_of_created_objects_derive_from_the_event_version) {
  auto s = recorded_studio();
  ASSERT_EQ(s.state.version(), 11u);
  EXPECT_EQ(s.accept(R"pb(add_track { name: "Vox" })pb", engineer).version(), 12u);
  s.accept(R"pb(add_song { title: "Bridge" index: -1 })pb", producer);
  s.accept(R"pb(add_marker { position_samples: 1 })pb", producer);
  s.accept(R"pb(add_comment { take_id: "tk7" text: "ok" })pb", producer);
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  EXPECT_EQ(s.state.tracks(0).id(), "tr12");
  EXPECT_EQ(s.state.songs(3).id(), "s13");
  EXPECT_EQ(s.state.markers(1).id(), "m14");
  EXPECT_EQ(s.state.comments(2).id(), "c15");
  EXPECT_EQ(s.state.takes(2).id(), "tk16");
}

TEST(reducer, an_intent_without_a_change_is_malformed) {
  studio s;
  EXPECT_EQ(s.refuse_code("", engineer), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code("", server_actor), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code("", listener), v1::ERROR_CODE_MALFORMED);
}

TEST(reducer, refusal_names_the_intent_and_who_may_send_it) {
  studio s;
  auto refused = s.refuse(R"pb(add_marker { position_samples: 1 })pb", artist);
  EXPECT_EQ(refused.code, v1::ERROR_CODE_FORBIDDEN);
  EXPECT_NE(refused.message.find("add_marker"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("producer"), std::string::npos) << refused.message;

  refused = s.refuse(R"pb(play { position_samples: 1 })pb", producer);
  EXPECT_EQ(refused.code, v1::ERROR_CODE_FORBIDDEN);
  EXPECT_NE(refused.message.find("play"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("engineer"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("grants transport"), std::string::npos) << refused.message;
}

TEST(reducer, the_server_may_do_what_no_role_may) {
  studio s;
  s.accept(R"pb(add_song { title: "A" })pb", server_actor);
  s.accept(R"pb(select_song { song_id: "s1" })pb", server_actor);
  s.accept(R"pb(record { position_samples: 0 })pb", server_actor);
  s.accept(R"pb(stop { position_samples: 10 })pb", server_actor);
  s.accept(R"pb(grant_transport { producer_may_drive: true })pb", server_actor);
  s.accept(R"pb(add_comment { take_id: "tk3" text: "from the server" })pb", server_actor);
  EXPECT_EQ(s.state.comments(0).author_user_id(), "");
}

TEST(reducer, replicas_applying_the_same_events_are_byte_identical) {
  auto s = recorded_studio();
  s.accept(R"pb(add_track { name: "Kick" input_label: "In 1" })pb", engineer);
  s.accept(R"pb(update_track { track_id: "tr12" armed: true })pb", engineer);
  s.accept(R"pb(move_song { song_id: "s3" index: 0 })pb", producer);
  s.accept(R"pb(pick_take { take_id: "tk7" })pb", producer);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST latched: true })pb", producer);
  s.accept(R"pb(set_loop { loop { enabled: true start_samples: 1 end_samples: 2 } })pb", engineer);
  s.accept(R"pb(remove_marker { marker_id: "m9" })pb", producer);

  const auto fresh = initial_state(session_record{"sess", "studio", "Album", 0, 0}, {});
  v1::SessionState a = fresh;
  v1::SessionState b = fresh;
  for (const auto& event : s.log) {
    apply(a, event);
  }
  // Through the wire: b's events are parsed back from bytes, as a replica's are.
  for (const auto& event : s.log) {
    v1::Event received;
    ASSERT_TRUE(received.ParseFromString(deterministic_bytes(event)));
    apply(b, received);
  }
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a, b));
  EXPECT_EQ(deterministic_bytes(a), deterministic_bytes(b));
  EXPECT_EQ(deterministic_bytes(a), deterministic_bytes(s.state));
}

TEST(reducer, applying_an_event_twice_from_a_stale_log_does_not_crash) {
  // apply() trusts decide(), but a corrupt log must not take the server down.
  auto s = recorded_studio();
  const auto removal = s.accept(R"pb(remove_song { song_id: "s1" })pb", producer);
  apply(s.state, removal);
  apply(s.state, parse<v1::Event>(R"pb(version: 99
                                       intent { pick_take { take_id: "tk5" } })pb"));
  apply(s.state, parse<v1::Event>(R"pb(version: 100
                                       intent { add_comment { text: "x" } })pb"));
  apply(s.state, parse<v1::Event>(R"pb(version: 101
                                       intent {})pb"));
  EXPECT_EQ(s.state.version(), 101u);
  ASSERT_EQ(s.state.comments_size(), 1);
  EXPECT_EQ(s.state.comments(0).id(), "c10");
}

}  // namespace
}  // namespace controlroom::server
