// Songs and the setlist: add, rename, remove, move, pick and unpick.

#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

std::string song_ids(const v1::SessionState& state) {
  std::string ids;
  for (const auto& song : state.songs()) {
    ids += (ids.empty() ? "" : " ") + song.id();
  }
  return ids;
}

TEST(reducer_setlist, add_song_appends_by_default_and_records_where) {
  studio s;
  const auto event = s.expect_change(R"pb(add_song { title: "Intro" })pb", producer,
                                     [](v1::SessionState& expected) {
                                       auto& song = *expected.add_songs();
                                       song.set_id("s1");
                                       song.set_title("Intro");
                                     });
  // The event says where the song went, so apply needs no default.
  EXPECT_EQ(event.intent().add_song().index(), 0);
  EXPECT_EQ(
      s.accept(R"pb(add_song { title: "B" index: 99 })pb", producer).intent().add_song().index(),
      1);
  EXPECT_EQ(
      s.accept(R"pb(add_song { title: "C" index: -1 })pb", producer).intent().add_song().index(),
      2);
  EXPECT_EQ(song_ids(s.state), "s1 s2 s3");
}

TEST(reducer_setlist, add_song_inserts_at_an_index) {
  studio s;
  s.accept(R"pb(add_song { title: "A" })pb", producer);
  s.accept(R"pb(add_song { title: "B" index: 5 })pb", producer);
  s.accept(R"pb(add_song { title: "C" index: 0 })pb", producer);
  s.accept(R"pb(add_song { title: "D" index: 2 })pb", producer);
  s.accept(R"pb(add_song { title: "E" index: 4 })pb", producer);
  EXPECT_EQ(song_ids(s.state), "s3 s1 s4 s2 s5");
  EXPECT_EQ(s.state.songs(2).title(), "D");
}

TEST(reducer_setlist, add_song_without_an_index_goes_last_and_index_zero_goes_first) {
  auto s = recorded_studio();
  s.accept(R"pb(add_song { title: "Closer" })pb", producer);
  EXPECT_EQ(song_ids(s.state), "s1 s2 s3 s12");
  s.accept(R"pb(add_song { title: "Opener" index: 0 })pb", producer);
  EXPECT_EQ(song_ids(s.state), "s13 s1 s2 s3 s12");
}

TEST(reducer_setlist, add_song_validates_the_title_and_the_setlist_size) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(add_song { title: "" })pb", producer), v1::ERROR_CODE_MALFORMED);
  s.accept(with_filler(R"pb(add_song { title: ")pb", 200), producer);
  EXPECT_EQ(s.refuse_code(with_filler(R"pb(add_song { title: ")pb", 201), producer),
            v1::ERROR_CODE_TOO_LARGE);
  for (int i = 1; i < 500; ++i) {
    s.accept(R"pb(add_song { title: "t" })pb", producer);
  }
  EXPECT_EQ(s.state.songs_size(), 500);
  EXPECT_EQ(s.refuse_code(R"pb(add_song { title: "one too many" })pb", producer),
            v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_setlist, rename_song) {
  auto s = recorded_studio();
  s.expect_change(
      R"pb(rename_song { song_id: "s2" title: "Verse 2" })pb", producer,
      [](v1::SessionState& expected) { expected.mutable_songs(1)->set_title("Verse 2"); });
  EXPECT_EQ(s.refuse_code(R"pb(rename_song { song_id: "s9" title: "x" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(s.refuse_code(R"pb(rename_song { song_id: "s2" title: "" })pb", producer),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(rename_song { song_id: "s2" title: ")pb", 201), producer),
      v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_setlist, not_found_names_the_id) {
  auto s = recorded_studio();
  const auto refused = s.refuse(R"pb(rename_song { song_id: "s404" title: "x" })pb", producer);
  EXPECT_NE(refused.message.find("s404"), std::string::npos) << refused.message;
}

TEST(reducer_setlist, remove_song_takes_its_takes_their_comments_and_the_selection) {
  auto s = recorded_studio();
  s.accept(R"pb(pick_take { take_id: "tk7" })pb", producer);
  s.expect_change(R"pb(remove_song { song_id: "s1" })pb", producer, [](v1::SessionState& expected) {
    expected.mutable_songs()->DeleteSubrange(0, 1);
    expected.clear_takes();
    // c10 is on a marker and stays; c11 was on tk5.
    expected.mutable_comments()->DeleteSubrange(1, 1);
    expected.mutable_transport()->clear_current_song_id();
  });
  EXPECT_EQ(s.refuse_code(R"pb(remove_song { song_id: "s1" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_setlist, remove_song_keeps_other_songs_takes_and_the_selection) {
  auto s = recorded_studio();
  s.accept(R"pb(select_song { song_id: "s2" })pb", engineer);
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  s.accept(R"pb(stop { position_samples: 5 })pb", engineer);
  s.accept(R"pb(add_comment { take_id: "tk13" text: "s2 take" })pb", producer);
  s.expect_change(R"pb(remove_song { song_id: "s1" })pb", producer, [](v1::SessionState& expected) {
    expected.mutable_songs()->DeleteSubrange(0, 1);
    expected.mutable_takes()->DeleteSubrange(0, 2);
    expected.mutable_comments()->DeleteSubrange(1, 1);
  });
  EXPECT_EQ(s.state.transport().current_song_id(), "s2");
  ASSERT_EQ(s.state.comments_size(), 2);
  EXPECT_EQ(s.state.comments(1).take_id(), "tk13");
}

TEST(reducer_setlist, remove_song_is_refused_while_its_take_records) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(remove_song { song_id: "s1" })pb", producer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
  // Another song may go while s1 records.
  s.accept(R"pb(remove_song { song_id: "s3" })pb", producer);
}

TEST(reducer_setlist, move_song_clamps_the_index) {
  auto s = recorded_studio();
  const auto event = s.expect_change(R"pb(move_song { song_id: "s1" index: 2 })pb", producer,
                                     [](v1::SessionState& expected) {
                                       expected.mutable_songs()->SwapElements(0, 1);
                                       expected.mutable_songs()->SwapElements(1, 2);
                                     });
  EXPECT_EQ(event.intent().move_song().index(), 2);
  EXPECT_EQ(song_ids(s.state), "s2 s3 s1");
  EXPECT_EQ(s.accept(R"pb(move_song { song_id: "s1" index: -4 })pb", producer)
                .intent()
                .move_song()
                .index(),
            0);
  EXPECT_EQ(song_ids(s.state), "s1 s2 s3");
  EXPECT_EQ(s.accept(R"pb(move_song { song_id: "s2" index: 1000 })pb", producer)
                .intent()
                .move_song()
                .index(),
            2);
  EXPECT_EQ(song_ids(s.state), "s1 s3 s2");
  s.accept(R"pb(move_song { song_id: "s3" index: 1 })pb", producer);
  EXPECT_EQ(song_ids(s.state), "s1 s3 s2");
  EXPECT_EQ(s.refuse_code(R"pb(move_song { song_id: "nope" index: 0 })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_setlist, pick_take_sets_the_pick_of_its_song) {
  auto s = recorded_studio();
  s.expect_change(R"pb(pick_take { take_id: "tk5" })pb", producer, [](v1::SessionState& expected) {
    expected.mutable_songs(0)->set_picked_take_id("tk5");
  });
  s.expect_change(R"pb(pick_take { take_id: "tk7" })pb", producer, [](v1::SessionState& expected) {
    expected.mutable_songs(0)->set_picked_take_id("tk7");
  });
  EXPECT_EQ(s.refuse_code(R"pb(pick_take { take_id: "tk99" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_setlist, a_recording_take_cannot_be_picked) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 200000 })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(pick_take { take_id: "tk12" })pb", producer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
  s.accept(R"pb(stop { position_samples: 300000 })pb", engineer);
  s.accept(R"pb(pick_take { take_id: "tk12" })pb", producer);
}

TEST(reducer_setlist, unpick_take_clears_the_pick) {
  auto s = recorded_studio();
  s.accept(R"pb(pick_take { take_id: "tk5" })pb", producer);
  s.expect_change(R"pb(unpick_take { song_id: "s1" })pb", producer, [](v1::SessionState& expected) {
    expected.mutable_songs(0)->clear_picked_take_id();
  });
  // Nothing picked is fine too.
  s.expect_change(R"pb(unpick_take { song_id: "s2" })pb", producer, [](v1::SessionState&) {});
  EXPECT_EQ(s.refuse_code(R"pb(unpick_take { song_id: "s7" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

}  // namespace
}  // namespace controlroom::server
