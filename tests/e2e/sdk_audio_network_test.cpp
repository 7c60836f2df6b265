// Audio under a bad network, the heard position, and audio across a resume,
// through the real server. The producer's UDP path runs through a seeded
// impairment proxy (tests/support/udp_impairment_proxy.hpp): the drops are
// the same every run, the jitter and reordering too, up to scheduling.

#include <gtest/gtest.h>

#include "audio_e2e.hpp"
#include "udp_impairment_proxy.hpp"

namespace controlroom::testing {
namespace {

namespace mt = controlroom::media::test;

class sdk_audio_network_e2e : public audio_e2e {
 protected:
  struct run {
    quality q;
    audio_stream_stats stats;
    impairment_counts network;
    media_status status;  // the impaired client's
  };

  run program_through_proxy(const impairment_plan& plan, const char* name) {
    udp_impairment_proxy proxy(media_port(), plan);
    media_options direct;
    direct.transport = media_transport::udp;
    media_options impaired = direct;
    impaired.udp_endpoint = "127.0.0.1:" + std::to_string(proxy.port());
    auto eng = joined_with_media(ada, direct);
    auto prod = joined_with_media(bob, impaired);
    EXPECT_EQ(prod.sdk->media_status().transport, media_transport::udp);
    auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
    EXPECT_TRUE(publisher) << publisher.message();
    auto stream = prod.wait_stream(stream_kind::program);
    EXPECT_TRUE(stream);
    if (!publisher || !stream)
      return {};
    const auto source = mt::music_signal(48'000 * 5);
    std::vector<std::chrono::steady_clock::time_point> sent_at;
    const auto heard = play_and_listen(publisher.value(), stream, source, 2, sent_at);
    run r{measure(source, heard, sent_at), stream.stats(), proxy.counts(),
          prod.sdk->media_status()};
    report(name, r.q, r.stats);
    std::printf("[audio] %s network: media %llu dropped %llu (isolated %llu) reordered %llu\n",
                name, static_cast<unsigned long long>(r.network.media),
                static_cast<unsigned long long>(r.network.dropped),
                static_cast<unsigned long long>(r.network.isolated_drops),
                static_cast<unsigned long long>(r.network.reordered));
    return r;
  }
};

TEST_F(sdk_audio_network_e2e, redundancy_recovers_single_losses_exactly) {
  impairment_plan plan;
  plan.seed = 42;
  plan.loss = 0.05;  // isolated drops: no bursts, no jitter
  const auto r = program_through_proxy(plan, "5% single losses");
  ASSERT_GT(r.network.isolated_drops, 10u);
  EXPECT_EQ(r.network.dropped, r.network.isolated_drops);
  // Every isolated drop comes back from the next packet's copy, bit-exact,
  // so the music is as good as over a clean path. (Scheduling on a busy
  // machine may make a few more packets late; those are recovered too.)
  EXPECT_GE(r.stats.lost, r.network.dropped * 9 / 10);
  EXPECT_GE(r.stats.recovered_by_redundancy, r.network.dropped * 9 / 10);
  EXPECT_LE(r.stats.concealed, 5u + r.stats.underruns);
  EXPECT_GE(r.q.compared, 48'000u * 4);
  EXPECT_GE(r.q.snr_left, 18.0);
  EXPECT_GE(r.q.snr_right, 15.0);
  EXPECT_GE(r.q.corr_left, 0.98);
}

// Every UDP datagram is sealed for its receiver (docs/sdk-audio.md,
// "Encryption"). An attacker on the producer's path replays datagrams, flips
// a bit, seals with a key of its own and sends the inner datagram unsealed:
// the client drops each one before its jitter buffer and counts it, and the
// music plays as over a clean path. Each injection precedes a genuine
// datagram that was played, so the counts are final when playback is.
TEST_F(sdk_audio_network_e2e,
       replayed_forged_foreign_and_unsealed_datagrams_are_dropped_and_counted) {
  impairment_plan plan;
  plan.inject_every = 10;
  plan.limit = 300;  // three seconds of attacks, then two clean ones
  const auto r = program_through_proxy(plan, "attacked path");
  const auto& n = r.network;
  std::printf(
      "[audio] attacks: %llu replays, %llu forgeries, %llu other-key, %llu unsealed; "
      "client dropped %llu replayed, %llu unauthenticated\n",
      static_cast<unsigned long long>(n.replays_injected),
      static_cast<unsigned long long>(n.forgeries_injected),
      static_cast<unsigned long long>(n.wrong_key_injected),
      static_cast<unsigned long long>(n.unsealed_injected),
      static_cast<unsigned long long>(r.status.datagrams_replayed),
      static_cast<unsigned long long>(r.status.datagrams_unauthenticated));
  ASSERT_GE(n.replays_injected, 25u);
  EXPECT_EQ(n.unopened, 0u);  // everything on the path was sealed with the client's key
  EXPECT_EQ(r.status.datagrams_replayed, n.replays_injected);
  EXPECT_EQ(r.status.datagrams_unauthenticated,
            n.forgeries_injected + n.wrong_key_injected + n.unsealed_injected);
  // None reached the stream: no duplicates, nothing malformed.
  EXPECT_EQ(r.stats.duplicates, 0u);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_GE(r.q.compared, 48'000u * 4);
  EXPECT_GE(r.q.snr_left, 18.0);
  EXPECT_GE(r.q.snr_right, 15.0);
  EXPECT_GE(r.q.corr_left, 0.98);
}

TEST_F(sdk_audio_network_e2e, playback_continues_through_loss_bursts_jitter_and_reordering) {
  impairment_plan plan;
  plan.seed = 7;
  plan.loss = 0.06;
  plan.burst = 0.4;  // some drops run into bursts of 2-4
  plan.jitter_ms = 12;
  plan.reorder = 0.03;
  const auto r = program_through_proxy(plan, "6% loss with bursts, 12 ms jitter, 3% reordered");
  EXPECT_GT(r.network.dropped, r.network.isolated_drops);  // there were bursts
  EXPECT_GT(r.stats.recovered_by_redundancy, 0u);
  EXPECT_GT(r.stats.concealed, 0u);  // the bursts' frames
  EXPECT_LT(r.stats.concealed, r.stats.lost + r.stats.underruns + 1);
  // The jitter buffer grew past the jitter instead of concealing all along.
  EXPECT_GE(r.stats.target_frames, 2u);
  // Playback went on: most of the timeline was placed, and it is the music.
  EXPECT_GE(r.q.compared, 48'000u * 4);
  EXPECT_GE(r.q.corr_left, 0.9);
  EXPECT_GE(r.q.corr_right, 0.9);
  EXPECT_GE(r.q.snr_left, 8.0);
}

// A tone burst after a second of silence is the onset. The producer's audio
// thread drops a marker at its heard position as soon as the onset is in
// what it has rendered: the marker must land within one frame of where the
// engineer's timeline had the onset.
TEST_F(sdk_audio_network_e2e, a_marker_at_the_heard_onset_matches_the_senders_position) {
  media_options options;
  auto eng = joined_with_media(ada, options);
  auto prod = joined_with_media(bob, options);
  auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
  ASSERT_TRUE(publisher) << publisher.message();
  auto stream = prod.wait_stream(stream_kind::program);
  ASSERT_TRUE(stream);

  constexpr std::size_t onset = 48'000;
  std::vector<float> source(48'000 * 2 * 2, 0.0f);
  for (std::size_t i = onset; i < source.size() / 2; ++i) {
    const double t = static_cast<double>(i - onset) / 48'000;
    const auto v = static_cast<float>(0.6 * std::sin(2 * 3.14159265358979 * 440 * t));
    source[i * 2] = v;
    source[i * 2 + 1] = v;
  }
  const std::int64_t onset_position = audio_start_position + static_cast<std::int64_t>(onset);

  using clock = std::chrono::steady_clock;
  std::optional<std::int64_t> marker_at;
  const auto start = clock::now() + 20ms;
  const std::size_t chunks = source.size() / 2 / audio_chunk;
  std::thread capture([&] {
    for (std::size_t k = 0; k < chunks; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      publisher.value().send(
          std::span<const float>(source).subspan(k * audio_chunk * 2, audio_chunk * 2),
          audio_start_position + static_cast<std::int64_t>(k * audio_chunk));
    }
  });
  std::thread playback([&] {
    std::vector<float> buffer(audio_chunk * 2);
    for (std::size_t c = 0; c < chunks + 60 && !marker_at; ++c) {
      std::this_thread::sleep_until(start + 5ms + c * 10ms);
      stream.render(buffer);
      const bool onset_heard =
          std::any_of(buffer.begin(), buffer.end(), [](float v) { return std::abs(v) > 0.2f; });
      if (onset_heard)
        marker_at = prod.sdk->heard_position(stream_kind::program);  // what the producer does
    }
  });
  capture.join();
  playback.join();
  ASSERT_TRUE(marker_at.has_value());

  auto version = prod.sdk->submit(add_marker{*marker_at, "vocal comes in", ""});
  ASSERT_TRUE(version) << version.message();
  const auto state = prod.sdk->state();
  ASSERT_EQ(state.markers.size(), 1u);
  const auto placed = state.markers.front().position_samples;
  std::printf("[audio] heard-position marker at %lld, onset at %lld: %+lld samples\n",
              static_cast<long long>(placed), static_cast<long long>(onset_position),
              static_cast<long long>(placed - onset_position));
  // Right after the callback that wrote the onset, the device (latency 0
  // here) is playing that callback's first samples: the marker lands within
  // one 10 ms frame of the onset.
  EXPECT_LE(std::abs(placed - onset_position), static_cast<std::int64_t>(audio_chunk));
}

// After the engineer's connection drops and the SDK resumes, media is
// reopened by itself and the same publisher keeps the producer hearing the
// program (under the engineer's new sender_id).
TEST_F(sdk_audio_network_e2e, a_publisher_keeps_working_across_a_resume) {
  media_options options;
  options.transport = media_transport::udp;
  auto eng = joined_with_media(ada, options);
  auto prod = joined_with_media(bob, options);
  auto states = std::make_shared<event_log<connection_state>>();
  eng.sdk->on_connection_state([states](connection_state s) { states->push(s); });
  auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
  ASSERT_TRUE(publisher) << publisher.message();
  auto before = prod.wait_stream(stream_kind::program);
  ASSERT_TRUE(before);
  const auto old_sender = before.info().sender_id;

  eng.sdk->interrupt();
  ASSERT_TRUE(states->wait_for([](connection_state s) { return s == connection_state::resumed; }));
  // The producer hears of the new stream once the engineer republished.
  const auto renewed = prod.streams->wait_for([old_sender](const auto& list) {
    return std::any_of(list.begin(), list.end(), [old_sender](const audio_stream_info& s) {
      return s.kind == stream_kind::program && s.sender_id != old_sender;
    });
  });
  ASSERT_TRUE(renewed);
  audio_stream after;
  for (auto& s : prod.sdk->audio_streams()) {
    if (s.info().kind == stream_kind::program && s.info().sender_id != old_sender)
      after = s;
  }
  ASSERT_TRUE(after);
  EXPECT_EQ(eng.sdk->media_status().sender_id, after.info().sender_id);

  const auto source = mt::music_signal(48'000 * 2);
  std::vector<std::chrono::steady_clock::time_point> sent_at;
  const auto heard = play_and_listen(publisher.value(), after, source, 2, sent_at);
  const auto q = measure(source, heard, sent_at);
  report("after resume", q, after.stats());
  EXPECT_GE(after.stats().received, 150u);
  EXPECT_GE(q.corr_left, 0.99);
}

}  // namespace
}  // namespace controlroom::testing
