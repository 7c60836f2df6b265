// Tracks.

#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_tracks, add_track) {
  studio s;
  s.expect_change(R"pb(add_track { name: "Lead vox" input_label: "Mic 1" })pb", engineer,
                  [](v1::SessionState& e) {
                    *e.add_tracks() =
                        parse<v1::Track>(R"pb(id: "tr1" name: "Lead vox" input_label: "Mic 1")pb");
                  });
  s.accept(with_filler(with_filler(R"pb(add_track { name: ")pb", 100, "\" input_label: \""), 200),
           engineer);
  EXPECT_EQ(s.state.tracks(1).id(), "tr2");
}

TEST(reducer_tracks, add_track_validates_name_label_and_count) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(add_track { name: "" })pb", engineer), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code(with_filler(R"pb(add_track { name: ")pb", 101), engineer),
            v1::ERROR_CODE_TOO_LARGE);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(add_track { name: "ok" input_label: ")pb", 201), engineer),
      v1::ERROR_CODE_TOO_LARGE);
  for (int i = 0; i < 256; ++i) {
    s.accept(R"pb(add_track { name: "t" })pb", engineer);
  }
  EXPECT_EQ(s.refuse_code(R"pb(add_track { name: "t" })pb", engineer), v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_tracks, update_track_changes_only_the_fields_it_sets) {
  studio s;
  s.accept(R"pb(add_track { name: "Kick" input_label: "In 1" })pb", engineer);
  s.accept(R"pb(add_track { name: "Snare" })pb", engineer);
  s.expect_change(R"pb(update_track { track_id: "tr2" armed: true soloed: true })pb", engineer,
                  [](v1::SessionState& e) {
                    e.mutable_tracks(1)->set_armed(true);
                    e.mutable_tracks(1)->set_soloed(true);
                  });
  s.expect_change(
      R"pb(update_track { track_id: "tr1" name: "Kick in" muted: true input_label: "" })pb",
      engineer, [](v1::SessionState& e) {
        e.mutable_tracks(0)->set_name("Kick in");
        e.mutable_tracks(0)->set_muted(true);
        e.mutable_tracks(0)->clear_input_label();
      });
  // Setting a switch to false is a change, not "unset".
  s.expect_change(R"pb(update_track { track_id: "tr2" armed: false })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_tracks(1)->set_armed(false); });
  // Nothing set is accepted and changes nothing but the version.
  s.expect_change(R"pb(update_track { track_id: "tr2" })pb", engineer, [](v1::SessionState&) {});
}

TEST(reducer_tracks, update_track_rejections) {
  studio s;
  s.accept(R"pb(add_track { name: "Kick" })pb", engineer);
  EXPECT_EQ(s.refuse_code(R"pb(update_track { track_id: "tr9" muted: true })pb", engineer),
            v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(s.refuse_code(R"pb(update_track { track_id: "tr1" name: "" })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(update_track { track_id: "tr1" name: ")pb", 101), engineer),
      v1::ERROR_CODE_TOO_LARGE);
  EXPECT_EQ(s.refuse_code(with_filler(R"pb(update_track { track_id: "tr1" input_label: ")pb", 201),
                          engineer),
            v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_tracks, remove_track) {
  studio s;
  s.accept(R"pb(add_track { name: "A" })pb", engineer);
  s.accept(R"pb(add_track { name: "B" })pb", engineer);
  s.accept(R"pb(add_track { name: "C" })pb", engineer);
  s.expect_change(R"pb(remove_track { track_id: "tr2" })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_tracks()->DeleteSubrange(1, 1); });
  EXPECT_EQ(s.state.tracks(1).id(), "tr3");
  EXPECT_EQ(s.refuse_code(R"pb(remove_track { track_id: "tr2" })pb", engineer),
            v1::ERROR_CODE_NOT_FOUND);
}

}  // namespace
}  // namespace controlroom::server
