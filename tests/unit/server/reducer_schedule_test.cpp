// A new session's state, and the planned start.

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

TEST(reducer_schedule, initial_state_lists_members_sorted_with_roles_in_order) {
  const session_record session{"sess-1", "studio-1", "Second album", 1'800'000'000'000, 42};
  const auto state = initial_state(session, {
                                                {"zoe", {role::listener}},
                                                {"amy", {role::artist, role::producer}},
                                                {"max", {role::engineer}},
                                            });
  expect_proto_eq(state, parse<v1::SessionState>(R"pb(
                    session_id: "sess-1"
                    title: "Second album"
                    version: 0
                    transport {
                      mode: TRANSPORT_MODE_STOPPED
                      tempo_bpm: 120
                      meter { beats_per_bar: 4 beat_unit: 4 }
                    }
                    schedule {
                      planned_start_unix_ms: 1800000000000
                      members {
                        user_id: "amy"
                        roles: [ ROLE_PRODUCER, ROLE_ARTIST ]
                      }
                      members {
                        user_id: "max"
                        roles: [ ROLE_ENGINEER ]
                      }
                      members {
                        user_id: "zoe"
                        roles: [ ROLE_LISTENER ]
                      }
                    }
                  )pb"));
}

TEST(reducer_schedule, initial_state_does_not_depend_on_row_order) {
  const session_record session{"s", "st", "t", 0, 0};
  const auto a = initial_state(session, {{"b", {role::artist}}, {"a", {role::engineer}}});
  const auto b = initial_state(session, {{"a", {role::engineer}}, {"b", {role::artist}}});
  EXPECT_EQ(deterministic_bytes(a), deterministic_bytes(b));
  EXPECT_EQ(a.schedule().planned_start_unix_ms(), 0);
}

TEST(reducer_schedule, a_member_listed_twice_holds_both_roles) {
  const auto state = initial_state(session_record{"s", "st", "t", 0, 0},
                                   {{"a", {role::artist}}, {"a", {role::engineer}}});
  expect_proto_eq(state.schedule(), parse<v1::Schedule>(R"pb(
                    members {
                      user_id: "a"
                      roles: [ ROLE_ENGINEER, ROLE_ARTIST ]
                    }
                  )pb"));
}

TEST(reducer_schedule, set_planned_start) {
  studio s;
  s.expect_change(R"pb(set_planned_start { planned_start_unix_ms: 1900000000000 })pb", producer,
                  [](v1::SessionState& e) {
                    e.mutable_schedule()->set_planned_start_unix_ms(1'900'000'000'000);
                  });
  s.expect_change(R"pb(set_planned_start {})pb", engineer,
                  [](v1::SessionState& e) { e.mutable_schedule()->set_planned_start_unix_ms(0); });
  EXPECT_EQ(s.refuse_code(R"pb(set_planned_start { planned_start_unix_ms: -1 })pb", engineer),
            v1::ERROR_CODE_MALFORMED);
}

}  // namespace
}  // namespace controlroom::server
