#include "controlroom/media/header.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

media_header sample_header() {
  media_header h;
  h.redundancy = true;
  h.discontinuity = false;
  h.retransmission = true;
  h.frame_samples = 240;
  h.sender_id = 0xA1B2C3D4;
  h.kind = stream_kind::cue;
  h.channels = 1;
  h.sequence = 0xFFFFFFFE;
  h.capture_time_us = 0x0102030405060708ull;
  h.timeline_position = -1234567;
  return h;
}

std::array<std::uint8_t, header_size> bytes_of(const media_header& h) {
  std::array<std::uint8_t, header_size> out{};
  write_header(h, out);
  return out;
}

TEST(MediaHeader, WritesTheDocumentedBigEndianLayout) {
  const auto b = bytes_of(sample_header());
  const std::array<std::uint8_t, header_size> expected = {
      0x01, 0x05, 0x00, 0xF0,                          // version, flags (redundancy|retrans), 240
      0xA1, 0xB2, 0xC3, 0xD4,                          // sender_id
      0x02, 0x01, 0x00, 0x00,                          // kind cue, mono, reserved
      0xFF, 0xFF, 0xFF, 0xFE,                          // sequence
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // capture_time_us
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xED, 0x29, 0x79,  // -1234567
  };
  EXPECT_EQ(b, expected);
}

TEST(MediaHeader, RoundTripsEveryFieldAtItsLimits) {
  for (std::uint16_t frame : {120, 240, 480, 960}) {
    for (std::uint8_t channels : {1, 2}) {
      for (auto kind : {stream_kind::program, stream_kind::talkback, stream_kind::cue}) {
        for (int flags = 0; flags < 8; ++flags) {
          media_header h;
          h.redundancy = flags & 1;
          h.discontinuity = flags & 2;
          h.retransmission = flags & 4;
          h.frame_samples = frame;
          h.channels = channels;
          h.kind = kind;
          h.sender_id = 0xFFFFFFFF;
          h.sequence = static_cast<std::uint32_t>(flags) * 0x9E3779B9u;
          h.capture_time_us = ~std::uint64_t{0};
          h.timeline_position = flags % 2 ? no_timeline_position : max_timeline_magnitude - 1;
          const auto b = bytes_of(h);
          const auto parsed = parse_header(b);
          ASSERT_TRUE(parsed.has_value());
          EXPECT_EQ(*parsed, h);
        }
      }
    }
  }
}

TEST(MediaHeader, RejectsShortInput) {
  const auto b = bytes_of(sample_header());
  for (std::size_t n = 0; n < header_size; ++n) {
    EXPECT_FALSE(parse_header(std::span(b).first(n)).has_value()) << n;
  }
  EXPECT_TRUE(parse_header(b).has_value());
}

TEST(MediaHeader, RejectsOtherVersions) {
  for (int v : {0, 2, 3, 0x81, 0xFF}) {
    auto b = bytes_of(sample_header());
    b[0] = static_cast<std::uint8_t>(v);
    EXPECT_FALSE(parse_header(b).has_value()) << v;
  }
}

TEST(MediaHeader, RejectsReservedFlagBits) {
  for (int bit = 3; bit < 8; ++bit) {
    auto b = bytes_of(sample_header());
    b[1] |= static_cast<std::uint8_t>(1u << bit);
    EXPECT_FALSE(parse_header(b).has_value()) << bit;
  }
}

TEST(MediaHeader, RejectsNonZeroReservedBytes) {
  for (std::size_t at : {10u, 11u}) {
    auto b = bytes_of(sample_header());
    b[at] = 0x01;
    EXPECT_FALSE(parse_header(b).has_value()) << at;
  }
}

TEST(MediaHeader, RejectsFrameSizesOtherThanTheFourDurations) {
  for (int n : {0, 1, 60, 119, 121, 360, 479, 481, 720, 961, 1920, 2880, 0xFFFF}) {
    auto b = bytes_of(sample_header());
    b[2] = static_cast<std::uint8_t>(n >> 8);
    b[3] = static_cast<std::uint8_t>(n);
    EXPECT_FALSE(parse_header(b).has_value()) << n;
  }
}

TEST(MediaHeader, RejectsChannelCountsOtherThanMonoAndStereo) {
  for (int c : {0, 3, 6, 255}) {
    auto b = bytes_of(sample_header());
    b[9] = static_cast<std::uint8_t>(c);
    EXPECT_FALSE(parse_header(b).has_value()) << c;
  }
}

TEST(MediaHeader, RejectsUnknownStreamKinds) {
  for (int k : {3, 4, 0x80, 255}) {
    auto b = bytes_of(sample_header());
    b[8] = static_cast<std::uint8_t>(k);
    EXPECT_FALSE(parse_header(b).has_value()) << k;
  }
}

TEST(MediaHeader, IsValidMatchesWhatParsesBack) {
  media_header h = sample_header();
  EXPECT_TRUE(is_valid(h));
  h.frame_samples = 100;
  EXPECT_FALSE(is_valid(h));
  h = sample_header();
  h.channels = 0;
  EXPECT_FALSE(is_valid(h));
  h = sample_header();
  h.kind = static_cast<stream_kind>(9);
  EXPECT_FALSE(is_valid(h));
}

TEST(MediaHeader, ParseDatagramBoundsPayload) {
  std::vector<std::uint8_t> d(header_size + 10, 0xAB);
  write_header(sample_header(), std::span(d).first<header_size>());
  const auto parsed = parse_datagram(d);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->payload.size(), 10u);
  EXPECT_EQ(parsed->payload.data(), d.data() + header_size);

  EXPECT_FALSE(parse_datagram(std::span(d).first(header_size)).has_value()) << "empty payload";
  d.resize(max_datagram_size);
  EXPECT_TRUE(parse_datagram(d).has_value());
  d.resize(max_datagram_size + 1);
  EXPECT_FALSE(parse_datagram(d).has_value()) << "oversized";
}

// Arbitrary bytes never crash the parser, and whatever it accepts is
// canonical: writing the parsed header back gives the same 32 bytes.
TEST(MediaHeader, RandomInputIsRejectedOrCanonical) {
  test::rng rng(20240601);
  std::array<std::uint8_t, 48> buf{};
  std::size_t accepted = 0;
  constexpr int iterations = 2'000'000;
  for (int i = 0; i < iterations; ++i) {
    for (std::size_t k = 0; k < buf.size(); k += 8) {
      const std::uint64_t r = rng.next();
      for (std::size_t j = 0; j < 8; ++j)
        buf[k + j] = static_cast<std::uint8_t>(r >> (8 * j));
    }
    // Bias half the inputs towards plausible headers so the deeper checks run.
    if (i % 2 == 0) {
      buf[0] = 1;
      buf[1] &= 0x0F;
      buf[2] = 0;
      buf[3] = static_cast<std::uint8_t>(std::array{120, 240, 480, 224}[buf[3] % 4]);
      buf[8] &= 0x03;
      buf[9] &= 0x03;
      buf[10] = buf[11] & 0x01 ? 0 : buf[10] & 0x01;
      buf[11] &= 0x01;
    }
    const std::size_t len = i % 2 == 0 ? header_size + buf[47] % 17 : buf[47] % buf.size();
    const auto parsed = parse_header(std::span(buf).first(len));
    if (!parsed)
      continue;
    ++accepted;
    ASSERT_GE(len, header_size);
    std::array<std::uint8_t, header_size> again{};
    write_header(*parsed, again);
    ASSERT_TRUE(std::equal(again.begin(), again.end(), buf.begin()));
  }
  // The biased half must reach acceptance often enough to mean something.
  EXPECT_GT(accepted, 10'000u);
}

}  // namespace
}  // namespace controlroom::media

namespace controlroom::media {
namespace {

TEST(header_timeline_range, positions_near_the_integer_limits_are_malformed) {
  media_header h;
  for (const std::int64_t bad :
       {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max() - 119,
        max_timeline_magnitude, -max_timeline_magnitude,
        std::numeric_limits<std::int64_t>::min() + 1}) {
    h.timeline_position = bad;
    EXPECT_FALSE(is_valid(h)) << bad;
    std::array<std::uint8_t, header_size> bytes{};
    write_header(h, bytes);
    EXPECT_FALSE(parse_header(bytes)) << bad;
  }
  for (const std::int64_t good : {no_timeline_position, std::int64_t{0}, std::int64_t{-48000},
                                  max_timeline_magnitude - 1, -max_timeline_magnitude + 1}) {
    h.timeline_position = good;
    std::array<std::uint8_t, header_size> bytes{};
    write_header(h, bytes);
    const auto parsed = parse_header(bytes);
    ASSERT_TRUE(parsed) << good;
    EXPECT_EQ(parsed->timeline_position, good);
  }
}

}  // namespace
}  // namespace controlroom::media
