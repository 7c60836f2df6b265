#include "operation_ids.hpp"

#include <set>

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

TEST(operation_ids, client_id_then_a_counter) {
  operation_ids ids(0x9f2c0a7e11d3b845);
  EXPECT_EQ(ids.next(), "9f2c0a7e11d3b845-1");
  EXPECT_EQ(ids.next(), "9f2c0a7e11d3b845-2");
  operation_ids small(1);
  EXPECT_EQ(small.next(), "0000000000000001-1");
}

TEST(operation_ids, never_repeat_and_fit_the_protocol) {
  operation_ids ids(operation_ids::random_client_id());
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = ids.next();
    EXPECT_GE(id.size(), 1u);
    EXPECT_LE(id.size(), 100u);
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(operation_ids, clients_get_different_ids) {
  EXPECT_NE(operation_ids::random_client_id(), operation_ids::random_client_id());
}

}  // namespace
}  // namespace controlroom::detail
