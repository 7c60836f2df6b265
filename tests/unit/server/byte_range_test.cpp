#include "http/byte_range.hpp"

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

using kind = byte_range_request::kind;

TEST(byte_range, the_three_forms) {
  auto r = parse_byte_range("bytes=0-99", 1000);
  EXPECT_EQ(r.what, kind::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parse_byte_range("bytes=900-", 1000);
  EXPECT_EQ(r.what, kind::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = parse_byte_range("bytes=-10", 1000);
  EXPECT_EQ(r.what, kind::partial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.last, 999u);
}

TEST(byte_range, past_the_end_is_clamped_or_unsatisfiable) {
  auto r = parse_byte_range("bytes=500-5000", 1000);
  EXPECT_EQ(r.what, kind::partial);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_byte_range("bytes=1000-", 1000).what, kind::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=-0", 1000).what, kind::unsatisfiable);
  r = parse_byte_range("bytes=-5000", 1000);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_byte_range("bytes=0-", 0).what, kind::unsatisfiable);
}

TEST(byte_range, anything_else_means_the_whole_body) {
  for (const auto* header : {"", "bytes=", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=0-1,5-6",
                             "bytes=1", "bytes=--1", "bytes= 1-2"}) {
    EXPECT_EQ(parse_byte_range(header, 1000).what, kind::whole) << header;
  }
}

}  // namespace
}  // namespace controlroom::server
