// A take recorded through a lossy uplink: the engineer's outgoing UDP runs
// through a seeded proxy that drops about 10 % of its first transmissions,
// bursts included. The server's recorder fills isolated holes from the next
// datagram's redundant copy and asks (NACK) for the rest; the publisher
// resends them from its history. The take's file, as the engineer's replica
// reports it and as libopusfile decodes it from disk, must have no gaps and
// be the music that was sent, sample-aligned by its start position. Without
// the history the same losses stay gaps: healing is the publisher's doing.

#include <filesystem>
#include <opusfile.h>

#include <gtest/gtest.h>

#include "audio_e2e.hpp"
#include "udp_impairment_proxy.hpp"

namespace controlroom::testing {
namespace {

namespace mt = controlroom::media::test;

constexpr std::size_t music_frames = 400;  // 4 s of 10 ms frames through the lossy path
constexpr std::size_t tail_frames = 100;   // then 1 s on a clean path, for the last resends
constexpr std::size_t total_samples = (music_frames + tail_frames) * audio_chunk;
constexpr std::int64_t take_start = 0;

struct decoded_file {
  bool opened = false;
  std::int64_t pcm_total = 0;  // op_pcm_total: after pre-skip
  int channels = 0;
  std::vector<float> pcm;  // interleaved stereo
};

decoded_file decode(const std::string& path) {
  decoded_file out;
  int error = 0;
  auto* of = op_open_file(path.c_str(), &error);
  if (of == nullptr)
    return out;
  out.opened = true;
  out.pcm_total = op_pcm_total(of, -1);
  out.channels = op_channel_count(of, -1);
  std::vector<float> buffer(5760 * 2);
  for (;;) {
    // op_read_float_stereo down- or up-mixes to two channels: the file is
    // stereo already (checked above), so this is the file's own audio.
    const int n = op_read_float_stereo(of, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0)
      break;
    out.pcm.insert(out.pcm.end(), buffer.begin(), buffer.begin() + n * 2);
  }
  op_free(of);
  return out;
}

class sdk_take_recording_e2e : public audio_e2e {
 protected:
  struct recorded {
    std::optional<take_file> file;
    audio_publisher_stats sent;
    impairment_counts network;
    std::string path;
    decoded_file audio;
  };

  // The producer adds a song, the engineer selects it and records from
  // take_start; the take's id, or empty.
  std::string start_take(audio_client& eng, audio_client& prod) {
    const auto song = prod.sdk->submit(add_song{"Lighthouse", std::nullopt});
    EXPECT_TRUE(song) << song.message();
    if (!song)
      return {};
    EXPECT_TRUE(eng.sdk->submit(select_song{"s" + std::to_string(song.value())}));
    const auto take = eng.sdk->submit(record{take_start});
    EXPECT_TRUE(take) << take.message();
    return take ? "tk" + std::to_string(take.value()) : std::string();
  }

  // Stops at `position`, waits for the take's program file in the replica
  // and on disk, and decodes it.
  void stop_and_collect(audio_client& eng, event_log<event_info>& changes,
                        const std::string& take_id, std::int64_t position, recorded& r) {
    const auto stopped = eng.sdk->submit(stop{position});
    EXPECT_TRUE(stopped) << stopped.message();
    // The file closes with the take; the server reports it in the state.
    const bool reported =
        changes.wait_for([](const event_info& e) { return e.kind == "take_file_recorded"; })
            .has_value();
    EXPECT_TRUE(reported) << "no take_file_recorded event";
    const auto state = eng.sdk->state();
    const auto* recorded_take = state.find_take(take_id);
    EXPECT_NE(recorded_take, nullptr);
    if (recorded_take == nullptr || recorded_take->files.size() != 1)
      return;
    r.file = recorded_take->files.front();
    // The disk thread renames the finished file; the report may come first.
    r.path = server.recordings_dir() + "/" + session_id + "/" + take_id + "-program-" + r.file->id +
             ".opus";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::exists(r.path) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);  // polling a condition, with a deadline
    r.audio = decode(r.path);
  }

  // The engineer publishes the program through the proxy, records a take of
  // a song the producer added, plays the music from the take's start and
  // stops; returns the take's file once it is in the replica and on disk.
  recorded record_take(const impairment_plan& plan, const encoder_options& options,
                       const char* name) {
    recorded r;
    udp_impairment_proxy proxy(media_port(), plan);
    media_options media;
    media.transport = media_transport::udp;
    media.udp_endpoint = "127.0.0.1:" + std::to_string(proxy.port());
    auto eng = joined_with_media(ada, media);
    EXPECT_EQ(eng.sdk->media_status().transport, media_transport::udp);
    auto changes = std::make_shared<event_log<event_info>>();
    eng.sdk->on_state_changed([changes](const event_info& e) { changes->push(e); });
    auto prod = connect(bob);
    const auto joined = prod.sdk->join(session_id);
    EXPECT_TRUE(joined) << joined.message();
    auto publisher = eng.sdk->publish(stream_kind::program, options);
    EXPECT_TRUE(publisher) << publisher.message();
    const auto take_id = start_take(eng, prod);
    if (!publisher || take_id.empty())
      return r;

    // The capture callback: music from the take's start, in real time.
    const auto source = mt::music_signal(total_samples);
    const auto start = std::chrono::steady_clock::now() + 10ms;
    for (std::size_t k = 0; k < music_frames + tail_frames; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      publisher.value().send(
          std::span<const float>(source).subspan(k * audio_chunk * 2, audio_chunk * 2),
          take_start + static_cast<std::int64_t>(k * audio_chunk));
    }
    stop_and_collect(eng, *changes, take_id, static_cast<std::int64_t>(total_samples), r);
    r.sent = publisher.value().stats();
    r.network = proxy.counts();
    if (!r.file)
      return r;
    std::printf(
        "[take] %s: uplink media %llu dropped %llu (isolated %llu, in bursts %llu), resends "
        "%llu (dropped %llu), NACKs %llu | publisher: nacks %llu resent %llu misses %llu | "
        "file: %llu samples from %lld, healed %u unhealed %u, complete %d\n",
        name, static_cast<unsigned long long>(r.network.media),
        static_cast<unsigned long long>(r.network.dropped),
        static_cast<unsigned long long>(r.network.isolated_drops),
        static_cast<unsigned long long>(r.network.dropped - r.network.isolated_drops),
        static_cast<unsigned long long>(r.network.retransmissions),
        static_cast<unsigned long long>(r.network.retransmissions_dropped),
        static_cast<unsigned long long>(r.network.nacks),
        static_cast<unsigned long long>(r.sent.nacks_received),
        static_cast<unsigned long long>(r.sent.packets_resent),
        static_cast<unsigned long long>(r.sent.resend_misses),
        static_cast<unsigned long long>(r.file->duration_samples),
        static_cast<long long>(r.file->start_position), r.file->healed_gaps, r.file->unhealed_gaps,
        r.file->complete ? 1 : 0);
    return r;
  }

  static impairment_plan lossy_uplink() {
    impairment_plan plan;
    plan.seed = 11;
    plan.loss = 0.07;
    plan.burst = 0.35;  // drops run on into bursts of 2-4: beyond the redundancy
    plan.to_server = true;
    plan.limit = music_frames;
    plan.retransmission_loss = 0.1;  // resends are lost too, and asked for again
    return plan;
  }
};

TEST_F(sdk_take_recording_e2e, resends_heal_every_gap_of_the_take_file) {
  const auto r = record_take(lossy_uplink(), encoder_options::music(), "healed");
  ASSERT_TRUE(r.file.has_value());
  // The path lost what was planned: ~10 % of the music, with bursts.
  EXPECT_GE(r.network.dropped, music_frames / 15);
  EXPECT_GT(r.network.dropped, r.network.isolated_drops);
  EXPECT_FALSE(r.network.dropped_sequences.empty());

  EXPECT_GT(r.sent.nacks_received, 0u);
  EXPECT_GT(r.sent.packets_resent, 0u);
  EXPECT_EQ(r.sent.resend_misses, 0u);
  EXPECT_EQ(r.file->stream, "program");
  EXPECT_EQ(r.file->user_id, ada.user.id);
  EXPECT_TRUE(r.file->complete);
  EXPECT_EQ(r.file->unhealed_gaps, 0u);
  EXPECT_GT(r.file->healed_gaps, 0u);
  EXPECT_GE(r.file->healed_gaps, r.network.dropped);
  // The take starts where Record said, and the file is every frame sent:
  // 500 frames of 480 samples, less the encoder's lookahead before the
  // take's first sample (the file's pre-skip).
  EXPECT_EQ(r.file->start_position, take_start);
  constexpr std::uint64_t lookahead = 120;
  EXPECT_EQ(r.file->duration_samples, total_samples - lookahead);

  ASSERT_TRUE(r.audio.opened) << r.path;
  EXPECT_EQ(r.audio.channels, 2);
  EXPECT_EQ(static_cast<std::uint64_t>(r.audio.pcm_total), r.file->duration_samples);
  ASSERT_EQ(r.audio.pcm.size(), r.file->duration_samples * 2);
  // Decoded sample i sits at timeline position start_position + i, where
  // the source has sample start_position + i.
  const auto source = mt::music_signal(total_samples);
  const auto offset = static_cast<std::size_t>(r.file->start_position - take_start);
  const std::span<const float> sent(source.data() + offset * 2, r.audio.pcm.size());
  const auto ref_l = mt::channel_of(sent, 2, 0), ref_r = mt::channel_of(sent, 2, 1);
  const auto out_l = mt::channel_of(r.audio.pcm, 2, 0), out_r = mt::channel_of(r.audio.pcm, 2, 1);
  const double corr_l = mt::correlation(ref_l, out_l), corr_r = mt::correlation(ref_r, out_r);
  const auto lag = mt::best_lag(ref_l, out_l, 48);
  std::printf("[take] healed file: corr L/R %.4f/%.4f, SNR L/R %.1f/%.1f dB, best lag %ld\n",
              corr_l, corr_r, mt::snr_db(ref_l, out_l), mt::snr_db(ref_r, out_r), lag);
  EXPECT_GT(corr_l, 0.95);
  EXPECT_GT(corr_r, 0.95);
  EXPECT_EQ(lag, 0);
}

TEST_F(sdk_take_recording_e2e, without_a_history_the_bursts_stay_gaps) {
  auto options = encoder_options::music();
  options.resend_history = 0ms;
  const auto r = record_take(lossy_uplink(), options, "no history");
  ASSERT_TRUE(r.file.has_value());
  EXPECT_GT(r.network.dropped, r.network.isolated_drops);
  // The server asked, the publisher had nothing to resend.
  EXPECT_GT(r.sent.nacks_received, 0u);
  EXPECT_EQ(r.sent.packets_resent, 0u);
  EXPECT_GT(r.sent.resend_misses, 0u);
  EXPECT_EQ(r.network.retransmissions, 0u);
  // Redundancy still fills the isolated holes (and the last frame of each
  // burst); the rest of each burst is concealment in the file.
  EXPECT_GT(r.file->unhealed_gaps, 0u);
  EXPECT_GT(r.file->healed_gaps, 0u);
  EXPECT_EQ(r.file->healed_gaps + r.file->unhealed_gaps, r.network.dropped);
  ASSERT_TRUE(r.audio.opened) << r.path;
  EXPECT_EQ(static_cast<std::uint64_t>(r.audio.pcm_total), r.file->duration_samples);
}

// Over the WebSocket nothing is lost on the way, so the recorder only ever
// asks for what never left the client: here a 1 s chunk handed to send()
// at once, 100 frames into the 64-slot capture ring before the network
// thread is woken. Its NACKs come in MediaFrames; the publisher counts them
// and, having never sent those frames, counts misses instead of resending.
TEST_F(sdk_take_recording_e2e, nacks_reach_a_publisher_on_the_websocket) {
  media_options media;
  media.transport = media_transport::websocket;
  auto eng = joined_with_media(ada, media);
  auto changes = std::make_shared<event_log<event_info>>();
  eng.sdk->on_state_changed([changes](const event_info& e) { changes->push(e); });
  auto prod = connect(bob);
  ASSERT_TRUE(prod.sdk->join(session_id));
  auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
  ASSERT_TRUE(publisher) << publisher.message();
  const auto take_id = start_take(eng, prod);
  ASSERT_FALSE(take_id.empty());

  constexpr std::size_t burst_frames = 100, paced_frames = 50;
  const auto source = mt::music_signal((burst_frames + paced_frames) * audio_chunk);
  publisher.value().send(std::span<const float>(source).first(burst_frames * audio_chunk * 2),
                         take_start);
  const auto start = std::chrono::steady_clock::now() + 10ms;
  for (std::size_t k = burst_frames; k < burst_frames + paced_frames; ++k) {
    std::this_thread::sleep_until(start + (k - burst_frames) * 10ms);
    publisher.value().send(
        std::span<const float>(source).subspan(k * audio_chunk * 2, audio_chunk * 2),
        take_start + static_cast<std::int64_t>(k * audio_chunk));
  }
  recorded r;
  stop_and_collect(eng, *changes, take_id,
                   static_cast<std::int64_t>((burst_frames + paced_frames) * audio_chunk), r);
  ASSERT_TRUE(r.file.has_value());
  const auto sent = publisher.value().stats();
  std::printf(
      "[take] websocket, capture ring overflow: overflows %llu, sent %llu | nacks %llu resent "
      "%llu misses %llu | file healed %u unhealed %u\n",
      static_cast<unsigned long long>(sent.queue_overflows),
      static_cast<unsigned long long>(sent.sent_websocket),
      static_cast<unsigned long long>(sent.nacks_received),
      static_cast<unsigned long long>(sent.packets_resent),
      static_cast<unsigned long long>(sent.resend_misses), r.file->healed_gaps,
      r.file->unhealed_gaps);
  ASSERT_GT(sent.queue_overflows, 1u);
  EXPECT_EQ(sent.sent_udp, 0u);
  EXPECT_GT(sent.nacks_received, 0u);
  EXPECT_EQ(sent.packets_resent, 0u);
  EXPECT_GE(sent.resend_misses, sent.queue_overflows - 1);
  // The frame just before the hole comes back from the next datagram's
  // redundant copy (the encoder made it, the ring dropped it); the rest of
  // the hole stays.
  EXPECT_EQ(r.file->healed_gaps, 1u);
  EXPECT_EQ(r.file->unhealed_gaps, sent.queue_overflows - 1);
  ASSERT_TRUE(r.audio.opened) << r.path;
  EXPECT_EQ(static_cast<std::uint64_t>(r.audio.pcm_total), r.file->duration_samples);
}

}  // namespace
}  // namespace controlroom::testing
