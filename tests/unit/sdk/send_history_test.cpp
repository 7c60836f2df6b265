// The publisher's history of sent datagrams, from which NACKs are answered.

#include "send_history.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/header.hpp"

namespace controlroom::detail {
namespace {

std::vector<std::uint8_t> datagram(std::uint32_t sender_id, std::uint32_t sequence,
                                   std::size_t payload = 40, bool redundancy = false) {
  media::media_header h;
  h.sender_id = sender_id;
  h.sequence = sequence;
  h.redundancy = redundancy;
  h.discontinuity = sequence % 7 == 0;
  h.timeline_position = 480 * static_cast<std::int64_t>(sequence);
  std::vector<std::uint8_t> out(media::header_size + payload);
  media::write_header(h,
                      std::span<std::uint8_t, media::header_size>(out.data(), media::header_size));
  for (std::size_t i = 0; i < payload; ++i)
    out[media::header_size + i] = static_cast<std::uint8_t>(sequence + i);
  return out;
}

std::vector<std::uint8_t> bytes(std::span<const std::uint8_t> s) {
  return {s.begin(), s.end()};
}

TEST(send_history, sizes_cover_the_span_in_whole_frames_rounded_to_a_power_of_two) {
  EXPECT_EQ(history_datagrams(2'000'000, 480), 200u);  // 2 s of 10 ms frames
  EXPECT_EQ(history_datagrams(2'000'000, 120), 800u);  // 2.5 ms
  EXPECT_EQ(history_datagrams(2'000'000, 960), 100u);
  EXPECT_EQ(history_datagrams(10'001, 480), 2u);  // a partial frame still needs its slot
  EXPECT_EQ(history_datagrams(0, 480), 0u);
  EXPECT_EQ(send_history(200, 1400).capacity(), 256u);
  EXPECT_EQ(send_history(256, 1400).capacity(), 256u);
  EXPECT_EQ(send_history(0, 1400).capacity(), 0u);
}

TEST(send_history, answers_with_the_exact_bytes_sent) {
  send_history h(8, 1400);
  const auto a = datagram(5, 100, 300, true);
  const auto b = datagram(5, 101, 1);
  h.record(a);
  h.record(b);
  EXPECT_EQ(bytes(h.find(5, 100)), a);
  EXPECT_EQ(bytes(h.find(5, 101)), b);
  EXPECT_TRUE(h.find(5, 102).empty());  // not sent (yet)
  EXPECT_TRUE(h.find(6, 100).empty());  // another sender_id: sent before a resume
}

TEST(send_history, keeps_the_last_capacity_datagrams_only) {
  send_history h(4, 1400);
  for (std::uint32_t s = 10; s < 20; ++s)
    h.record(datagram(1, s));
  for (std::uint32_t s = 10; s < 16; ++s)
    EXPECT_TRUE(h.find(1, s).empty()) << s;
  for (std::uint32_t s = 16; s < 20; ++s)
    EXPECT_EQ(bytes(h.find(1, s)), datagram(1, s)) << s;
}

TEST(send_history, a_gap_in_what_was_sent_is_a_miss_not_a_stale_answer) {
  // The capture ring dropped 3 (network thread stalled): its slot still
  // holds a datagram from the previous lap, which must not answer for it.
  send_history h(4, 1400);
  for (const std::uint32_t s : {0u, 1u, 2u, 4u, 5u, 6u})
    h.record(datagram(1, s));
  EXPECT_TRUE(h.find(1, 3).empty());
  EXPECT_TRUE(h.find(1, 7).empty());
  EXPECT_FALSE(h.find(1, 6).empty());
}

TEST(send_history, sequences_wrap_without_a_seam) {
  send_history h(8, 1400);
  for (std::uint32_t i = 0; i < 8; ++i)
    h.record(datagram(9, 0xFFFF'FFFCu + i));  // ..FFFC .. FFFF, 0 .. 3
  for (std::uint32_t i = 0; i < 8; ++i)
    EXPECT_EQ(bytes(h.find(9, 0xFFFF'FFFCu + i)), datagram(9, 0xFFFF'FFFCu + i)) << i;
}

TEST(send_history, refuses_what_does_not_fit_and_a_zero_history_keeps_nothing) {
  send_history h(4, 100);
  h.record(datagram(1, 1, 100 - media::header_size + 1));
  EXPECT_TRUE(h.find(1, 1).empty());
  h.record(std::vector<std::uint8_t>(10, 1));  // shorter than a header
  send_history none(0, 1400);
  none.record(datagram(1, 1));
  EXPECT_TRUE(none.find(1, 1).empty());
}

TEST(send_history, a_retransmission_differs_only_by_its_flag_and_parses) {
  const auto sent = datagram(3, 77, 200, true);
  std::vector<std::uint8_t> out;
  make_retransmission(sent, out);
  ASSERT_EQ(out.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i != 1) {
      EXPECT_EQ(out[i], sent[i]) << i;
    }
  }
  EXPECT_EQ(out[1], sent[1] | media::header_flags::retransmission);
  const auto original = media::parse_header(sent);
  auto resent = media::parse_header(out);
  ASSERT_TRUE(original && resent);
  EXPECT_TRUE(resent->retransmission);
  resent->retransmission = false;
  EXPECT_EQ(*resent, *original);
}

}  // namespace
}  // namespace controlroom::detail
