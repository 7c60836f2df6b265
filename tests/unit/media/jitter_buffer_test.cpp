#include "controlroom/media/jitter_buffer.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/payload.hpp"

namespace controlroom::media {
namespace {

using kind = playout_frame::kind;

constexpr std::uint64_t frame_us = 10'000;  // 480 samples

// A synthetic stream: payload bytes name their frame, so the tests can see
// exactly which packet (or which redundant copy) came out.
struct stream {
  std::uint32_t first = 1000;
  bool redundancy = true;

  std::uint32_t seq(std::uint32_t index) const { return first + index; }

  static std::vector<std::uint8_t> opus_of(std::uint32_t seq) {
    return {static_cast<std::uint8_t>(seq >> 24),
            static_cast<std::uint8_t>(seq >> 16),
            static_cast<std::uint8_t>(seq >> 8),
            static_cast<std::uint8_t>(seq),
            0xEE,
            0xEE};
  }

  media_header header(std::uint32_t index, bool discontinuity = false) const {
    media_header h;
    h.frame_samples = 480;
    h.channels = 2;
    h.sequence = seq(index);
    h.capture_time_us = std::uint64_t{index} * frame_us;
    h.timeline_position = std::int64_t{index} * 480;
    h.discontinuity = discontinuity || index == 0;
    h.redundancy = redundancy && !h.discontinuity;
    return h;
  }

  std::vector<std::uint8_t> payload(const media_header& h) const {
    if (!h.redundancy)
      return opus_of(h.sequence);
    std::vector<std::uint8_t> out(64);
    const auto n = pack_redundant_payload(opus_of(h.sequence), opus_of(h.sequence - 1), out);
    out.resize(*n);
    return out;
  }

  jitter_buffer::insert_result insert(jitter_buffer& jb, std::uint32_t index,
                                      std::uint64_t arrival_us, bool discontinuity = false) const {
    const auto h = header(index, discontinuity);
    return jb.insert(h, payload(h), arrival_us);
  }
};

std::uint32_t seq_in(const playout_frame& f) {
  return f.payload.size() >= 4 ? (std::uint32_t{f.payload[0]} << 24) | (f.payload[1] << 16) |
                                     (f.payload[2] << 8) | f.payload[3]
                               : 0;
}

// Pulls until the first non-silent frame; returns the silent pulls.
int pull_until_playing(jitter_buffer& jb, playout_frame& first) {
  for (int n = 0; n < 100; ++n) {
    first = jb.pull();
    if (first.what != kind::silence)
      return n;
  }
  return -1;
}

TEST(JitterBuffer, SilenceUntilPrimedThenFramesInOrder) {
  jitter_buffer jb;
  stream s;
  EXPECT_EQ(jb.pull().what, kind::silence);
  EXPECT_EQ(jb.pull().samples, 120u) << "fine-grained silence before any packet";

  std::vector<playout_frame> out;
  for (std::uint32_t i = 0; i < 20; ++i) {
    s.insert(jb, i, i * frame_us);
    out.push_back(jb.pull());
  }
  // 20 ms initial delay + 2 ms margin over 10 ms frames: 1 + 3 frames.
  EXPECT_EQ(jb.target_frames(), 4u);
  std::size_t first = 0;
  while (out[first].what == kind::silence)
    ++first;
  EXPECT_EQ(first, 3u);
  EXPECT_TRUE(out[first].discontinuity);
  for (std::size_t k = first; k < out.size(); ++k) {
    const auto index = static_cast<std::uint32_t>(k - first);
    ASSERT_EQ(out[k].what, kind::frame);
    EXPECT_EQ(out[k].sequence, s.seq(index));
    EXPECT_EQ(seq_in(out[k]), s.seq(index));
    EXPECT_EQ(out[k].timeline_position, std::int64_t{index} * 480);
    EXPECT_FALSE(out[k].recovered);
    if (k > first) {
      EXPECT_FALSE(out[k].discontinuity);
    }
  }
  const auto st = jb.stats();
  EXPECT_EQ(st.received, 20u);
  EXPECT_EQ(st.lost + st.concealed + st.late + st.duplicates, 0u);
}

TEST(JitterBuffer, ReorderedPacketsPlayInOrder) {
  jitter_buffer jb;
  stream s;
  // Arrival order 0 2 1 3 5 4 6 8 7 ...: every third pair swapped.
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < 60; ++i)
    order.push_back(i);
  for (std::size_t i = 1; i + 1 < order.size(); i += 3)
    std::swap(order[i], order[i + 1]);
  std::vector<std::uint32_t> played;
  std::size_t next = 0;
  for (std::uint64_t t = 0; played.size() < 50; t += frame_us) {
    while (next < order.size() && order[next] * frame_us <= t)
      s.insert(jb, order[next++], t);
    const auto f = jb.pull();
    if (f.what != kind::silence)
      played.push_back(f.sequence - s.first);
    ASSERT_NE(f.what, kind::concealed);
  }
  for (std::uint32_t i = 0; i < played.size(); ++i)
    EXPECT_EQ(played[i], i);
  EXPECT_EQ(jb.stats().late, 0u);
}

TEST(JitterBuffer, ReorderedAheadOfStartIsNotLate) {
  jitter_buffer jb;
  stream s;
  s.insert(jb, 1, 0);
  EXPECT_EQ(s.insert(jb, 0, 100), jitter_buffer::insert_result::accepted);
  playout_frame f;
  pull_until_playing(jb, f);
  EXPECT_EQ(f.sequence, s.seq(0));
}

TEST(JitterBuffer, SingleLossIsRecoveredFromTheNextPacketsCopy) {
  jitter_buffer jb;
  stream s;
  for (std::uint32_t i = 0; i < 8; ++i) {
    if (i != 5)
      s.insert(jb, i, i * frame_us);
  }
  playout_frame f;
  pull_until_playing(jb, f);
  for (std::uint32_t i = 1; i <= 5; ++i)
    f = jb.pull();
  EXPECT_EQ(f.sequence, s.seq(5));
  EXPECT_EQ(f.what, kind::frame);
  EXPECT_TRUE(f.recovered);
  EXPECT_EQ(seq_in(f), s.seq(5)) << "the copy is the lost frame's own packet";
  EXPECT_EQ(f.timeline_position, 5 * 480);
  const auto st = jb.stats();
  EXPECT_EQ(st.lost, 1u);
  EXPECT_EQ(st.recovered_by_redundancy, 1u);
  EXPECT_EQ(st.concealed, 0u);
}

TEST(JitterBuffer, LateOwnPacketAfterTheCopyIsNotADuplicate) {
  jitter_buffer jb;
  stream s;
  s.insert(jb, 0, 0);
  s.insert(jb, 2, 10);  // carries 1
  EXPECT_EQ(s.insert(jb, 1, 20), jitter_buffer::insert_result::accepted);
  EXPECT_EQ(jb.stats().duplicates, 0u);
}

TEST(JitterBuffer, LossWithoutRedundancyIsConcealedWithTheNextPacketAtHand) {
  jitter_buffer jb;
  stream s;
  s.redundancy = false;
  for (std::uint32_t i = 0; i < 8; ++i) {
    if (i != 3)
      s.insert(jb, i, i * frame_us);
  }
  playout_frame f;
  pull_until_playing(jb, f);
  for (int i = 1; i <= 3; ++i)
    f = jb.pull();
  EXPECT_EQ(f.what, kind::concealed);
  EXPECT_EQ(f.sequence, s.seq(3));
  EXPECT_EQ(f.samples, 480u);
  EXPECT_EQ(seq_in(f), s.seq(4)) << "next packet offered for in-band FEC";
  EXPECT_EQ(f.timeline_position, 3 * 480);
  f = jb.pull();
  EXPECT_EQ(f.sequence, s.seq(4));
  EXPECT_EQ(f.what, kind::frame);
  EXPECT_EQ(jb.stats().lost, 1u);
  EXPECT_EQ(jb.stats().concealed, 1u);
}

TEST(JitterBuffer, BurstIsConcealedExceptItsLastFrame) {
  jitter_buffer jb;
  stream s;
  for (std::uint32_t i = 0; i < 12; ++i) {
    if (i < 4 || i > 6)
      s.insert(jb, i, i * frame_us);
  }
  playout_frame f;
  pull_until_playing(jb, f);
  std::vector<playout_frame> out;
  for (int i = 0; i < 8; ++i)
    out.push_back(jb.pull());
  EXPECT_EQ(out[3].what, kind::concealed);  // 4
  EXPECT_EQ(out[4].what, kind::concealed);  // 5
  EXPECT_EQ(out[5].what, kind::frame);      // 6, from 7's copy
  EXPECT_TRUE(out[5].recovered);
  const auto st = jb.stats();
  EXPECT_EQ(st.lost, 3u);
  EXPECT_EQ(st.recovered_by_redundancy, 1u);
  EXPECT_EQ(st.concealed, 2u);
}

TEST(JitterBuffer, DuplicatesAreIgnoredAndLatePacketsCounted) {
  jitter_buffer jb;
  stream s;
  s.redundancy = false;
  for (std::uint32_t i = 0; i < 10; ++i) {
    if (i != 6)
      s.insert(jb, i, i * frame_us);
  }
  EXPECT_EQ(s.insert(jb, 2, 0), jitter_buffer::insert_result::duplicate);
  playout_frame f;
  pull_until_playing(jb, f);
  for (int i = 0; i < 7; ++i)
    jb.pull();  // plays 1..5, conceals 6, plays 7
  EXPECT_EQ(s.insert(jb, 3, 0), jitter_buffer::insert_result::duplicate) << "already played";
  EXPECT_EQ(s.insert(jb, 6, 0), jitter_buffer::insert_result::late) << "already concealed";
  const auto st = jb.stats();
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(st.late, 1u);
  EXPECT_EQ(st.received, 9u);
}

TEST(JitterBuffer, SequenceWrapIsSeamless) {
  jitter_buffer jb;
  stream s;
  s.first = 0xFFFFFFFA;
  for (std::uint32_t i = 0; i < 16; ++i) {
    if (i != 7)
      s.insert(jb, i, i * frame_us);  // 7 is seq 1, recovered across the wrap
  }
  playout_frame f;
  pull_until_playing(jb, f);
  for (std::uint32_t i = 1; i < 14; ++i) {
    f = jb.pull();
    ASSERT_EQ(f.what, kind::frame) << i;
    EXPECT_EQ(f.sequence, s.seq(i));
  }
  EXPECT_EQ(jb.stats().recovered_by_redundancy, 1u);
  EXPECT_EQ(jb.stats().resyncs, 0u);
}

TEST(JitterBuffer, UnderrunWaitsForTheLatePacketThenStopsAndResumes) {
  jitter_buffer jb;
  stream s;
  s.redundancy = false;
  for (std::uint32_t i = 0; i < 5; ++i)
    s.insert(jb, i, i * frame_us);
  playout_frame f;
  pull_until_playing(jb, f);
  for (int i = 0; i < 4; ++i)
    f = jb.pull();  // 1..4
  // Nothing newer: conceal without advancing, twice.
  f = jb.pull();
  EXPECT_EQ(f.what, kind::concealed);
  EXPECT_EQ(f.sequence, s.seq(5));
  EXPECT_EQ(f.timeline_position, 5 * 480) << "heard position holds during the wait";
  EXPECT_EQ(jb.pull().sequence, s.seq(5));
  s.insert(jb, 5, 0);  // late but not too late
  f = jb.pull();
  EXPECT_EQ(f.what, kind::frame);
  EXPECT_EQ(f.sequence, s.seq(5));
  auto st = jb.stats();
  EXPECT_EQ(st.underruns, 2u);
  EXPECT_EQ(st.lost, 0u);

  // The sender stops: 100 ms of concealment, then silence.
  int concealed = 0;
  for (int i = 0; i < 30; ++i) {
    f = jb.pull();
    if (f.what == kind::concealed)
      ++concealed;
  }
  EXPECT_EQ(concealed, 10);
  EXPECT_EQ(f.what, kind::silence);

  // Talkback pressed again: a discontinuity, primed afresh from it.
  for (std::uint32_t i = 6; i < 12; ++i)
    s.insert(jb, i, 1'000'000 + i * frame_us, i == 6);
  pull_until_playing(jb, f);
  EXPECT_EQ(f.sequence, s.seq(6));
  EXPECT_TRUE(f.discontinuity);
}

TEST(JitterBuffer, DiscontinuityWaitsUntilPrimedFromTheJump) {
  jitter_buffer jb;
  stream s;
  for (std::uint32_t i = 0; i < 6; ++i)
    s.insert(jb, i, i * frame_us);
  playout_frame f;
  pull_until_playing(jb, f);
  for (int i = 0; i < 5; ++i)
    jb.pull();  // 1..5
  s.insert(jb, 6, 60'000, /*discontinuity=*/true);
  // One frame after the jump is not the target: silence, not concealment.
  f = jb.pull();
  EXPECT_EQ(f.what, kind::silence);
  for (std::uint32_t i = 7; i < 12; ++i)
    s.insert(jb, i, i * frame_us);
  f = jb.pull();
  EXPECT_EQ(f.what, kind::frame);
  EXPECT_EQ(f.sequence, s.seq(6));
  EXPECT_TRUE(f.discontinuity);
  EXPECT_EQ(jb.stats().concealed, 0u);
}

TEST(JitterBuffer, RedundancyIsNotTakenAcrossADiscontinuity) {
  jitter_buffer jb;
  stream s;
  s.insert(jb, 0, 0);
  media_header h = s.header(2, true);
  h.redundancy = true;  // a sender that should not have
  std::vector<std::uint8_t> p(64);
  p.resize(
      *pack_redundant_payload(stream::opus_of(h.sequence), stream::opus_of(h.sequence - 1), p));
  jb.insert(h, p, 10);
  playout_frame f;
  pull_until_playing(jb, f);
  EXPECT_EQ(jb.pull().what, kind::concealed);
}

TEST(JitterBuffer, SenderRestartResynchronises) {
  jitter_buffer jb;
  stream s;
  for (std::uint32_t i = 0; i < 6; ++i)
    s.insert(jb, i, i * frame_us);
  stream restarted;
  restarted.first = 0x80000000;
  // With the discontinuity flag: at once.
  EXPECT_EQ(restarted.insert(jb, 0, 100'000), jitter_buffer::insert_result::accepted);
  EXPECT_EQ(jb.stats().resyncs, 1u);

  // Without it (the flagged packet was lost): after a few in a row.
  stream again;
  again.first = 5;
  EXPECT_EQ(again.insert(jb, 1, 200'000), jitter_buffer::insert_result::late);
  EXPECT_EQ(again.insert(jb, 2, 210'000), jitter_buffer::insert_result::late);
  EXPECT_EQ(again.insert(jb, 3, 220'000), jitter_buffer::insert_result::late);
  EXPECT_EQ(again.insert(jb, 4, 230'000), jitter_buffer::insert_result::accepted);
  EXPECT_EQ(jb.stats().resyncs, 2u);
  playout_frame f;
  pull_until_playing(jb, f);
  EXPECT_EQ(f.sequence, again.seq(4));
}

TEST(JitterBuffer, RetransmissionFillsAGapOnlyInTime) {
  jitter_buffer jb;
  stream s;
  s.redundancy = false;
  for (std::uint32_t i = 0; i < 10; ++i) {
    if (i != 5 && i != 6)
      s.insert(jb, i, i * frame_us);
  }
  media_header h = s.header(5);
  h.retransmission = true;
  EXPECT_EQ(jb.insert(h, stream::opus_of(h.sequence), 0), jitter_buffer::insert_result::accepted);
  EXPECT_EQ(jb.insert(h, stream::opus_of(h.sequence), 0), jitter_buffer::insert_result::ignored);
  playout_frame f;
  pull_until_playing(jb, f);
  for (int i = 0; i < 6; ++i)
    f = jb.pull();  // 1..6; 6 concealed
  EXPECT_EQ(f.what, kind::concealed);
  h = s.header(6);
  h.retransmission = true;
  EXPECT_EQ(jb.insert(h, stream::opus_of(h.sequence), 0), jitter_buffer::insert_result::ignored);
  const auto st = jb.stats();
  EXPECT_EQ(st.retransmissions_ignored, 2u);
  EXPECT_EQ(st.late, 0u) << "a resend is expected to be late";
  EXPECT_EQ(st.lost, 1u);
}

TEST(JitterBuffer, OverflowKeepsOnlyMaxDelay) {
  jitter_buffer_config c;
  c.max_delay_us = 200'000;  // 20 frames of 10 ms
  jitter_buffer jb(c);
  stream s;
  for (std::uint32_t i = 0; i < 100; ++i)
    s.insert(jb, i, i * frame_us);
  EXPECT_EQ(jb.available(), 20u);
  EXPECT_EQ(jb.stats().dropped, 80u);
  playout_frame f;
  pull_until_playing(jb, f);
  EXPECT_GE(f.sequence, s.seq(80));
}

TEST(JitterBuffer, MalformedRedundancyFramingIsCounted) {
  jitter_buffer jb;
  media_header h;
  h.redundancy = true;
  const std::vector<std::uint8_t> bad = {0x00, 0x05, 0x01};
  EXPECT_EQ(jb.insert(h, bad, 0), jitter_buffer::insert_result::malformed);
  EXPECT_EQ(jb.stats().malformed, 1u);
  EXPECT_EQ(jb.pull().what, kind::silence);
}

}  // namespace
}  // namespace controlroom::media
