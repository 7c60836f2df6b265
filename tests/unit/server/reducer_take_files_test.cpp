// The server's report of a recorded take file lands on its take.

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server::reducer_testing {
namespace {

TEST(reducer_take_files, a_recorded_file_is_added_to_its_take) {
  auto s = recorded_studio();
  const auto intent_text =
      R"pb(take_file_recorded {
             take_id: "tk5"
             file { id: "f-1" stream: "program" duration_samples: 48000 unhealed_gaps: 2 }
           })pb";
  s.accept(intent_text, server_actor);
  const auto& take = s.state.takes(0);
  ASSERT_EQ(take.id(), "tk5");
  ASSERT_EQ(take.files_size(), 1);
  EXPECT_EQ(take.files(0).id(), "f-1");
  EXPECT_EQ(take.files(0).duration_samples(), 48000u);
  EXPECT_EQ(take.files(0).unhealed_gaps(), 2u);
}

TEST(reducer_take_files, only_for_a_known_take_and_only_from_the_server) {
  auto s = recorded_studio();
  EXPECT_EQ(s.refuse_code(R"pb(take_file_recorded {
                                 take_id: "tk99"
                                 file { id: "f" }
                               })pb",
                          server_actor),
            v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(s.refuse_code(R"pb(take_file_recorded {
                                 take_id: "tk5"
                                 file {}
                               })pb",
                          server_actor),
            v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(s.refuse_code(R"pb(take_file_recorded {
                                 take_id: "tk5"
                                 file { id: "f" }
                               })pb",
                          engineer),
            v1::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace controlroom::server::reducer_testing
