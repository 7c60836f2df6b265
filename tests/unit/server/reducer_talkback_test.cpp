// Talkback: one channel per person; the private line is the producer's.

#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_talkback, start_opens_the_senders_channel) {
  studio s;
  s.expect_change(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST latched: true })pb",
                  producer, [](v1::SessionState& e) {
                    *e.add_talkback() = parse<v1::TalkbackChannel>(
                        R"pb(user_id: "pro" target: TALKBACK_TARGET_ARTIST latched: true)pb");
                  });
  s.expect_change(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", artist,
                  [](v1::SessionState& e) {
                    *e.add_talkback() =
                        parse<v1::TalkbackChannel>(R"pb(user_id: "art"
                                                        target: TALKBACK_TARGET_EVERYONE)pb");
                  });
}

TEST(reducer_talkback, start_again_replaces_the_senders_channel_in_place) {
  studio s;
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST latched: true })pb", producer);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", artist);
  s.expect_change(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER })pb", producer,
                  [](v1::SessionState& e) {
                    e.mutable_talkback(0)->set_target(v1::TALKBACK_TARGET_ENGINEER);
                    e.mutable_talkback(0)->set_latched(false);
                  });
  EXPECT_EQ(s.state.talkback_size(), 2);
}

TEST(reducer_talkback, start_needs_a_known_target) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(start_talkback { latched: true })pb", producer),
            v1::ERROR_CODE_MALFORMED);
  v1::Intent unknown;
  unknown.mutable_start_talkback()->set_target(static_cast<v1::TalkbackTarget>(42));
  auto outcome = s.submit(unknown, producer);
  ASSERT_TRUE(std::holds_alternative<rejection>(outcome));
  EXPECT_EQ(std::get<rejection>(outcome).code, v1::ERROR_CODE_MALFORMED);
}

TEST(reducer_talkback, the_private_engineer_line_is_for_producers) {
  studio s;
  EXPECT_EQ(
      s.refuse_code(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER_PRIVATE })pb", artist),
      v1::ERROR_CODE_FORBIDDEN);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER })pb", artist);
  const actor producing_artist{"pa", {role::artist, role::producer}};
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER_PRIVATE })pb", producing_artist);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER_PRIVATE })pb", producer);
}

TEST(reducer_talkback, the_private_line_back_is_for_engineers) {
  studio s;
  EXPECT_EQ(
      s.refuse_code(R"pb(start_talkback { target: TALKBACK_TARGET_PRODUCER_PRIVATE })pb", producer),
      v1::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(
      s.refuse_code(R"pb(start_talkback { target: TALKBACK_TARGET_ENGINEER_PRIVATE })pb", engineer),
      v1::ERROR_CODE_FORBIDDEN);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_PRODUCER_PRIVATE })pb", engineer);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST })pb", engineer);
}

TEST(reducer_talkback, the_server_has_no_channel_of_its_own) {
  studio s;
  EXPECT_EQ(
      s.refuse_code(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", server_actor),
      v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(s.refuse_code(R"pb(stop_talkback {})pb", server_actor),
            v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST(reducer_talkback, stop_closes_the_senders_own_channel) {
  studio s;
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST })pb", producer);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", artist);
  const auto event = s.expect_change(R"pb(stop_talkback {})pb", producer, [](v1::SessionState& e) {
    e.mutable_talkback()->DeleteSubrange(0, 1);
  });
  // The event names whose channel closed.
  EXPECT_EQ(event.intent().stop_talkback().user_id(), "pro");
  s.expect_change(R"pb(stop_talkback { user_id: "art" })pb", artist,
                  [](v1::SessionState& e) { e.clear_talkback(); });
}

TEST(reducer_talkback, stopping_a_channel_that_is_not_open_fails) {
  studio s;
  EXPECT_EQ(s.refuse_code(R"pb(stop_talkback {})pb", producer), v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(s.refuse_code(R"pb(stop_talkback { user_id: "art" })pb", engineer),
            v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST(reducer_talkback, an_engineer_or_the_server_cuts_someone_elses_channel) {
  studio s;
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_ARTIST })pb", producer);
  s.accept(R"pb(start_talkback { target: TALKBACK_TARGET_EVERYONE })pb", artist);
  EXPECT_EQ(s.refuse_code(R"pb(stop_talkback { user_id: "pro" })pb", artist),
            v1::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(s.refuse_code(R"pb(stop_talkback { user_id: "art" })pb", producer),
            v1::ERROR_CODE_FORBIDDEN);
  s.expect_change(R"pb(stop_talkback { user_id: "pro" })pb", engineer,
                  [](v1::SessionState& e) { e.mutable_talkback()->DeleteSubrange(0, 1); });
  s.expect_change(R"pb(stop_talkback { user_id: "art" })pb", server_actor,
                  [](v1::SessionState& e) { e.clear_talkback(); });
}

}  // namespace
}  // namespace controlroom::server
