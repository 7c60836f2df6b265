#pragma once

// End-to-end audio through the real server with the real SDK: an engineer
// publishes, a producer listens, both in real time (a capture thread and an
// audio thread paced by steady_clock, as a device would), and what the
// producer heard is compared, sample by sample, with what was sent, aligned
// by the timeline position the SDK reports for it.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../unit/media/media_test_support.hpp"
#include "controlroom/controlroom.hpp"
#include "event_log.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"

namespace controlroom::testing {

using namespace std::chrono_literals;

inline constexpr std::size_t audio_chunk = 480;  // 10 ms, as capture and playback callbacks
inline constexpr std::int64_t audio_start_position = 48'000 * 60;  // one minute into the song

/// What the listener's audio thread recorded.
struct listening {
  std::vector<float> out;                          // interleaved stereo, every chunk rendered
  std::vector<std::optional<std::int64_t>> first;  // rendered_position() of each render
  std::vector<std::chrono::steady_clock::time_point> at;  // when each chunk was rendered
};

/// The listener's output against the source, on the samples it placed on
/// the timeline.
struct quality {
  std::size_t compared = 0;  // stereo samples on the timeline
  long lag = 0;              // best alignment correction, samples
  double snr_left = 0, snr_right = 0;
  double corr_left = 0, corr_right = 0;
  double cross_lr = 0;    // left out against right source: ~0 when stereo is kept
  double latency_ms = 0;  // median, send() call to render() call
};

struct audio_client {
  std::unique_ptr<controlroom::client> sdk;
  std::shared_ptr<event_log<std::vector<audio_stream_info>>> streams =
      std::make_shared<event_log<std::vector<audio_stream_info>>>();

  /// The received stream of `kind`, once announced.
  audio_stream wait_stream(stream_kind kind, std::chrono::milliseconds timeout = 10s) {
    const auto has = [kind](const std::vector<audio_stream_info>& list) {
      return std::any_of(list.begin(), list.end(),
                         [kind](const audio_stream_info& s) { return s.kind == kind; });
    };
    streams->wait_for(has, timeout);
    for (auto& s : sdk->audio_streams()) {
      if (s.info().kind == kind)
        return s;
    }
    return {};
  }
};

class audio_e2e : public ::testing::Test {
 protected:
  audio_e2e() = default;
  /// `tls`: the server serves wss:// (a test certificate the SDK trusts).
  explicit audio_e2e(bool tls) : tls_(tls) {}

  const bool tls_ = false;
  scratch_dir dir;
  std::optional<certificate> cert =
      tls_ ? std::optional(make_certificate(dir, "server", "IP:127.0.0.1")) : std::nullopt;
  // One worker: the session's UDP port is then media_ports()[0], which the
  // impairment proxy needs to know.
  test_server server{[this](server::config& cfg) {
    cfg.workers = 1;
    if (cert) {
      cfg.tls_cert_file = cert->cert_file;
      cfg.tls_key_file = cert->key_file;
    }
  }};
  person ada = server.make_person("ada");  // engineer
  person bob = server.make_person("bob");  // producer
  std::string session_id;

  void SetUp() override {
    auto owner = connect(ada);
    session_options options;
    options.title = "Album day 4";
    options.creator_roles = {role::engineer};
    options.invitees = {{bob.user.id, {role::producer}}};
    auto created = owner.sdk->create_session(options);
    ASSERT_TRUE(created) << created.message();
    session_id = created.value().id;
  }

  std::uint16_t media_port() { return server.instance().media_ports().at(0); }

  audio_client connect(const person& who) {
    audio_client c;
    client_config config{
        tls_ ? "wss://127.0.0.1:" + std::to_string(server.port()) + "/v1/control" : server.ws_url(),
        who.token};
    if (cert) {
      config.ca_file = cert->cert_file;
    }
    config.reconnect_initial_backoff = 20ms;
    config.reconnect_max_backoff = 200ms;
    c.sdk = std::make_unique<controlroom::client>(config);
    c.sdk->on_streams_changed(
        [log = c.streams](const std::vector<audio_stream_info>& s) { log->push(s); });
    const auto st = c.sdk->connect();
    EXPECT_TRUE(st) << st.message();
    return c;
  }

  audio_client joined_with_media(const person& who, const media_options& options) {
    auto c = connect(who);
    auto j = c.sdk->join(session_id);
    EXPECT_TRUE(j) << j.message();
    const auto opened = c.sdk->open_media(options);
    EXPECT_TRUE(opened) << opened.message();
    return c;
  }
};

/// Sends `source` (interleaved, `channels`) through `publisher` in 10 ms
/// chunks in real time from a capture thread, and renders `listener` in
/// 10 ms chunks on an audio thread for as long plus `tail`. Returns what the
/// audio thread heard and the send time of every chunk.
inline listening play_and_listen(audio_publisher& publisher, audio_stream listener,
                                 const std::vector<float>& source, int channels,
                                 std::vector<std::chrono::steady_clock::time_point>& sent_at,
                                 std::chrono::milliseconds tail = 600ms) {
  using clock = std::chrono::steady_clock;
  const std::size_t chunks = source.size() / static_cast<std::size_t>(channels) / audio_chunk;
  sent_at.assign(chunks, {});
  listening heard;
  const auto start = clock::now() + 20ms;
  std::thread capture([&] {
    for (std::size_t k = 0; k < chunks; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      sent_at[k] = clock::now();
      const auto first = k * audio_chunk * static_cast<std::size_t>(channels);
      publisher.send(std::span<const float>(source).subspan(
                         first, audio_chunk * static_cast<std::size_t>(channels)),
                     audio_start_position + static_cast<std::int64_t>(k * audio_chunk));
    }
  });
  const std::size_t renders = chunks + static_cast<std::size_t>(tail / 10ms);
  std::thread playback([&] {
    std::vector<float> buffer(audio_chunk * 2);
    heard.out.reserve(renders * buffer.size());
    for (std::size_t c = 0; c < renders; ++c) {
      std::this_thread::sleep_until(start + 5ms + c * 10ms);
      listener.render(buffer);
      heard.first.push_back(listener.rendered_position());
      heard.at.push_back(clock::now());
      heard.out.insert(heard.out.end(), buffer.begin(), buffer.end());
    }
  });
  capture.join();
  playback.join();
  return heard;
}

/// Places each rendered chunk on the timeline by its heard position and
/// compares it with the (stereo) source there. Skips the first `settle`
/// chunks of placed audio (the jitter buffer starting up).
inline quality measure(const std::vector<float>& source, const listening& heard,
                       const std::vector<std::chrono::steady_clock::time_point>& sent_at,
                       std::size_t settle = 20) {
  namespace mt = controlroom::media::test;
  const std::size_t n = source.size() / 2;
  std::vector<float> out(n * 2, 0.0f);
  std::vector<bool> placed(n, false);
  std::vector<double> latencies;
  std::size_t seen = 0;
  for (std::size_t c = 0; c < heard.first.size(); ++c) {
    if (!heard.first[c])
      continue;
    if (seen++ < settle)
      continue;
    const std::int64_t first = *heard.first[c];
    const std::int64_t index = first - audio_start_position;
    if (index < 0 || index + static_cast<std::int64_t>(audio_chunk) > static_cast<std::int64_t>(n))
      continue;
    for (std::size_t i = 0; i < audio_chunk; ++i) {
      const auto at = static_cast<std::size_t>(index) + i;
      out[at * 2] = heard.out[(c * audio_chunk + i) * 2];
      out[at * 2 + 1] = heard.out[(c * audio_chunk + i) * 2 + 1];
      placed[at] = true;
    }
    const auto k = static_cast<std::size_t>(index) / audio_chunk;
    const double within_ms =
        static_cast<double>(static_cast<std::size_t>(index) % audio_chunk) / 48;
    latencies.push_back(
        std::chrono::duration<double, std::milli>(heard.at[c] - sent_at[k]).count() - within_ms);
  }
  // Only placed samples count; the rest are zero on both sides.
  std::vector<float> ref(n * 2, 0.0f);
  quality q;
  for (std::size_t i = 0; i < n; ++i) {
    if (placed[i]) {
      ref[i * 2] = source[i * 2];
      ref[i * 2 + 1] = source[i * 2 + 1];
      ++q.compared;
    }
  }
  const auto ref_l = mt::channel_of(ref, 2, 0), ref_r = mt::channel_of(ref, 2, 1);
  const auto out_l = mt::channel_of(out, 2, 0), out_r = mt::channel_of(out, 2, 1);
  q.lag = mt::best_lag(ref_l, out_l, 48);
  q.snr_left = mt::snr_db(ref_l, out_l);
  q.snr_right = mt::snr_db(ref_r, out_r);
  q.corr_left = mt::correlation(ref_l, out_l);
  q.corr_right = mt::correlation(ref_r, out_r);
  q.cross_lr = mt::correlation(ref_r, out_l);
  if (!latencies.empty()) {
    std::nth_element(latencies.begin(), latencies.begin() + latencies.size() / 2, latencies.end());
    q.latency_ms = latencies[latencies.size() / 2];
  }
  return q;
}

inline void report(const char* what, const quality& q, const audio_stream_stats& s) {
  std::printf(
      "[audio] %s: compared %zu samples, lag %ld, SNR L/R %.1f/%.1f dB, corr L/R %.4f/%.4f, "
      "cross L-R %.3f, latency %.1f ms | received %llu lost %llu recovered %llu concealed %llu "
      "late %llu underruns %llu dropped %llu target %u frames, jitter %.2f ms\n",
      what, q.compared, q.lag, q.snr_left, q.snr_right, q.corr_left, q.corr_right, q.cross_lr,
      q.latency_ms, static_cast<unsigned long long>(s.received),
      static_cast<unsigned long long>(s.lost),
      static_cast<unsigned long long>(s.recovered_by_redundancy),
      static_cast<unsigned long long>(s.concealed), static_cast<unsigned long long>(s.late),
      static_cast<unsigned long long>(s.underruns), static_cast<unsigned long long>(s.dropped),
      s.target_frames, s.jitter_ms);
}

}  // namespace controlroom::testing
