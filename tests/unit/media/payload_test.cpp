#include "controlroom/media/payload.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t first) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(first + i);
  return v;
}

TEST(RedundantPayload, PacksAndUnpacks) {
  const auto primary = bytes(300, 1);
  const auto previous = bytes(280, 100);
  std::vector<std::uint8_t> out(1000);
  const auto n = pack_redundant_payload(primary, previous, out);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2 + 300 + 280u);
  EXPECT_EQ(out[0], 0x01);  // 300 big-endian
  EXPECT_EQ(out[1], 0x2C);

  const auto parts = unpack_redundant_payload(std::span(out).first(*n));
  ASSERT_TRUE(parts.has_value());
  EXPECT_TRUE(std::ranges::equal(parts->primary, primary));
  EXPECT_TRUE(std::ranges::equal(parts->redundant, previous));
}

TEST(RedundantPayload, PackRefusesEmptyPacketsAndShortOutput) {
  const auto a = bytes(10, 0);
  std::vector<std::uint8_t> out(100);
  EXPECT_FALSE(pack_redundant_payload({}, a, out));
  EXPECT_FALSE(pack_redundant_payload(a, {}, out));
  EXPECT_TRUE(pack_redundant_payload(a, a, std::span(out).first(22)));
  EXPECT_FALSE(pack_redundant_payload(a, a, std::span(out).first(21)));
  const std::vector<std::uint8_t> huge(70'000, 1);
  std::vector<std::uint8_t> big(140'010);
  EXPECT_FALSE(pack_redundant_payload(huge, a, big)) << "length must fit u16";
}

TEST(RedundantPayload, UnpackIsStrict) {
  using v = std::vector<std::uint8_t>;
  EXPECT_FALSE(unpack_redundant_payload(v{}));
  EXPECT_FALSE(unpack_redundant_payload(v{0x00}));
  EXPECT_FALSE(unpack_redundant_payload(v{0x00, 0x00, 0xAA, 0xBB})) << "zero-length primary";
  EXPECT_FALSE(unpack_redundant_payload(v{0x00, 0x02, 0xAA, 0xBB})) << "no redundant byte";
  EXPECT_FALSE(unpack_redundant_payload(v{0x00, 0x03, 0xAA, 0xBB})) << "primary overruns";
  EXPECT_FALSE(unpack_redundant_payload(v{0xFF, 0xFF, 0xAA, 0xBB}));
  const auto ok = unpack_redundant_payload(v{0x00, 0x01, 0xAA, 0xBB});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->primary.size(), 1u);
  EXPECT_EQ(ok->redundant.size(), 1u);
}

TEST(RedundantPayload, SplitFollowsTheHeaderFlag) {
  const std::vector<std::uint8_t> framed = {0x00, 0x01, 0xAA, 0xBB, 0xCC};
  media_header h;
  h.redundancy = false;
  auto plain = split_payload(h, framed);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->primary.size(), 5u);
  EXPECT_TRUE(plain->redundant.empty());
  EXPECT_FALSE(split_payload(h, {}));

  h.redundancy = true;
  auto red = split_payload(h, framed);
  ASSERT_TRUE(red);
  EXPECT_EQ(red->primary.size(), 1u);
  EXPECT_EQ(red->redundant.size(), 2u);
}

TEST(RedundantPayload, RandomInputStaysInBounds) {
  test::rng rng(99);
  std::array<std::uint8_t, 64> buf{};
  for (int i = 0; i < 200'000; ++i) {
    for (auto& b : buf)
      b = static_cast<std::uint8_t>(rng.next());
    buf[0] &= (i % 2) ? 0x00 : 0xFF;  // small lengths half of the time
    const std::size_t len = rng.next() % buf.size();
    const auto parts = unpack_redundant_payload(std::span(buf).first(len));
    if (!parts)
      continue;
    ASSERT_FALSE(parts->primary.empty());
    ASSERT_FALSE(parts->redundant.empty());
    ASSERT_EQ(2 + parts->primary.size() + parts->redundant.size(), len);
    ASSERT_EQ(parts->primary.data(), buf.data() + 2);
  }
}

}  // namespace
}  // namespace controlroom::media
