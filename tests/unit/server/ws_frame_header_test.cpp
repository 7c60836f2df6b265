// The binary frame header ws_session writes before a MediaFrame it sends
// itself: RFC 6455 §5.2's three length encodings, at their boundaries.

#include "net/ws_frame_header.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

std::vector<int> bytes_of(std::uint64_t payload) {
  const auto h = binary_frame_header(payload);
  return {h.bytes.begin(), h.bytes.begin() + static_cast<std::ptrdiff_t>(h.size)};
}

TEST(ws_frame_header, short_payloads_carry_their_length_in_the_second_byte) {
  EXPECT_EQ(bytes_of(0), (std::vector<int>{0x82, 0}));
  EXPECT_EQ(bytes_of(125), (std::vector<int>{0x82, 125}));
}

TEST(ws_frame_header, payloads_up_to_64_kib_use_a_16_bit_length) {
  EXPECT_EQ(bytes_of(126), (std::vector<int>{0x82, 126, 0x00, 0x7e}));
  EXPECT_EQ(bytes_of(387), (std::vector<int>{0x82, 126, 0x01, 0x83}));
  EXPECT_EQ(bytes_of(65535), (std::vector<int>{0x82, 126, 0xff, 0xff}));
}

TEST(ws_frame_header, longer_payloads_use_a_64_bit_length) {
  EXPECT_EQ(bytes_of(65536), (std::vector<int>{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(bytes_of(0x0102030405060708), (std::vector<int>{0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

}  // namespace
}  // namespace controlroom::server
