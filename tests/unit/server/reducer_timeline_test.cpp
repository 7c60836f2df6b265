// Markers and comments on the timeline.

#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_timeline, add_marker_by_its_author) {
  studio s;
  const auto event = s.expect_change(
      R"pb(add_marker { position_samples: 96000 label: "chorus" color: "#00aaFF" })pb", producer,
      [](v1::SessionState& e) {
        *e.add_markers() = parse<v1::Marker>(
            R"pb(
              id: "m1"
              position_samples: 96000
              label: "chorus"
              color: "#00aaFF"
              author_user_id: "pro"
            )pb");
      });
  EXPECT_EQ(event.intent().add_marker().color(), "#00aaFF");
}

TEST(reducer_timeline, add_marker_defaults_the_color_in_the_event) {
  studio s;
  const auto event = s.accept(R"pb(add_marker { position_samples: 0 })pb", producer);
  EXPECT_EQ(event.intent().add_marker().color(), "#ffcc00");
  expect_proto_eq(s.state.markers(0),
                  parse<v1::Marker>(R"pb(
                    id: "m1" color: "#ffcc00" author_user_id: "pro"
                  )pb"));
}

TEST(reducer_timeline, add_marker_validation) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(add_marker { position_samples: -1 })pb", producer),
            v1::ERROR_CODE_MALFORMED);
  s.accept(with_filler(R"pb(add_marker { label: ")pb", 200), producer);
  EXPECT_EQ(s.refuse_code(with_filler(R"pb(add_marker { label: ")pb", 201), producer),
            v1::ERROR_CODE_TOO_LARGE);
  for (const char* color : {"ffcc00", "#ffcc0", "#ffcc000", "#ggcc00", "#ffcc0 ", "red", "#"}) {
    EXPECT_EQ(s.refuse_code(std::string(R"pb(add_marker { color: ")pb") + color + "\" }", producer),
              v1::ERROR_CODE_MALFORMED)
        << color;
  }
}

TEST(reducer_timeline, marker_limit) {
  studio s;
  for (int i = 0; i < 10000; ++i) {
    s.accept(R"pb(add_marker { position_samples: 1 })pb", producer);
  }
  EXPECT_EQ(s.refuse_code(R"pb(add_marker { position_samples: 1 })pb", producer),
            v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_timeline, update_marker_changes_only_the_fields_it_sets) {
  auto s = recorded_studio();
  s.expect_change(R"pb(update_marker { marker_id: "m9" position_samples: 0 })pb", producer,
                  [](v1::SessionState& e) { e.mutable_markers(0)->set_position_samples(0); });
  s.expect_change(R"pb(update_marker { marker_id: "m9" label: "" color: "#123456" })pb", producer,
                  [](v1::SessionState& e) {
                    e.mutable_markers(0)->clear_label();
                    e.mutable_markers(0)->set_color("#123456");
                  });
  const auto event =
      s.expect_change(R"pb(update_marker { marker_id: "m9" color: "" })pb", producer,
                      [](v1::SessionState& e) { e.mutable_markers(0)->set_color("#ffcc00"); });
  EXPECT_EQ(event.intent().update_marker().color(), "#ffcc00");
  s.expect_change(R"pb(update_marker { marker_id: "m9" })pb", producer, [](v1::SessionState&) {});
}

TEST(reducer_timeline, update_marker_rejections) {
  auto s = recorded_studio();
  EXPECT_EQ(s.refuse_code(R"pb(update_marker { marker_id: "m1" label: "x" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(
      s.refuse_code(R"pb(update_marker { marker_id: "m9" position_samples: -1 })pb", producer),
      v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code(R"pb(update_marker { marker_id: "m9" color: "#12345" })pb", producer),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(update_marker { marker_id: "m9" label: ")pb", 201), producer),
      v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_timeline, remove_marker_takes_its_comments) {
  auto s = recorded_studio();
  s.accept(R"pb(add_marker { position_samples: 5 })pb", producer);
  s.accept(R"pb(add_comment { marker_id: "m12" text: "other marker" })pb", artist);
  s.accept(R"pb(add_comment { marker_id: "m9" text: "second on m9" })pb", artist);
  s.expect_change(R"pb(remove_marker { marker_id: "m9" })pb", producer, [](v1::SessionState& e) {
    e.mutable_markers()->DeleteSubrange(0, 1);
    e.mutable_comments()->DeleteSubrange(3, 1);
    e.mutable_comments()->DeleteSubrange(0, 1);
  });
  EXPECT_EQ(s.refuse_code(R"pb(remove_marker { marker_id: "m9" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_timeline, add_comment_on_a_marker_or_a_take) {
  auto s = recorded_studio();
  s.now = 1234;
  s.expect_change(
      R"pb(add_comment { marker_id: "m9" text: "agree" })pb", artist, [](v1::SessionState& e) {
        *e.add_comments() = parse<v1::Comment>(
            R"pb(
              id: "c12" marker_id: "m9" author_user_id: "art" text: "agree" created_unix_ms: 1235
            )pb");
      });
  s.expect_change(R"pb(add_comment { take_id: "tk7" text: "best so far" })pb", producer,
                  [](v1::SessionState& e) {
                    *e.add_comments() = parse<v1::Comment>(R"pb(
                      id: "c13"
                      take_id: "tk7"
                      author_user_id: "pro"
                      text: "best so far"
                      created_unix_ms: 1236
                    )pb");
                  });
}

TEST(reducer_timeline, add_comment_rejections) {
  auto s = recorded_studio();
  EXPECT_EQ(s.refuse_code(R"pb(add_comment { text: "on what?" })pb", artist),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code(R"pb(add_comment { marker_id: "m9" text: "" })pb", artist),
            v1::ERROR_CODE_MALFORMED);
  s.accept(with_filler(R"pb(add_comment { marker_id: "m9" text: ")pb", 4000), artist);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(add_comment { marker_id: "m9" text: ")pb", 4001), artist),
      v1::ERROR_CODE_TOO_LARGE);
  auto refused = s.refuse(R"pb(add_comment { marker_id: "m10" text: "x" })pb", artist);
  EXPECT_EQ(refused.code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_NE(refused.message.find("m10"), std::string::npos);
  refused = s.refuse(R"pb(add_comment { take_id: "m9" text: "x" })pb", artist);
  EXPECT_EQ(refused.code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(s.refuse_code(R"pb(add_comment { take_id: "" text: "x" })pb", artist),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_timeline, comment_limit) {
  auto s = recorded_studio();
  // Filled directly: this test is about the limit, not 20000 decisions.
  while (s.state.comments_size() < 20000) {
    auto& comment = *s.state.add_comments();
    comment.set_id("x");
    comment.mutable_id()->append(std::to_string(s.state.comments_size()));
    comment.set_marker_id("m9");
  }
  EXPECT_EQ(s.refuse_code(R"pb(add_comment { marker_id: "m9" text: "x" })pb", artist),
            v1::ERROR_CODE_TOO_LARGE);
}

TEST(reducer_timeline, remove_comment_by_its_author) {
  auto s = recorded_studio();
  s.expect_change(R"pb(remove_comment { comment_id: "c11" })pb", artist,
                  [](v1::SessionState& e) { e.mutable_comments()->DeleteSubrange(1, 1); });
  EXPECT_EQ(s.refuse_code(R"pb(remove_comment { comment_id: "c11" })pb", artist),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_timeline, only_the_author_or_the_server_removes_a_comment) {
  auto s = recorded_studio();
  // c10 is the producer's: not the artist's, and not even an engineer-producer's.
  EXPECT_EQ(s.refuse_code(R"pb(remove_comment { comment_id: "c10" })pb", artist),
            v1::ERROR_CODE_FORBIDDEN);
  const actor other_producer{"pro2", {role::producer, role::engineer}};
  EXPECT_EQ(s.refuse_code(R"pb(remove_comment { comment_id: "c10" })pb", other_producer),
            v1::ERROR_CODE_FORBIDDEN);
  // The same person with a different role set is still the author.
  const actor same_person_as_artist{"pro", {role::artist}};
  s.accept(R"pb(remove_comment { comment_id: "c10" })pb", same_person_as_artist);
  s.accept(R"pb(remove_comment { comment_id: "c11" })pb", server_actor);
  EXPECT_EQ(s.state.comments_size(), 0);
}

}  // namespace
}  // namespace controlroom::server
