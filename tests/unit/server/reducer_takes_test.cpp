// Rating, circling and annotating takes.

#include <string>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_takes, recorded_takes_are_complete) {
  const auto s = recorded_studio();
  ASSERT_EQ(s.state.takes_size(), 2);
  expect_proto_eq(s.state.takes(0), parse<v1::Take>(R"pb(
                    id: "tk5"
                    song_id: "s1"
                    number: 1
                    start_samples: 0
                    end_samples: 48000
                  )pb"));
  expect_proto_eq(s.state.takes(1), parse<v1::Take>(R"pb(
                    id: "tk7"
                    song_id: "s1"
                    number: 2
                    start_samples: 96000
                    end_samples: 144000
                  )pb"));
}

TEST(reducer_takes, rate_take) {
  auto s = recorded_studio();
  s.expect_change(R"pb(rate_take { take_id: "tk7" rating: 5 })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(1)->set_rating(5); });
  s.expect_change(R"pb(rate_take { take_id: "tk7" rating: 0 })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(1)->set_rating(0); });
  EXPECT_EQ(s.refuse_code(R"pb(rate_take { take_id: "tk7" rating: 6 })pb", producer),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code(R"pb(rate_take { take_id: "tk8" rating: 3 })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_takes, a_take_may_be_judged_while_it_records) {
  auto s = recorded_studio();
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  s.accept(R"pb(rate_take { take_id: "tk12" rating: 4 })pb", producer);
  s.accept(R"pb(circle_take { take_id: "tk12" circled: true })pb", producer);
  s.accept(R"pb(set_take_notes { take_id: "tk12" notes: "so far so good" })pb", producer);
  s.accept(R"pb(add_comment { take_id: "tk12" text: "yes!" })pb", artist);
}

TEST(reducer_takes, circle_take) {
  auto s = recorded_studio();
  s.expect_change(R"pb(circle_take { take_id: "tk5" circled: true })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(0)->set_circled(true); });
  // Several takes may be circled.
  s.expect_change(R"pb(circle_take { take_id: "tk7" circled: true })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(1)->set_circled(true); });
  s.expect_change(R"pb(circle_take { take_id: "tk5" })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(0)->set_circled(false); });
  EXPECT_EQ(s.refuse_code(R"pb(circle_take { take_id: "" circled: true })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

TEST(reducer_takes, set_take_notes) {
  auto s = recorded_studio();
  s.expect_change(R"pb(set_take_notes { take_id: "tk5" notes: "great bridge" })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(0)->set_notes("great bridge"); });
  s.expect_change(R"pb(set_take_notes { take_id: "tk5" })pb", producer,
                  [](v1::SessionState& e) { e.mutable_takes(0)->clear_notes(); });
  s.accept(with_filler(R"pb(set_take_notes { take_id: "tk5" notes: ")pb", 4000), producer);
  EXPECT_EQ(
      s.refuse_code(with_filler(R"pb(set_take_notes { take_id: "tk5" notes: ")pb", 4001), producer),
      v1::ERROR_CODE_TOO_LARGE);
  EXPECT_EQ(s.refuse_code(R"pb(set_take_notes { take_id: "s1" notes: "x" })pb", producer),
            v1::ERROR_CODE_NOT_FOUND);
}

}  // namespace
}  // namespace controlroom::server
