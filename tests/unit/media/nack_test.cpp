#include "controlroom/media/nack.hpp"

#include <gtest/gtest.h>

namespace controlroom::media {
namespace {

TEST(nack, round_trips_with_the_documented_layout) {
  const nack n{0x01020304, stream_kind::cue, {7, 0xFFFFFFFF, 0}};
  const auto bytes = write_nack(n);
  ASSERT_EQ(bytes.size(), 8u + 12u);
  EXPECT_EQ(bytes[0], 0x82);
  EXPECT_EQ(bytes[1], 2);
  EXPECT_EQ(bytes[3], 3);
  EXPECT_EQ(bytes[4], 0x01);
  EXPECT_EQ(bytes[11], 7);
  EXPECT_EQ(parse_nack(bytes), n);
}

TEST(nack, rejects_bad_counts_kinds_and_sizes) {
  auto bytes = write_nack({1, stream_kind::program, {1, 2}});
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(parse_nack(longer));
  EXPECT_FALSE(parse_nack(std::span(bytes).first(bytes.size() - 1)));
  auto bad_kind = bytes;
  bad_kind[1] = 3;
  EXPECT_FALSE(parse_nack(bad_kind));
  auto zero = bytes;
  zero[3] = 0;
  EXPECT_FALSE(parse_nack(zero));
  std::vector<std::uint32_t> many(65, 1);
  auto too_many = write_nack({1, stream_kind::program, many});
  EXPECT_FALSE(parse_nack(too_many));
  EXPECT_FALSE(parse_header(bytes)) << "never mistaken for media";
}

}  // namespace
}  // namespace controlroom::media
