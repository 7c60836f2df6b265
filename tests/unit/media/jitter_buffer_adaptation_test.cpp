// The jitter buffer's adaptation over time: a network that turns jittery,
// then calms down, with the playout clock pulling one frame per period.

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/jitter_buffer.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

constexpr std::uint64_t frame_us = 10'000;  // 480 samples

void insert(jitter_buffer& jb, std::uint32_t index, std::uint64_t arrival_us) {
  media_header h;
  h.frame_samples = 480;
  h.sequence = 7'000 + index;
  h.capture_time_us = index * frame_us;
  h.timeline_position = std::int64_t{index} * 480;
  h.discontinuity = index == 0;
  const std::uint8_t opus[] = {0xFC, 0xFF, 0xFE};
  jb.insert(h, opus, arrival_us);
}

// The adaptive depth: a network that turns jittery, then calms down.
TEST(JitterBuffer, DepthGrowsUnderJitterAndShrinksWhenCalm) {
  jitter_buffer jb;
  test::rng rng(42);
  struct arrival {
    std::uint64_t at;
    std::uint32_t index;
  };
  std::vector<arrival> arrivals;
  constexpr std::uint32_t phase = 1'000;  // frames: 10 s
  for (std::uint32_t i = 0; i < 4 * phase; ++i) {
    const bool jittery = i >= phase && i < 2 * phase;
    const auto jitter = static_cast<std::uint64_t>(rng.uniform() * (jittery ? 60'000 : 1'000));
    arrivals.push_back({i * frame_us + 5'000 + jitter, i});
  }
  std::sort(arrivals.begin(), arrivals.end(), [](auto& a, auto& b) { return a.at < b.at; });

  struct sample {
    std::uint32_t target, depth;
    std::uint64_t concealed;
  };
  std::vector<sample> at_phase_end;
  std::uint64_t concealed_late_in_jitter = 0;
  std::size_t next = 0;
  for (std::uint64_t t = 3'000; t < 4 * phase * frame_us; t += frame_us) {
    while (next < arrivals.size() && arrivals[next].at <= t) {
      insert(jb, arrivals[next].index, arrivals[next].at);
      ++next;
    }
    const auto before = jb.stats().concealed;
    if (jb.pull().drop)
      jb.pull();  // a latency cut: the next frame plays in its place
    const std::uint64_t frame_index = t / frame_us;
    if (frame_index > phase + 500 && frame_index < 2 * phase) {
      concealed_late_in_jitter += jb.stats().concealed - before;
    }
    if (frame_index % phase == phase - 1) {
      const auto st = jb.stats();
      at_phase_end.push_back({st.target_frames, st.depth_frames, st.concealed});
    }
  }
  ASSERT_EQ(at_phase_end.size(), 4u);
  // Calm: a couple of frames.
  EXPECT_LE(at_phase_end[0].target, 3u);
  EXPECT_LE(at_phase_end[0].depth, 4u);
  // Jitter up to 60 ms: the target and the depth follow it.
  EXPECT_GE(at_phase_end[1].target, 7u);
  EXPECT_GE(at_phase_end[1].depth, 6u);
  // ...and once adapted, (almost) no more concealment.
  EXPECT_LE(concealed_late_in_jitter, 5u);
  // Calm again: back down after the hold time.
  EXPECT_LE(at_phase_end[3].target, 3u);
  EXPECT_LE(at_phase_end[3].depth, 4u);
  EXPECT_GT(jb.stats().dropped, 0u);
  RecordProperty("concealed_total", std::to_string(jb.stats().concealed));
  RecordProperty("dropped_total", std::to_string(jb.stats().dropped));
}

}  // namespace
}  // namespace controlroom::media
