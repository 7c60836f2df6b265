// The media plane over the wire, against the real server on loopback: UDP
// probes, forwarding over UDP and the WebSocket, who hears what, and what is
// dropped. Raw protocol clients, so the contract of docs/protocol.md §7 is
// what is tested, not the SDK.
//
// Absence is proven without waiting: the server handles one socket's
// datagrams in order, so once a probe sent after a datagram is answered,
// anything that datagram was going to cause has happened.

#include <gtest/gtest.h>

#include "controlroom/media/header.hpp"
#include "controlroom/media/probe.hpp"
#include "metrics/registry.hpp"
#include "raw_clients.hpp"
#include "test_server.hpp"
#include "udp_peer.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using bytes = std::vector<std::uint8_t>;

struct media_client {
  std::unique_ptr<raw_ws> ws;
  udp_peer udp;
  v1::MediaOpened opened;
  std::uint64_t probes = 0;

  std::uint16_t media_port() const { return static_cast<std::uint16_t>(opened.udp_port()); }

  // Sends a probe and waits for its reply: also a barrier for earlier sends.
  void probe() {
    media::probe p;
    p.sender_id = opened.sender_id();
    std::copy_n(opened.media_token().begin(), media::media_token_size, p.token.begin());
    p.client_time_us = ++probes;
    std::array<std::uint8_t, media::probe_size> out{};
    media::write_probe(p, out);
    udp.send_to(media_port(), out);
    for (;;) {
      auto reply = udp.receive();
      ASSERT_TRUE(reply) << "probe not answered";
      const auto parsed = media::parse_probe_reply(*reply);
      if (parsed && parsed->client_time_us == probes) {
        EXPECT_EQ(parsed->sender_id, opened.sender_id());
        return;
      }
    }
  }

  bytes packet(media::stream_kind kind, std::uint32_t seq, std::size_t payload = 200) const {
    media::media_header h;
    h.sender_id = opened.sender_id();
    h.kind = kind;
    h.channels = kind == media::stream_kind::talkback ? 1 : 2;
    h.sequence = seq;
    bytes out(media::header_size + payload, static_cast<std::uint8_t>(seq));
    media::write_header(h, std::span<std::uint8_t, media::header_size>(out.data(), 32));
    return out;
  }

  // The next MediaFrame on the WebSocket, skipping other events.
  bytes next_ws_media() {
    for (;;) {
      const auto event = ws->next_event();
      if (event.has_media_frame()) {
        const auto& d = event.media_frame().datagram();
        return {d.begin(), d.end()};
      }
    }
  }
};

class media_relay_e2e : public ::testing::Test {
 protected:
  test_server server;
  person engineer = server.make_person("ada");
  person producer = server.make_person("bob");
  person artist = server.make_person("cat");
  person listener = server.make_person("dan");
  std::string session_id;

  void SetUp() override {
    raw_ws owner(server.port());
    owner.handshake(engineer.token);
    v1::ClientEnvelope create;
    auto* c = create.mutable_create_session();
    c->set_title("Day 4");
    c->add_creator_roles(v1::ROLE_ENGINEER);
    for (const auto& [who, role] :
         {std::pair{&producer, v1::ROLE_PRODUCER}, std::pair{&artist, v1::ROLE_ARTIST},
          std::pair{&listener, v1::ROLE_LISTENER}}) {
      auto* i = c->add_invitees();
      i->set_user_id(who->user.id);
      i->add_roles(role);
    }
    const auto reply = owner.request(create);
    ASSERT_TRUE(reply.has_session_created()) << reply.DebugString();
    session_id = reply.session_created().session().id();
  }

  // Joins, opens media (all kinds), and with `udp` probes and switches to UDP.
  std::unique_ptr<media_client> join(const person& who, bool udp) {
    auto m = std::make_unique<media_client>();
    m->ws = std::make_unique<raw_ws>(server.port());
    m->ws->handshake(who.token);
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(session_id);
    const auto joined = m->ws->request(join);
    EXPECT_TRUE(joined.has_joined()) << joined.DebugString();
    const auto opened = m->ws->request(open_media(v1::MEDIA_TRANSPORT_WEBSOCKET));
    EXPECT_TRUE(opened.has_media_opened()) << opened.DebugString();
    m->opened = opened.media_opened();
    EXPECT_NE(m->opened.sender_id(), 0u);
    EXPECT_EQ(m->opened.media_token().size(), media::media_token_size);
    EXPECT_EQ(m->opened.max_datagram_bytes(), 1500u);
    EXPECT_EQ(m->opened.transport(), v1::MEDIA_TRANSPORT_WEBSOCKET);
    if (udp) {
      m->probe();
      const auto again = m->ws->request(open_media(v1::MEDIA_TRANSPORT_UDP));
      EXPECT_EQ(again.media_opened().transport(), v1::MEDIA_TRANSPORT_UDP) << again.DebugString();
      EXPECT_EQ(again.media_opened().sender_id(), m->opened.sender_id()) << "id is kept";
    }
    return m;
  }

  static v1::ClientEnvelope open_media(v1::MediaTransport transport) {
    v1::ClientEnvelope env;
    env.mutable_open_media()->add_subscribe(v1::STREAM_KIND_PROGRAM);
    env.mutable_open_media()->add_subscribe(v1::STREAM_KIND_TALKBACK);
    env.mutable_open_media()->add_subscribe(v1::STREAM_KIND_CUE);
    env.mutable_open_media()->set_transport(transport);
    return env;
  }

  static v1::ServerEnvelope publish(media_client& m, v1::StreamKind kind) {
    v1::ClientEnvelope env;
    env.mutable_publish()->set_kind(kind);
    env.mutable_publish()->set_channels(kind == v1::STREAM_KIND_TALKBACK ? 1 : 2);
    env.mutable_publish()->set_frame_samples(480);
    return m.ws->request(env);
  }

  static void talk(media_client& m, v1::TalkbackTarget target, const std::string& op) {
    v1::ClientEnvelope env;
    env.mutable_submit_intent()->set_operation_id(op);
    env.mutable_submit_intent()->mutable_intent()->mutable_start_talkback()->set_target(target);
    const auto reply = m.ws->request(env);
    ASSERT_TRUE(reply.has_intent_accepted()) << reply.DebugString();
  }

  std::uint64_t metric(const std::string& series) {
    const auto text = server.instance().metrics().render();
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no series " << series;
      return 0;
    }
    return std::stoull(text.substr(at + series.size() + 2));
  }
};

TEST_F(media_relay_e2e, program_reaches_udp_and_websocket_receivers_byte_for_byte) {
  auto eng = join(engineer, true);
  auto pro = join(producer, true);
  auto lis = join(listener, false);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());

  constexpr std::uint32_t count = 50;
  std::vector<bytes> sent;
  for (std::uint32_t seq = 0; seq < count; ++seq) {
    sent.push_back(eng->packet(media::stream_kind::program, seq));
    eng->udp.send_to(eng->media_port(), sent.back());
  }
  for (std::uint32_t seq = 0; seq < count; ++seq) {
    const auto got = pro->udp.receive();
    ASSERT_TRUE(got) << "UDP packet " << seq << " missing";
    EXPECT_EQ(*got, sent[seq]) << "in order and unchanged";
    EXPECT_EQ(lis->next_ws_media(), sent[seq]);
  }
  // Nothing comes back to the sender but its probe replies.
  eng->probe();
  EXPECT_FALSE(eng->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_GE(metric("controlroom_media_packets_forwarded_total{transport=\"udp\"}"), count);
  EXPECT_GE(metric("controlroom_media_packets_forwarded_total{transport=\"websocket\"}"), count);
}

TEST_F(media_relay_e2e, media_sent_over_the_websocket_reaches_udp_receivers) {
  auto eng = join(engineer, false);
  auto pro = join(producer, true);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());
  const auto packet = eng->packet(media::stream_kind::program, 9);
  v1::ClientEnvelope frame;
  frame.mutable_media_frame()->set_datagram(packet.data(), packet.size());
  eng->ws->send(frame);
  const auto got = pro->udp.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, packet);
}

TEST_F(media_relay_e2e, roles_limit_what_may_be_published) {
  auto lis = join(listener, false);
  auto pro = join(producer, false);
  for (const auto kind : {v1::STREAM_KIND_PROGRAM, v1::STREAM_KIND_TALKBACK, v1::STREAM_KIND_CUE}) {
    const auto refused = publish(*lis, kind);
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);
  }
  EXPECT_EQ(publish(*pro, v1::STREAM_KIND_PROGRAM).error().code(), v1::ERROR_CODE_FORBIDDEN);
  EXPECT_TRUE(publish(*pro, v1::STREAM_KIND_TALKBACK).has_published());

  // A datagram of a kind the sender did not publish goes nowhere.
  auto eng = join(engineer, true);
  lis->probe();
  pro->probe();
  eng->udp.send_to(eng->media_port(), eng->packet(media::stream_kind::program, 1));
  eng->probe();
  EXPECT_GE(metric("controlroom_media_dropped_total{reason=\"not_published\"}"), 1u);
}

TEST_F(media_relay_e2e, talkback_follows_the_session_state_and_the_private_line_is_private) {
  auto eng = join(engineer, true);
  auto pro = join(producer, true);
  auto art = join(artist, true);
  auto lis = join(listener, true);
  ASSERT_TRUE(publish(*pro, v1::STREAM_KIND_TALKBACK).has_published());
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_TALKBACK).has_published());

  // Channel closed: nobody hears the producer.
  pro->udp.send_to(pro->media_port(), pro->packet(media::stream_kind::talkback, 1));
  pro->probe();
  for (auto* m : {eng.get(), art.get(), lis.get()}) {
    EXPECT_FALSE(m->udp.receive(std::chrono::milliseconds(0)));
  }

  // The private line: producer -> engineer only ...
  talk(*pro, v1::TALKBACK_TARGET_ENGINEER_PRIVATE, "pro-talk-1");
  const auto to_engineer = pro->packet(media::stream_kind::talkback, 2);
  pro->udp.send_to(pro->media_port(), to_engineer);
  pro->probe();
  const auto heard = eng->udp.receive();
  ASSERT_TRUE(heard) << "the engineer hears the private line";
  EXPECT_EQ(*heard, to_engineer);
  EXPECT_FALSE(art->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_FALSE(lis->udp.receive(std::chrono::milliseconds(0)));

  // ... and engineer -> producer only.
  talk(*eng, v1::TALKBACK_TARGET_PRODUCER_PRIVATE, "eng-talk-1");
  const auto to_producer = eng->packet(media::stream_kind::talkback, 3);
  eng->udp.send_to(eng->media_port(), to_producer);
  eng->probe();
  const auto answered = pro->udp.receive();
  ASSERT_TRUE(answered) << "the producer hears the engineer's answer";
  EXPECT_EQ(*answered, to_producer);
  EXPECT_FALSE(art->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_FALSE(lis->udp.receive(std::chrono::milliseconds(0)));

  // Retargeted to the artist: only the artist.
  talk(*pro, v1::TALKBACK_TARGET_ARTIST, "pro-talk-2");
  const auto to_artist = pro->packet(media::stream_kind::talkback, 4);
  pro->udp.send_to(pro->media_port(), to_artist);
  pro->probe();
  const auto cue = art->udp.receive();
  ASSERT_TRUE(cue);
  EXPECT_EQ(*cue, to_artist);
  EXPECT_FALSE(eng->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_FALSE(lis->udp.receive(std::chrono::milliseconds(0)));
}

TEST_F(media_relay_e2e, bad_datagrams_are_dropped_and_counted_and_the_relay_keeps_serving) {
  auto eng = join(engineer, true);
  auto pro = join(producer, true);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());
  udp_peer stranger;

  bytes oversize(1600, 0);
  oversize[0] = media::header_version;
  eng->udp.send_to(eng->media_port(), oversize);
  eng->udp.send_to(eng->media_port(), bytes(40, 0xee));
  auto foreign = eng->packet(media::stream_kind::program, 1);
  foreign[4] ^= 0xff;  // someone else's sender id
  eng->udp.send_to(eng->media_port(), foreign);
  stranger.send_to(eng->media_port(), eng->packet(media::stream_kind::program, 2));
  media::probe forged;
  forged.sender_id = eng->opened.sender_id();
  std::array<std::uint8_t, media::probe_size> forged_bytes{};
  media::write_probe(forged, forged_bytes);  // all-zero token
  stranger.send_to(eng->media_port(), forged_bytes);
  eng->probe();

  EXPECT_FALSE(pro->udp.receive(std::chrono::milliseconds(0))) << "nothing bad was forwarded";
  EXPECT_FALSE(stranger.receive(std::chrono::milliseconds(0))) << "a forged probe gets no reply";
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"oversize\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"malformed\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"unbound_address\"}") +
                metric("controlroom_media_dropped_total{reason=\"unknown_sender\"}"),
            2u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"bad_probe\"}"), 1u);

  const auto good = eng->packet(media::stream_kind::program, 3);
  eng->udp.send_to(eng->media_port(), good);
  const auto got = pro->udp.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, good);
}

TEST_F(media_relay_e2e, media_requests_need_a_session_and_an_open_media_plane) {
  raw_ws ws(server.port());
  ws.handshake(producer.token);
  const auto early = ws.request(open_media(v1::MEDIA_TRANSPORT_WEBSOCKET));
  ASSERT_TRUE(early.has_error());
  EXPECT_EQ(early.error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);

  v1::ClientEnvelope join;
  join.mutable_join_session()->set_session_id(session_id);
  ASSERT_TRUE(ws.request(join).has_joined());
  v1::ClientEnvelope pub;
  pub.mutable_publish()->set_kind(v1::STREAM_KIND_TALKBACK);
  pub.mutable_publish()->set_channels(1);
  pub.mutable_publish()->set_frame_samples(480);
  const auto unopened = ws.request(pub);
  ASSERT_TRUE(unopened.has_error());
  EXPECT_EQ(unopened.error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);

  pub.mutable_publish()->set_frame_samples(500);
  EXPECT_EQ(ws.request(pub).error().code(), v1::ERROR_CODE_MALFORMED);
}

TEST_F(media_relay_e2e, streams_are_announced_and_withdrawn_when_their_publisher_leaves) {
  auto pro = join(producer, false);
  auto eng = join(engineer, true);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());
  v1::MediaStreams announced;
  for (;;) {
    const auto event = pro->ws->next_event();
    if (event.has_media_streams() && event.media_streams().streams_size() == 1) {
      announced = event.media_streams();
      break;
    }
  }
  EXPECT_EQ(announced.session_id(), session_id);
  EXPECT_EQ(announced.streams(0).sender_id(), eng->opened.sender_id());
  EXPECT_EQ(announced.streams(0).user_id(), engineer.user.id);
  EXPECT_EQ(announced.streams(0).kind(), v1::STREAM_KIND_PROGRAM);
  EXPECT_EQ(announced.streams(0).channels(), 2u);

  const auto old_sender = eng->opened.sender_id();
  const auto port = eng->media_port();
  eng.reset();  // the engineer's connection closes
  for (;;) {
    const auto event = pro->ws->next_event();
    if (event.has_media_streams() && event.media_streams().streams_size() == 0) {
      break;
    }
  }
  // Its sender id is gone: its datagrams are refused.
  udp_peer late;
  media::media_header h;
  h.sender_id = old_sender;
  bytes stale(media::header_size + 10, 1);
  media::write_header(h, std::span<std::uint8_t, media::header_size>(stale.data(), 32));
  late.send_to(port, stale);
  pro->probe();
  EXPECT_GE(metric("controlroom_media_dropped_total{reason=\"unknown_sender\"}"), 1u);
}

}  // namespace
}  // namespace controlroom::testing
