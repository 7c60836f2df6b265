// The media plane over the wire, against the real server on loopback: UDP
// probes, forwarding over UDP and the WebSocket, who hears what, and what is
// dropped. Raw protocol clients, so the contract of docs/protocol.md §7 is
// what is tested, not the SDK.
//
// Absence is proven without waiting: the server handles one socket's
// datagrams in order, so once a probe sent after a datagram is answered,
// anything that datagram was going to cause has happened.

#include <algorithm>

#include <gtest/gtest.h>

#include "controlroom/media/header.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "media_udp.hpp"
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
  media_udp udp;
  v1::MediaOpened opened;

  std::uint16_t media_port() const { return udp.media_port(); }

  // Sends a probe and waits for its reply: also a barrier for earlier sends.
  void probe() { udp.barrier(); }

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
    m->udp.open(m->opened);
    if (udp) {
      m->probe();
      const auto again = m->ws->request(open_media(v1::MEDIA_TRANSPORT_UDP));
      EXPECT_EQ(again.media_opened().transport(), v1::MEDIA_TRANSPORT_UDP) << again.DebugString();
      EXPECT_EQ(again.media_opened().sender_id(), m->opened.sender_id()) << "id is kept";
      EXPECT_EQ(again.media_opened().media_key(), m->opened.media_key()) << "key is kept";
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
    eng->udp.send(sent.back());
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
  eng->udp.send(eng->packet(media::stream_kind::program, 1));
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
  pro->udp.send(pro->packet(media::stream_kind::talkback, 1));
  pro->probe();
  for (auto* m : {eng.get(), art.get(), lis.get()}) {
    EXPECT_FALSE(m->udp.receive(std::chrono::milliseconds(0)));
  }

  // The private line: producer -> engineer only ...
  talk(*pro, v1::TALKBACK_TARGET_ENGINEER_PRIVATE, "pro-talk-1");
  const auto to_engineer = pro->packet(media::stream_kind::talkback, 2);
  pro->udp.send(to_engineer);
  pro->probe();
  const auto heard = eng->udp.receive();
  ASSERT_TRUE(heard) << "the engineer hears the private line";
  EXPECT_EQ(*heard, to_engineer);
  EXPECT_FALSE(art->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_FALSE(lis->udp.receive(std::chrono::milliseconds(0)));

  // ... and engineer -> producer only.
  talk(*eng, v1::TALKBACK_TARGET_PRODUCER_PRIVATE, "eng-talk-1");
  const auto to_producer = eng->packet(media::stream_kind::talkback, 3);
  eng->udp.send(to_producer);
  eng->probe();
  const auto answered = pro->udp.receive();
  ASSERT_TRUE(answered) << "the producer hears the engineer's answer";
  EXPECT_EQ(*answered, to_producer);
  EXPECT_FALSE(art->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_FALSE(lis->udp.receive(std::chrono::milliseconds(0)));

  // Retargeted to the artist: only the artist.
  talk(*pro, v1::TALKBACK_TARGET_ARTIST, "pro-talk-2");
  const auto to_artist = pro->packet(media::stream_kind::talkback, 4);
  pro->udp.send(to_artist);
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
  oversize[0] = media::sealed_type;
  eng->udp.send_raw(oversize);
  eng->udp.send_raw(bytes(40, 0xee));
  // A well-formed media datagram, but not sealed: UDP carries sealed only.
  eng->udp.send_raw(eng->packet(media::stream_kind::program, 1));
  // Sealed by the engineer, but the inner header names someone else.
  auto foreign = eng->packet(media::stream_kind::program, 1);
  foreign[4] ^= 0xff;
  eng->udp.send(foreign);
  // Authentic and fresh, but from an address no probe came from.
  stranger.send_to(eng->media_port(), eng->udp.seal(eng->packet(media::stream_kind::program, 2)));
  // A sealed probe with the wrong token.
  media::probe forged;
  forged.sender_id = eng->opened.sender_id();
  std::array<std::uint8_t, media::probe_size> forged_bytes{};
  media::write_probe(forged, forged_bytes);  // all-zero token
  eng->udp.send(forged_bytes);
  eng->probe();

  EXPECT_FALSE(pro->udp.receive(std::chrono::milliseconds(0))) << "nothing bad was forwarded";
  EXPECT_FALSE(stranger.receive(std::chrono::milliseconds(0))) << "a stranger gets nothing";
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"oversize\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"malformed\"}"), 2u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"wrong_sender\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"unbound_address\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"bad_probe\"}"), 1u);

  const auto good = eng->packet(media::stream_kind::program, 3);
  eng->udp.send(good);
  const auto got = pro->udp.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, good);
}

TEST_F(media_relay_e2e, tampered_replayed_and_unkeyed_media_never_reach_a_receiver) {
  auto eng = join(engineer, true);
  auto pro = join(producer, true);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());

  const auto first = eng->packet(media::stream_kind::program, 1);
  const auto sealed = eng->udp.send(first);
  const auto delivered = pro->udp.receive();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(*delivered, first);

  // The same datagram again, from the same address: a replay.
  eng->udp.send_raw(sealed);
  // One bit flipped in the prefix, the body or the tag: tampered.
  for (const std::size_t at : {std::size_t{9}, std::size_t{40}, sealed.size() - 1}) {
    auto tampered = eng->udp.send(eng->packet(media::stream_kind::program, 2));
    // That one went out intact; send a tampered copy with a fresh counter.
    tampered[15] = static_cast<std::uint8_t>(tampered[15] + 50);
    tampered[at] ^= 0x01;
    eng->udp.send_raw(tampered);
  }
  // Sealed with the producer's key but claiming the engineer's id.
  {
    media::media_key key{};
    std::copy_n(pro->opened.media_key().begin(), key.size(), key.begin());
    media::media_cipher wrong{key};
    const auto inner = eng->packet(media::stream_kind::program, 3);
    bytes out(inner.size() + media::sealed_overhead);
    eng->udp.send_raw(
        wrong.seal({media::seal_direction::to_server, eng->opened.sender_id(), 5000}, inner, out));
  }
  eng->probe();

  // Only the three intact copies of sequence 2 arrive, nothing else.
  for (int i = 0; i < 3; ++i) {
    const auto got = pro->udp.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(media::parse_header(*got)->sequence, 2u);
  }
  EXPECT_FALSE(pro->udp.receive(std::chrono::milliseconds(0)));
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"replayed\"}"), 1u);
  EXPECT_EQ(metric("controlroom_media_dropped_total{reason=\"auth_failed\"}"), 4u);
}

TEST_F(media_relay_e2e, what_crosses_the_wire_is_sealed_for_each_receiver_alone) {
  auto eng = join(engineer, true);
  auto pro = join(producer, true);
  auto lis = join(listener, true);
  ASSERT_TRUE(publish(*eng, v1::STREAM_KIND_PROGRAM).has_published());

  bytes inner = eng->packet(media::stream_kind::program, 7, 300);
  for (std::size_t i = media::header_size; i < inner.size(); ++i) {
    inner[i] = static_cast<std::uint8_t>(i * 13);
  }
  eng->udp.send(inner);
  const auto raw = pro->udp.socket().receive();
  ASSERT_TRUE(raw);
  const auto prefix = media::parse_sealed_prefix(*raw);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->direction, media::seal_direction::to_client);
  EXPECT_EQ(prefix->sender_id, pro->opened.sender_id()) << "sealed under the receiver's key";
  // Neither the header nor the audio is readable on the wire.
  const bytes payload(inner.begin() + media::header_size, inner.begin() + 48);
  EXPECT_EQ(std::search(raw->begin(), raw->end(), payload.begin(), payload.end()), raw->end());

  // Another participant's key (the sender's, the listener's) opens nothing.
  for (const auto* other : {&eng->opened, &lis->opened}) {
    media::media_key key{};
    std::copy_n(other->media_key().begin(), key.size(), key.begin());
    media::media_cipher cipher{key};
    bytes out(raw->size());
    EXPECT_FALSE(cipher.open(*raw, out).has_value());
  }
  media::media_key mine{};
  std::copy_n(pro->opened.media_key().begin(), mine.size(), mine.begin());
  media::media_cipher cipher{mine};
  bytes out(raw->size());
  const auto opened = cipher.open(*raw, out);
  ASSERT_TRUE(opened);
  EXPECT_EQ(bytes(opened->begin(), opened->end()), inner);
  const auto heard = lis->udp.receive();
  ASSERT_TRUE(heard);
  EXPECT_EQ(*heard, inner);
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
  bytes stale(media::sealed_overhead + 40, 1);
  stale[0] = media::sealed_type;
  stale[1] = stale[2] = stale[3] = 0;
  stale[4] = static_cast<std::uint8_t>(old_sender >> 24);
  stale[5] = static_cast<std::uint8_t>(old_sender >> 16);
  stale[6] = static_cast<std::uint8_t>(old_sender >> 8);
  stale[7] = static_cast<std::uint8_t>(old_sender);
  late.send_to(port, stale);
  pro->probe();
  EXPECT_GE(metric("controlroom_media_dropped_total{reason=\"unknown_sender\"}"), 1u);
}

}  // namespace
}  // namespace controlroom::testing
