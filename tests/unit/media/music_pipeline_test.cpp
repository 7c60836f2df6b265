// A music-like stereo signal through the whole media path: stream_sender
// (Opus + redundancy + header) -> a deterministic network impairment model
// (single and burst losses, jitter, reordering) -> jitter_buffer -> Opus
// decoder. The output is compared with the input sample by sample through
// the timeline positions the packets carry, which also proves that the
// sender's codec-delay compensation puts audio where it belongs.

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/header.hpp"
#include "controlroom/media/jitter_buffer.hpp"
#include "controlroom/media/opus_decoder.hpp"
#include "controlroom/media/stream_sender.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

struct network {
  double single_loss = 0;  // probability that an isolated packet is lost
  double burst_loss = 0;   // probability that a burst of 2..4 starts
  std::uint64_t base_delay_us = 20'000;
  std::uint64_t jitter_us = 0;  // uniform extra delay
  double spike = 0;             // probability of an extra 25 ms (reorders)
  std::uint64_t seed = 1;
};

struct in_flight {
  std::uint64_t arrival_us;
  std::uint32_t seq;
  std::vector<std::uint8_t> datagram;
};

struct loss_truth {
  std::set<std::uint32_t> singles;
  std::vector<std::vector<std::uint32_t>> bursts;
  std::size_t lost = 0;
};

struct pipeline_result {
  std::vector<float> out_l, out_r, ref_l, ref_r;  // listener's stream, with its reference
  std::vector<float> recon_l;                     // frames only, placed on the timeline
  std::map<std::uint32_t, playout_frame::kind> outcome;
  std::set<std::uint32_t> recovered;
  loss_truth truth;
  stream_stats stats;
  std::size_t packets = 0;
  bool stalled = false;
};

pipeline_result run(const network& net, frame_duration frame, double seconds,
                    bool redundancy = true) {
  constexpr std::uint64_t start_us = 1'000'000;
  const auto total = static_cast<std::size_t>(seconds * sample_rate);
  const auto input = test::music_signal(total);

  // Sender: PCM in capture-callback-sized chunks, datagrams collected.
  std::vector<std::vector<std::uint8_t>> sent;
  sender_config sc;
  sc.codec.frame = frame;
  sc.initial_sequence = 0xFFFFFF00;  // wraps during the run
  sc.redundancy = redundancy;
  auto sender = stream_sender::create(
      sc, [&](std::span<const std::uint8_t> d) { sent.emplace_back(d.begin(), d.end()); });
  EXPECT_TRUE(sender);
  for (std::size_t at = 0; at < total; at += 256) {
    const std::size_t n = std::min<std::size_t>(256, total - at);
    EXPECT_FALSE(sender->push(std::span(input).subspan(at * 2, n * 2),
                              start_us + at * 1'000'000 / sample_rate,
                              static_cast<std::int64_t>(at)));
  }

  // Network: deterministic losses, delay and reordering.
  pipeline_result r;
  r.packets = sent.size();
  test::rng rng(net.seed);
  std::vector<in_flight> flight;
  std::size_t burst_left = 0;
  bool protect_next = true;
  std::vector<std::uint32_t> burst;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto h = *parse_header(sent[i]);
    bool lost = false;
    const bool edge = i < 5 || i + 5 >= sent.size();
    if (burst_left > 0) {
      lost = true;
      --burst_left;
    } else if (!protect_next && !edge) {
      const double u = rng.uniform();
      if (u < net.single_loss) {
        lost = true;
        r.truth.singles.insert(h.sequence);
      } else if (u < net.single_loss + net.burst_loss) {
        lost = true;
        burst_left = static_cast<std::size_t>(rng.between(1, 3));
        r.truth.bursts.emplace_back();
      }
    }
    if (lost && !r.truth.singles.contains(h.sequence))
      r.truth.bursts.back().push_back(h.sequence);
    protect_next = lost && burst_left == 0;  // losses stay separated by a delivered packet
    if (lost) {
      ++r.truth.lost;
      continue;
    }
    std::uint64_t delay =
        net.base_delay_us + static_cast<std::uint64_t>(rng.uniform() * net.jitter_us);
    if (rng.uniform() < net.spike)
      delay += 25'000;
    flight.push_back({h.capture_time_us + samples_of(frame) * 1'000'000 / sample_rate + delay,
                      h.sequence, std::move(sent[i])});
  }
  std::stable_sort(flight.begin(), flight.end(), [](const in_flight& a, const in_flight& b) {
    return a.arrival_us < b.arrival_us;
  });

  // Receiver: the audio device pulls one frame per frame period.
  jitter_buffer jb;
  auto decoder = opus_decoder::create(2);
  EXPECT_TRUE(decoder);
  std::vector<float> pcm(opus_decoder::max_frame_samples * 2);
  r.recon_l.assign(total, 0.0f);
  const std::uint64_t period = samples_of(frame) * 1'000'000 / sample_rate;
  const std::uint32_t last_seq = parse_header(flight.back().datagram)->sequence;
  std::size_t next = 0;
  bool playing = false;
  auto decode = [&](const playout_frame& f) -> std::size_t {
    if (f.what == playout_frame::kind::frame)
      return *decoder->decode(f.payload, pcm);
    if (f.what == playout_frame::kind::concealed)
      return *decoder->decode_fec(f.payload, f.samples, pcm);
    std::fill_n(pcm.begin(), f.samples * 2, 0.0f);
    return f.samples;
  };
  for (std::uint64_t t = start_us + 3'000; next < flight.size() || jb.available() > 0;
       t += period) {
    while (next < flight.size() && flight[next].arrival_us <= t) {
      const auto d = parse_datagram(flight[next].datagram);
      jb.insert(d->header, d->payload, flight[next].arrival_us);
      ++next;
    }
    playout_frame f = jb.pull();
    if (f.drop) {
      decode(f);  // keeps the decoder in step; the audio is cut
      f = jb.pull();
    }
    const std::size_t n = decode(f);
    if (f.what == playout_frame::kind::silence) {
      if (playing)
        r.stalled = true;
      continue;
    }
    playing = true;
    if (f.what == playout_frame::kind::frame && f.recovered)
      r.recovered.insert(f.sequence);
    if (!r.outcome.contains(f.sequence) || f.what == playout_frame::kind::frame) {
      r.outcome[f.sequence] = f.what;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t p = f.timeline_position + static_cast<std::int64_t>(i);
      if (p < 0 || p >= static_cast<std::int64_t>(total))
        continue;
      const auto at = static_cast<std::size_t>(p);
      r.out_l.push_back(pcm[i * 2]);
      r.out_r.push_back(pcm[i * 2 + 1]);
      r.ref_l.push_back(input[at * 2]);
      r.ref_r.push_back(input[at * 2 + 1]);
      if (f.what == playout_frame::kind::frame)
        r.recon_l[at] = pcm[i * 2];
    }
    if (f.sequence == last_seq && f.what == playout_frame::kind::frame)
      break;
  }
  r.stats = jb.stats();
  return r;
}

void report(const char* name, const pipeline_result& r) {
  std::size_t burst_frames = 0;
  for (const auto& b : r.truth.bursts)
    burst_frames += b.size();
  std::cout << "[ figures  ] " << name << ": packets " << r.packets << ", lost " << r.truth.lost
            << " (" << 100.0 * static_cast<double>(r.truth.lost) / static_cast<double>(r.packets)
            << "%: " << r.truth.singles.size() << " single, " << r.truth.bursts.size()
            << " bursts / " << burst_frames << " frames), recovered "
            << r.stats.recovered_by_redundancy << ", concealed " << r.stats.concealed << ", late "
            << r.stats.late << ", dropped " << r.stats.dropped << ", target "
            << r.stats.target_frames << " frames, jitter " << r.stats.jitter_ms << " ms, SNR L "
            << test::snr_db(r.ref_l, r.out_l) << " dB, R " << test::snr_db(r.ref_r, r.out_r)
            << " dB, corr L " << test::correlation(r.ref_l, r.out_l) << ", R "
            << test::correlation(r.ref_r, r.out_r) << "\n";
}

TEST(MusicPipeline, CleanNetworkIsTheCodecAlone) {
  const auto r = run({.seed = 3}, frame_duration::ms10, 4.0);
  report("clean 10 ms", r);
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.stats.concealed, 0u);
  EXPECT_GT(test::snr_db(r.ref_l, r.out_l), 25.0);
  EXPECT_GT(test::snr_db(r.ref_r, r.out_r), 20.0);
}

// 10 % loss in singles and bursts, up to 15 ms of jitter plus 25 ms spikes.
TEST(MusicPipeline, TenPercentLossWithJitterAndReordering) {
  network net;
  net.single_loss = 0.06;
  net.burst_loss = 0.016;
  net.jitter_us = 15'000;
  net.spike = 0.03;
  net.seed = 11;
  const auto r = run(net, frame_duration::ms10, 8.0);
  report("10% loss 10 ms", r);

  const double loss = static_cast<double>(r.truth.lost) / static_cast<double>(r.packets);
  EXPECT_GT(loss, 0.08);
  EXPECT_LT(loss, 0.13);
  EXPECT_FALSE(r.stalled) << "every pull after the start returned audio";

  // Every single loss came back bit-exact from the next packet's copy...
  std::size_t singles_recovered = 0;
  for (auto seq : r.truth.singles)
    singles_recovered += r.recovered.contains(seq);
  EXPECT_GE(singles_recovered * 100, r.truth.singles.size() * 97);
  // ...and in a burst all but the last frame had to be concealed.
  std::size_t must_conceal = 0;
  for (const auto& b : r.truth.bursts) {
    must_conceal += b.size() - 1;
    for (std::size_t i = 0; i + 1 < b.size(); ++i) {
      EXPECT_EQ(r.outcome.at(b[i]), playout_frame::kind::concealed) << b[i];
    }
  }
  EXPECT_GE(r.stats.concealed, must_conceal);
  EXPECT_LE(r.stats.concealed, must_conceal + r.truth.bursts.size() + 25);
  EXPECT_EQ(r.stats.recovered_by_redundancy, r.recovered.size());

  // The timeline positions align output and input exactly (codec delay
  // compensated by the sender): the best lag is zero.
  const auto input = test::music_signal(static_cast<std::size_t>(8.0 * sample_rate));
  const auto in_l = test::channel_of(input, 2, 0);
  EXPECT_EQ(test::best_lag(std::span(in_l).subspan(48'000, 48'000),
                           std::span(r.recon_l).subspan(48'000, 48'000), 300),
            0);

  // What the listener hears follows the music, per channel, not swapped.
  EXPECT_GT(test::correlation(r.ref_l, r.out_l), 0.93);
  EXPECT_GT(test::correlation(r.ref_r, r.out_r), 0.90);
  EXPECT_LT(std::abs(test::correlation(r.ref_r, r.out_l)), 0.2);
  EXPECT_LT(std::abs(test::correlation(r.ref_l, r.out_r)), 0.2);
  EXPECT_GT(test::snr_db(r.ref_l, r.out_l), 8.0);
}

// The same network without the redundant copies: every loss is concealed,
// and the music suffers measurably.
TEST(MusicPipeline, RedundancyIsWhatSavesTheSingleLosses) {
  network net;
  net.single_loss = 0.06;
  net.burst_loss = 0.016;
  net.jitter_us = 15'000;
  net.spike = 0.03;
  net.seed = 11;
  const auto with = run(net, frame_duration::ms10, 8.0);
  const auto without = run(net, frame_duration::ms10, 8.0, false);
  report("10% loss 10 ms, no redundancy", without);
  EXPECT_EQ(without.stats.recovered_by_redundancy, 0u);
  EXPECT_GE(without.stats.concealed, without.truth.lost);
  EXPECT_FALSE(without.stalled);
  EXPECT_GT(test::snr_db(with.ref_l, with.out_l), test::snr_db(without.ref_l, without.out_l) + 3.0);
}

// The shortest frames, where a lost packet costs least and the buffer
// counts the most frames.
TEST(MusicPipeline, ShortFramesUnderLossAndJitter) {
  network net;
  net.single_loss = 0.04;
  net.burst_loss = 0.01;
  net.jitter_us = 6'000;
  net.spike = 0.01;
  net.seed = 5;
  const auto r = run(net, frame_duration::ms2_5, 4.0);
  report("~7% loss 2.5 ms", r);
  EXPECT_FALSE(r.stalled);
  std::size_t singles_recovered = 0;
  for (auto seq : r.truth.singles)
    singles_recovered += r.recovered.contains(seq);
  EXPECT_GE(singles_recovered * 100, r.truth.singles.size() * 95);
  EXPECT_GT(test::correlation(r.ref_l, r.out_l), 0.93);
  EXPECT_LT(std::abs(test::correlation(r.ref_r, r.out_l)), 0.2);
}

}  // namespace
}  // namespace controlroom::media
