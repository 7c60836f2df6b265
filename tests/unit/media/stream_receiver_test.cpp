#include "controlroom/media/stream_receiver.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/stream_sender.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

struct datagram {
  std::uint64_t capture_us;
  std::vector<std::uint8_t> bytes;
};

std::vector<datagram> send(const sender_config& config, std::span<const float> pcm,
                           std::uint64_t start_us) {
  std::vector<datagram> out;
  auto sender = stream_sender::create(config, [&](std::span<const std::uint8_t> d) {
    out.push_back({parse_header(d)->capture_time_us, {d.begin(), d.end()}});
  });
  EXPECT_TRUE(sender);
  const auto channels = static_cast<std::size_t>(config.codec.channels);
  const std::size_t total = pcm.size() / channels;
  for (std::size_t at = 0; at < total; at += 480) {
    const std::size_t n = std::min<std::size_t>(480, total - at);
    EXPECT_FALSE(sender->push(pcm.subspan(at * channels, n * channels),
                              start_us + at * 1'000'000 / sample_rate,
                              static_cast<std::int64_t>(at)));
  }
  return out;
}

// Where in the input a stretch of output comes from, found from the audio
// alone (independent of the timeline bookkeeping under test).
std::int64_t locate_in_input(std::span<const float> input, std::span<const float> output,
                             std::int64_t guess, std::int64_t radius) {
  std::int64_t best = guess;
  double best_c = -2;
  for (std::int64_t p = guess - radius; p <= guess + radius; ++p) {
    if (p < 0 ||
        p + static_cast<std::int64_t>(output.size()) > static_cast<std::int64_t>(input.size())) {
      continue;
    }
    const double c =
        test::correlation(output, input.subspan(static_cast<std::size_t>(p), output.size()));
    if (c > best_c) {
      best_c = c;
      best = p;
    }
  }
  return best;
}

TEST(StreamReceiver, DecodesForAnyCallbackSizeAndKnowsWhatIsHeard) {
  constexpr std::uint64_t start_us = 10'000'000;
  constexpr std::uint32_t latency = 1'024;  // device latency, 8 callbacks of 128
  const auto input = test::music_signal(3 * 48'000);
  // The right channel's noise hits make the audio itself say where it is
  // (the tones alone are periodic, so correlation would be ambiguous).
  const auto input_r = test::channel_of(input, 2, 1);
  const auto packets = send({}, input, start_us);

  receiver_config rc;
  rc.output_latency_samples = latency;
  auto rx = stream_receiver::create(rc);
  ASSERT_TRUE(rx);
  EXPECT_FALSE(rx->heard_position(start_us));

  std::vector<float> block(128 * 2);
  std::vector<float> output_r;
  std::vector<std::pair<std::size_t, std::int64_t>> heard;  // output index heard, position claimed
  std::size_t next = 0;
  for (std::size_t j = 0; j < 3 * 48'000 / 128; ++j) {
    const std::uint64_t now = start_us + j * 128 * 1'000'000 / 48'000;
    while (next < packets.size() && packets[next].capture_us + 15'000 <= now) {
      EXPECT_TRUE(rx->push(packets[next].bytes, now));
      ++next;
    }
    rx->render(block, now);
    for (std::size_t i = 0; i < 128; ++i)
      output_r.push_back(block[i * 2 + 1]);
    if (const auto p = rx->heard_position(now)) {
      // At this callback the device plays what was written `latency` before.
      heard.emplace_back(j * 128 - latency, *p);
      if (j % 50 == 0) {
        EXPECT_EQ(rx->heard_position(now + 1'000), *p + 48) << "extrapolated in real time";
        EXPECT_EQ(rx->heard_position(now + 1'000'000), *p + 128) << "but not past one callback";
      }
    }
  }
  ASSERT_GT(heard.size(), 900u);
  int checked = 0;
  for (const auto& [index, claimed] : heard) {
    // Windows that start shortly before a noise hit (every 12000 samples, at 6000).
    const std::int64_t to_hit = 6'000 - claimed % 12'000;
    if (claimed < 0 || to_hit < 100 || to_hit > 600 || index + 2'048 > output_r.size())
      continue;
    const auto truth =
        locate_in_input(input_r, std::span(output_r).subspan(index, 2'048), claimed, 960);
    EXPECT_LE(std::llabs(truth - claimed), 480)
        << "within one frame, at output " << index << ": claimed " << claimed << ", audio says "
        << truth;
    ++checked;
  }
  EXPECT_GE(checked, 20);
  const auto st = rx->stats();
  EXPECT_EQ(st.received, next);
  EXPECT_EQ(st.concealed, 0u);
  EXPECT_EQ(st.malformed, 0u);
}

TEST(StreamReceiver, MonoStreamPlaysOnBothOutputChannels) {
  sender_config sc;
  sc.codec.channels = 1;
  const auto stereo = test::music_signal(48'000);
  const auto mono = test::channel_of(stereo, 2, 0);
  const auto packets = send(sc, mono, 0);
  auto rx = stream_receiver::create({});
  ASSERT_TRUE(rx);
  std::vector<float> out(240 * 2);
  std::vector<float> all;
  std::size_t next = 0;
  for (std::uint64_t now = 0; now < 1'000'000; now += 5'000) {
    while (next < packets.size() && packets[next].capture_us + 12'000 <= now) {
      rx->push(packets[next++].bytes, now);
    }
    rx->render(out, now);
    all.insert(all.end(), out.begin(), out.end());
  }
  EXPECT_EQ(rx->stats().concealed, 0u);
  const auto left = test::channel_of(all, 2, 0);
  const auto right = test::channel_of(all, 2, 1);
  EXPECT_GT(test::correlation(left, right), 0.999) << "the same audio on both sides";
  double energy = 0;
  for (float v : left)
    energy += v * v;
  EXPECT_GT(energy, 1.0);
}

TEST(StreamReceiver, CountsMalformedDatagramsAndQueueOverflow) {
  receiver_config rc;
  rc.queue_packets = 4;
  auto rx = stream_receiver::create(rc);
  ASSERT_TRUE(rx);
  const std::vector<std::uint8_t> short_one(10);
  std::vector<std::uint8_t> wrong_version(64);
  wrong_version[0] = 2;
  EXPECT_FALSE(rx->push(short_one, 0));
  EXPECT_FALSE(rx->push(wrong_version, 0));
  const auto packets = send({}, test::music_signal(480 * 6), 0);
  int accepted = 0;
  for (const auto& p : packets)
    accepted += rx->push(p.bytes, 0);
  EXPECT_EQ(accepted, 4);
  const auto st = rx->stats();
  EXPECT_EQ(st.malformed, 2u);
  EXPECT_EQ(st.queue_overflows, 2u);
  receiver_config three;
  three.channels = 3;
  EXPECT_EQ(stream_receiver::create(three).error(), errc::bad_settings);
}

// Jitter, then calm: the receiver cuts latency again, crossfading over the
// dropped frames; the audio stays continuous.
TEST(StreamReceiver, CutsLatencyWhenTheNetworkCalms) {
  receiver_config rc;
  rc.jitter.hold_us = 500'000;
  rc.jitter.warmup_us = 100'000;
  auto rx = stream_receiver::create(rc);
  ASSERT_TRUE(rx);
  const auto input = test::music_signal(6 * 48'000);
  const auto packets = send({}, input, 0);
  test::rng rng(3);
  std::vector<std::pair<std::uint64_t, std::size_t>> arrivals;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const double jitter = i < 150 ? rng.uniform() * 50'000 : rng.uniform() * 500;
    arrivals.emplace_back(packets[i].capture_us + 10'000 + static_cast<std::uint64_t>(jitter), i);
  }
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<float> out(480 * 2);
  std::size_t next = 0;
  std::uint32_t depth_in_jitter = 0;
  float worst_step = 0;
  float last = 0;
  for (std::uint64_t now = 0; now < 6'000'000; now += 10'000) {
    while (next < arrivals.size() && arrivals[next].first <= now) {
      rx->push(packets[arrivals[next].second].bytes, arrivals[next].first);
      ++next;
    }
    rx->render(out, now);
    for (std::size_t i = 0; i < 480; ++i) {
      ASSERT_TRUE(std::isfinite(out[i * 2]));
      worst_step = std::max(worst_step, std::abs(out[i * 2] - last));
      last = out[i * 2];
    }
    if (now == 1'500'000)
      depth_in_jitter = rx->stats().depth_frames;
  }
  const auto st = rx->stats();
  EXPECT_GE(depth_in_jitter, 4u);
  EXPECT_GT(st.dropped, 0u);
  EXPECT_LE(st.depth_frames, 3u);
  // The signal's own steepest step is about 0.1 per sample; a hard splice
  // between unrelated frames could be several times that.
  EXPECT_LT(worst_step, 0.35f);
  RecordProperty("worst_step", std::to_string(worst_step));
  RecordProperty("dropped", std::to_string(st.dropped));
}

// The real threading: a network thread pushing while the audio thread
// renders (run under TSan to check the hand-off and the stats snapshot).
TEST(StreamReceiver, NetworkAndAudioThreadsRunConcurrently) {
  const auto packets = send({}, test::music_signal(2 * 48'000), 0);
  auto rx = stream_receiver::create({});
  ASSERT_TRUE(rx);
  std::atomic<bool> pushed{false};
  std::atomic<bool> rendering_done{false};
  std::thread network([&] {
    for (const auto& p : packets) {
      while (!rx->push(p.bytes, p.capture_us))
        std::this_thread::yield();
    }
    pushed = true;
  });
  std::thread reader([&] {
    std::uint64_t seen = 0;
    while (!rendering_done && (!pushed || seen < packets.size())) {
      const auto st = rx->stats();  // any thread
      ASSERT_GE(st.received, seen) << "counters never go back";
      seen = st.received;
      std::this_thread::yield();
    }
  });
  std::vector<float> out(128 * 2);
  bool finite = true;
  for (std::uint64_t n = 0; n < 20'000'000 && rx->stats().received < packets.size(); ++n) {
    rx->render(out, n);
    finite =
        finite && std::all_of(out.begin(), out.end(), [](float v) { return std::isfinite(v); });
  }
  rendering_done = true;
  network.join();
  reader.join();
  EXPECT_TRUE(finite);
  EXPECT_EQ(rx->stats().received, packets.size());
}

}  // namespace
}  // namespace controlroom::media
