// Transport and recording.

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_transport, initial_transport_is_stopped_at_120_in_four_four) {
  studio s;
  expect_proto_eq(s.state.transport(), parse<v1::Transport>(R"pb(
                    mode: TRANSPORT_MODE_STOPPED
                    tempo_bpm: 120
                    meter { beats_per_bar: 4 beat_unit: 4 }
                  )pb"));
}

TEST(reducer_transport, play_sets_mode_and_position) {
  studio s;
  s.expect_change(R"pb(play { position_samples: 4800 })pb", engineer, [](v1::SessionState& e) {
    e.mutable_transport()->set_mode(v1::TRANSPORT_MODE_PLAYING);
    e.mutable_transport()->set_position_samples(4800);
  });
  EXPECT_EQ(s.refuse_code(R"pb(play { position_samples: -1 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
}

TEST(reducer_transport, play_is_refused_while_recording) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  const auto refused = s.refuse(R"pb(play { position_samples: 0 })pb", engineer);
  EXPECT_EQ(refused.code, v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_NE(refused.message.find("stop recording first"), std::string::npos);
}

TEST(reducer_transport, stop_sets_mode_and_position) {
  studio s;
  s.accept(R"pb(play { position_samples: 10 })pb", engineer);
  s.expect_change(R"pb(stop { position_samples: 960 })pb", engineer, [](v1::SessionState& e) {
    e.mutable_transport()->set_mode(v1::TRANSPORT_MODE_STOPPED);
    e.mutable_transport()->set_position_samples(960);
  });
  // Stopping a stopped transport only moves the playhead.
  s.expect_change(R"pb(stop { position_samples: 0 })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->set_position_samples(0); });
  EXPECT_EQ(s.refuse_code(R"pb(stop { position_samples: -5 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
}

TEST(reducer_transport, record_starts_a_take_of_the_current_song) {
  auto s = recorded_studio();
  s.expect_change(R"pb(record { position_samples: 480000 })pb", engineer, [](v1::SessionState& e) {
    *e.add_takes() = parse<v1::Take>(
        R"pb(
          id: "tk12" song_id: "s1" number: 3 start_samples: 480000 recording: true
        )pb");
    auto& transport = *e.mutable_transport();
    transport.set_mode(v1::TRANSPORT_MODE_RECORDING);
    transport.set_position_samples(480000);
    transport.set_recording_take_id("tk12");
  });
}

TEST(reducer_transport, take_numbers_count_per_song) {
  auto s = recorded_studio();
  s.accept(R"pb(select_song { song_id: "s2" })pb", engineer);
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  EXPECT_EQ(s.state.takes(2).song_id(), "s2");
  EXPECT_EQ(s.state.takes(2).number(), 1u);
  s.accept(R"pb(stop { position_samples: 10 })pb", engineer);
  s.accept(R"pb(record { position_samples: 20 })pb", engineer);
  EXPECT_EQ(s.state.takes(3).number(), 2u);
}

TEST(reducer_transport, record_from_playing_punches_in) {
  auto s = recorded_studio();
  s.accept(R"pb(play { position_samples: 0 })pb", engineer);
  s.accept(R"pb(record { position_samples: 100 })pb", engineer);
  EXPECT_EQ(s.state.transport().mode(), v1::TRANSPORT_MODE_RECORDING);
}

TEST(reducer_transport, record_needs_a_song_and_no_take_in_progress) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(record { position_samples: 0 })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
  s.accept(R"pb(add_song { title: "A" })pb", producer);
  s.accept(R"pb(select_song { song_id: "s1" })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(record { position_samples: -1 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(record { position_samples: 0 })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST(reducer_transport, stop_ends_the_recording_take) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 1000 })pb", engineer);
  s.expect_change(R"pb(stop { position_samples: 5000 })pb", engineer, [](v1::SessionState& e) {
    auto& take = *e.mutable_takes(2);
    take.set_end_samples(5000);
    take.set_recording(false);
    auto& transport = *e.mutable_transport();
    transport.set_mode(v1::TRANSPORT_MODE_STOPPED);
    transport.set_position_samples(5000);
    transport.clear_recording_take_id();
  });
}

TEST(reducer_transport, a_take_cannot_end_before_it_starts) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 1000 })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(stop { position_samples: 999 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
  // An empty take is a take.
  s.accept(R"pb(stop { position_samples: 1000 })pb", engineer);
  EXPECT_EQ(s.state.takes(2).end_samples(), 1000);
}

TEST(reducer_transport, take_limit) {
  auto s = recorded_studio();
  // Filled directly: 10000 takes through the reducer would only be slower.
  while (s.state.takes_size() < 10000) {
    auto& take = *s.state.add_takes();
    take.set_id("x");
    take.mutable_id()->append(std::to_string(s.state.takes_size()));
    take.set_song_id("s2");
  }
  EXPECT_EQ(s.refuse_code(R"pb(record { position_samples: 0 })pb", engineer),
            v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_transport, locate_moves_the_playhead_only) {
  studio s;
  s.accept(R"pb(play { position_samples: 0 })pb", engineer);
  s.expect_change(R"pb(locate { position_samples: 777 })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->set_position_samples(777); });
  EXPECT_EQ(s.state.transport().mode(), v1::TRANSPORT_MODE_PLAYING);
  EXPECT_EQ(s.refuse_code(R"pb(locate { position_samples: -1 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
}

TEST(reducer_transport, nothing_moves_the_playhead_or_song_under_a_recording) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(locate { position_samples: 5 })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(s.refuse_code(R"pb(select_song { song_id: "s2" })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(s.refuse_code(R"pb(select_song { song_id: "" })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST(reducer_transport, set_tempo) {
  studio s;
  s.expect_change(R"pb(set_tempo { bpm: 87.5 })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->set_tempo_bpm(87.5); });
  s.accept(R"pb(set_tempo { bpm: 20 })pb", engineer);
  s.accept(R"pb(set_tempo { bpm: 400 })pb", engineer);
  for (const double bpm : {19.999, 400.001, 0.0, -120.0, std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()}) {
    v1::Intent change;
    change.mutable_set_tempo()->set_bpm(bpm);
    auto outcome = s.submit(change, engineer);
    ASSERT_TRUE(std::holds_alternative<rejection>(outcome)) << bpm;
    EXPECT_EQ(std::get<rejection>(outcome).code, v1::ERROR_CODE_MALFORMED) << bpm;
  }
  EXPECT_EQ(s.state.transport().tempo_bpm(), 400.0);
}

TEST(reducer_transport, set_meter) {
  studio s;
  s.expect_change(R"pb(set_meter { meter { beats_per_bar: 7 beat_unit: 8 } })pb", engineer,
                  [](v1::SessionState& e) {
                    e.mutable_transport()->mutable_meter()->set_beats_per_bar(7);
                    e.mutable_transport()->mutable_meter()->set_beat_unit(8);
                  });
  for (const unsigned unit : {1u, 2u, 4u, 8u, 16u, 32u}) {
    s.accept(std::string(R"pb(set_meter { meter { beats_per_bar: 64 beat_unit:)pb") +
                 std::to_string(unit) + " } }",
             engineer);
  }
  s.accept(R"pb(set_meter { meter { beats_per_bar: 1 beat_unit: 4 } })pb", engineer);
  for (const char* bad :
       {R"pb(set_meter { meter { beats_per_bar: 0 beat_unit: 4 } })pb",
        R"pb(set_meter { meter { beats_per_bar: 65 beat_unit: 4 } })pb",
        R"pb(set_meter { meter { beats_per_bar: 4 beat_unit: 3 } })pb",
        R"pb(set_meter { meter { beats_per_bar: 4 beat_unit: 0 } })pb",
        R"pb(set_meter { meter { beats_per_bar: 4 beat_unit: 64 } })pb", R"pb(set_meter {})pb"}) {
    EXPECT_EQ(s.refuse_code(bad, engineer), v1::ERROR_CODE_MALFORMED) << bad;
  }
}

TEST(reducer_transport, set_loop) {
  studio s;
  s.expect_change(R"pb(set_loop { loop { enabled: true start_samples: 100 end_samples: 200 } })pb",
                  engineer, [](v1::SessionState& e) {
                    *e.mutable_transport()->mutable_loop() =
                        parse<v1::LoopRange>("enabled: true start_samples: 100 end_samples: 200");
                  });
  // A disabled loop keeps its range for the next time it is enabled.
  s.accept(R"pb(set_loop { loop { enabled: false start_samples: 100 end_samples: 200 } })pb",
           engineer);
  s.accept(R"pb(set_loop { loop { enabled: false start_samples: 300 end_samples: 200 } })pb",
           engineer);
  s.accept(R"pb(set_loop {})pb", engineer);
  EXPECT_EQ(s.state.transport().loop().ByteSizeLong(), 0u);
  for (const char* bad :
       {R"pb(set_loop { loop { enabled: true start_samples: 200 end_samples: 200 } })pb",
        R"pb(set_loop { loop { enabled: true start_samples: 300 end_samples: 200 } })pb",
        R"pb(set_loop { loop { enabled: true start_samples: -1 end_samples: 200 } })pb",
        R"pb(set_loop { loop { enabled: false start_samples: -1 end_samples: 200 } })pb",
        R"pb(set_loop { loop { enabled: false start_samples: 0 end_samples: -2 } })pb",
        R"pb(set_loop { loop { enabled: true } })pb"}) {
    EXPECT_EQ(s.refuse_code(bad, engineer), v1::ERROR_CODE_MALFORMED) << bad;
  }
}

TEST(reducer_transport, select_song) {
  auto s = recorded_studio();
  s.expect_change(R"pb(select_song { song_id: "s3" })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->set_current_song_id("s3"); });
  s.expect_change(R"pb(select_song { song_id: "" })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->clear_current_song_id(); });
  EXPECT_EQ(s.refuse_code(R"pb(select_song { song_id: "s4" })pb", engineer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_transport, grant_transport_lets_producers_drive_but_not_record) {
  auto s = recorded_studio();
  EXPECT_EQ(s.refuse_code(R"pb(play { position_samples: 0 })pb", producer),
            v1::ERROR_CODE_FORBIDDEN);
  s.expect_change(R"pb(grant_transport { producer_may_drive: true })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_transport()->set_producer_may_drive(true); });
  s.accept(R"pb(play { position_samples: 0 })pb", producer);
  s.accept(R"pb(locate { position_samples: 10 })pb", producer);
  s.accept(R"pb(stop { position_samples: 20 })pb", producer);
  s.accept(R"pb(set_tempo { bpm: 100 })pb", producer);
  s.accept(R"pb(set_meter { meter { beats_per_bar: 3 beat_unit: 4 } })pb", producer);
  s.accept(R"pb(set_loop {})pb", producer);
  s.accept(R"pb(select_song { song_id: "s2" })pb", producer);
  EXPECT_EQ(s.refuse_code(R"pb(record { position_samples: 0 })pb", producer),
            v1::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(s.refuse_code(R"pb(grant_transport { producer_may_drive: false })pb", producer),
            v1::ERROR_CODE_FORBIDDEN);
  s.expect_change(R"pb(grant_transport {})pb", engineer, [](v1::SessionState& e) {
    e.mutable_transport()->set_producer_may_drive(false);
  });
  EXPECT_EQ(s.refuse_code(R"pb(play { position_samples: 0 })pb", producer),
            v1::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace controlroom::server
