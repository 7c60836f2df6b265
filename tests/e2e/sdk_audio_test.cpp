// Audio through the real server with the real SDK on loopback: the
// engineer's program mix (a music-like stereo signal) reaches the producer
// at studio quality over UDP, over the forced WebSocket transport (ws:// and
// wss://), and over the automatic fallback when UDP is black-holed. Quality is asserted on the
// samples the producer placed on the timeline; latency is reported, bounded
// only generously (CI runs on two busy cores).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "audio_e2e.hpp"
#include "metrics/registry.hpp"
#include "prometheus_text.hpp"

namespace controlroom::testing {
namespace {

namespace mt = controlroom::media::test;

// A UDP port that is bound, so nothing else gets it, and never answers.
class black_hole {
 public:
  black_hole() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~black_hole() { ::close(fd_); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

class sdk_audio_e2e : public audio_e2e {
 protected:
  sdk_audio_e2e() = default;
  explicit sdk_audio_e2e(bool tls) : audio_e2e(tls) {}

  // Engineer publishes the program mix, producer listens; returns the quality.
  quality program_through(const media_options& engineer_media, const media_options& producer_media,
                          media_transport expect_engineer, media_transport expect_producer,
                          const char* name) {
    auto eng = joined_with_media(ada, engineer_media);
    auto prod = joined_with_media(bob, producer_media);
    EXPECT_EQ(eng.sdk->media_status().transport, expect_engineer);
    EXPECT_EQ(prod.sdk->media_status().transport, expect_producer);
    auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
    EXPECT_TRUE(publisher) << publisher.message();
    if (!publisher)
      return {};
    auto stream = prod.wait_stream(stream_kind::program);
    EXPECT_TRUE(stream);
    if (!stream)
      return {};
    EXPECT_EQ(stream.info().channels, 2);
    EXPECT_EQ(stream.info().user_id, ada.user.id);

    const auto source = mt::music_signal(48'000 * 4);
    std::vector<std::chrono::steady_clock::time_point> sent_at;
    const auto heard = play_and_listen(publisher.value(), stream, source, 2, sent_at);
    const auto q = measure(source, heard, sent_at);
    const auto stats = stream.stats();
    report(name, q, stats);
    const auto pub = publisher.value().stats();
    EXPECT_GE(pub.frames, 390u);
    EXPECT_EQ(pub.queue_overflows, 0u);
    EXPECT_EQ(stats.malformed, 0u);
    EXPECT_GE(stats.received, 350u);
    EXPECT_TRUE(stats.rtt.has_value());
    const auto status = prod.sdk->media_status();
    EXPECT_TRUE(status.open);
    EXPECT_TRUE(status.clock_offset_us.has_value());
    EXPECT_TRUE(status.rtt.has_value());
    return q;
  }

  quality program_over_forced_websocket(const char* name) {
    media_options options;
    options.transport = media_transport::websocket;
    return program_through(options, options, media_transport::websocket, media_transport::websocket,
                           name);
  }
};

void expect_studio_quality(const quality& q) {
  // 3.5 s of 4 placed on the timeline, sample-aligned (the SDK's positions
  // are exact: lag 0), stereo kept (left carries nothing of the right line).
  EXPECT_GE(q.compared, 48'000u * 3);
  EXPECT_EQ(q.lag, 0);
  EXPECT_GE(q.snr_left, 20.0);
  EXPECT_GE(q.snr_right, 18.0);
  EXPECT_GE(q.corr_left, 0.99);
  EXPECT_GE(q.corr_right, 0.99);
  EXPECT_LT(std::abs(q.cross_lr), 0.2);
  EXPECT_GT(q.latency_ms, 0.0);
  EXPECT_LT(q.latency_ms, 250.0);
}

TEST_F(sdk_audio_e2e, music_reaches_the_producer_over_udp_at_studio_quality) {
  media_options options;
  options.transport = media_transport::udp;
  const auto q =
      program_through(options, options, media_transport::udp, media_transport::udp, "udp");
  expect_studio_quality(q);
}

TEST_F(sdk_audio_e2e, music_reaches_the_producer_over_the_forced_websocket) {
  expect_studio_quality(program_over_forced_websocket("websocket"));
}

// Over wss:// the server writes most MediaFrames to the TLS stream itself
// (ws_session::write_directly), around Beast: the audio must come through
// just as whole.
class sdk_audio_tls_e2e : public sdk_audio_e2e {
 protected:
  sdk_audio_tls_e2e() : sdk_audio_e2e(true) {}
};

TEST_F(sdk_audio_tls_e2e, music_reaches_the_producer_over_the_forced_websocket_on_wss) {
  expect_studio_quality(program_over_forced_websocket("websocket over wss"));
}

// A wss:// connection that carries audio, in or out, keeps its TLS record
// buffers instead of allocating them for every record; one that only talks
// control does not; they are given back when the connection closes.
TEST_F(sdk_audio_tls_e2e, connections_carrying_audio_keep_their_tls_buffers_until_they_close) {
  const auto buffers_kept = [this] {
    const auto families = parse_prometheus(server.instance().metrics().render());
    const auto it = families.find("controlroom_tls_buffers_kept");
    EXPECT_NE(it, families.end());
    return it == families.end() || it->second.samples.empty() ? -1.0
                                                              : it->second.samples.front().value;
  };
  auto watcher = connect(bob);  // in the session, control only
  auto presence = std::make_shared<event_log<presence_event>>();
  watcher.sdk->on_presence([presence](const presence_event& e) { presence->push(e); });
  ASSERT_TRUE(watcher.sdk->join(session_id));
  EXPECT_EQ(buffers_kept(), 0.0);
  {
    media_options options;
    options.transport = media_transport::websocket;
    auto eng = joined_with_media(ada, options);
    auto prod = joined_with_media(bob, options);
    auto publisher = eng.sdk->publish(stream_kind::program, encoder_options::music());
    ASSERT_TRUE(publisher) << publisher.message();
    auto stream = prod.wait_stream(stream_kind::program);
    ASSERT_TRUE(stream);
    std::vector<std::chrono::steady_clock::time_point> sent_at;
    play_and_listen(publisher.value(), stream, mt::music_signal(48'000 / 2), 2, sent_at);
    ASSERT_GT(stream.stats().received, 0u) << "audio crossed the server";
    EXPECT_EQ(buffers_kept(), 2.0) << "the publisher's connection and the listener's";
    eng.sdk->close();
    prod.sdk->close();
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(presence->wait_for([](const presence_event& e) {
      return e.what == presence_event::change::left;
    })) << "departure "
        << i;
  }
  EXPECT_EQ(buffers_kept(), 0.0) << "given back with the connections";
}

TEST_F(sdk_audio_e2e, falls_back_to_the_websocket_when_udp_is_black_holed) {
  black_hole hole;
  media_options blocked;
  blocked.udp_endpoint = hole.endpoint();
  blocked.probe_count = 3;
  blocked.probe_interval = std::chrono::milliseconds(50);
  media_options open;  // automatic, the real port
  const auto q = program_through(blocked, open, media_transport::websocket, media_transport::udp,
                                 "engineer on websocket fallback, producer on udp");
  expect_studio_quality(q);
}

TEST_F(sdk_audio_e2e, requiring_udp_fails_when_no_probe_is_answered_and_media_stays_usable) {
  black_hole hole;
  auto eng = connect(ada);
  ASSERT_TRUE(eng.sdk->join(session_id));
  media_options options;
  options.transport = media_transport::udp;
  options.udp_endpoint = hole.endpoint();
  options.probe_count = 2;
  options.probe_interval = std::chrono::milliseconds(20);
  const auto opened = eng.sdk->open_media(options);
  EXPECT_EQ(opened.error(), errc::connection_failed) << opened.message();
  const auto status = eng.sdk->media_status();
  EXPECT_TRUE(status.open);
  EXPECT_EQ(status.transport, media_transport::websocket);
  EXPECT_EQ(status.probes_sent, 2u);
  EXPECT_EQ(status.probes_answered, 0u);
  EXPECT_TRUE(eng.sdk->publish(stream_kind::program));
}

TEST_F(sdk_audio_e2e, refusals_and_bad_settings_are_reported) {
  auto prod = connect(bob);
  media_options options;
  EXPECT_EQ(prod.sdk->open_media(options).error(), errc::not_joined);
  ASSERT_TRUE(prod.sdk->join(session_id));
  EXPECT_EQ(prod.sdk->publish(stream_kind::talkback).error(), errc::failed_precondition);
  options.output_channels = 3;
  EXPECT_EQ(prod.sdk->open_media(options).error(), errc::malformed);
  options.output_channels = 2;
  options.udp_endpoint = "no-port";
  EXPECT_EQ(prod.sdk->open_media(options).error(), errc::malformed);
  options.udp_endpoint.clear();
  ASSERT_TRUE(prod.sdk->open_media(options));
  // Program is the engineer's: the producer may only talk back.
  EXPECT_EQ(prod.sdk->publish(stream_kind::program).error(), errc::forbidden);
  auto bad = encoder_options::talkback();
  bad.frame_samples = 500;
  EXPECT_EQ(prod.sdk->publish(stream_kind::talkback, bad).error(), errc::malformed);
  auto talk = prod.sdk->publish(stream_kind::talkback, encoder_options::talkback());
  ASSERT_TRUE(talk) << talk.message();
  EXPECT_EQ(prod.sdk->publish(stream_kind::talkback).error(), errc::failed_precondition);
}

}  // namespace
}  // namespace controlroom::testing
