#include "controlroom/media/probe.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/header.hpp"

namespace controlroom::media {
namespace {

probe sample_probe() {
  probe p;
  p.sender_id = 0xA1B2C3D4;
  for (std::size_t i = 0; i < media_token_size; ++i) {
    p.token[i] = static_cast<std::uint8_t>(0xF0 + i);
  }
  p.client_time_us = 0x0102030405060708ULL;
  return p;
}

TEST(probe, round_trips_with_the_documented_layout) {
  std::array<std::uint8_t, probe_size> bytes{};
  write_probe(sample_probe(), bytes);
  EXPECT_EQ(bytes[0], 0x80);
  EXPECT_EQ(bytes[1] | bytes[2] | bytes[3], 0);
  EXPECT_EQ(bytes[4], 0xA1);
  EXPECT_EQ(bytes[7], 0xD4);
  EXPECT_EQ(bytes[8], 0xF0);
  EXPECT_EQ(bytes[23], 0xFF);
  EXPECT_EQ(bytes[24], 0x01);
  EXPECT_EQ(bytes[31], 0x08);
  const auto parsed = parse_probe(bytes);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, sample_probe());
}

TEST(probe, reply_round_trips_with_the_documented_layout) {
  const probe_reply r{7, 1'000'001, 2'000'002};
  std::array<std::uint8_t, probe_reply_size> bytes{};
  write_probe_reply(r, bytes);
  EXPECT_EQ(bytes[0], 0x81);
  EXPECT_EQ(bytes[7], 7);
  const auto parsed = parse_probe_reply(bytes);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, r);
}

TEST(probe, rejects_wrong_size_type_and_reserved_bytes) {
  std::array<std::uint8_t, probe_size> bytes{};
  write_probe(sample_probe(), bytes);
  std::vector<std::uint8_t> longer(bytes.begin(), bytes.end());
  longer.push_back(0);
  EXPECT_FALSE(parse_probe(longer));
  EXPECT_FALSE(parse_probe(std::span(bytes).first(probe_size - 1)));
  for (std::size_t i = 1; i < 4; ++i) {
    auto bad = bytes;
    bad[i] = 1;
    EXPECT_FALSE(parse_probe(bad)) << "reserved byte " << i;
  }
  auto reply_type = bytes;
  reply_type[0] = probe_reply_type;
  EXPECT_FALSE(parse_probe(reply_type));
  // A probe is never mistaken for a media datagram, nor the reverse.
  EXPECT_FALSE(parse_header(bytes));
  std::array<std::uint8_t, probe_reply_size> reply{};
  write_probe_reply({}, reply);
  EXPECT_FALSE(parse_probe(reply));
  EXPECT_FALSE(parse_probe_reply(bytes));
}

TEST(probe, tokens_compare_by_every_byte) {
  const auto a = sample_probe().token;
  EXPECT_TRUE(tokens_equal(a, a));
  for (std::size_t i = 0; i < media_token_size; ++i) {
    auto b = a;
    b[i] ^= 0x10;
    EXPECT_FALSE(tokens_equal(a, b)) << i;
  }
}

}  // namespace
}  // namespace controlroom::media
