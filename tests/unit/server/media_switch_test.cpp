// The forwarding core: what reaches whom over UDP and the WebSocket, and
// everything that is dropped before routing, with its reason counted.

#include "media/media_switch.hpp"

#include <arpa/inet.h>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "fake_peer.hpp"
#include "metrics/registry.hpp"
#include "metrics/server_metrics.hpp"

namespace controlroom::server {
namespace {

using testing::fake_peer;

udp_endpoint loopback(std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return udp_endpoint::from(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
}

std::vector<std::uint8_t> datagram(std::uint32_t sender, stream_kind kind, std::uint32_t seq,
                                   std::size_t payload = 100) {
  media::media_header h;
  h.sender_id = sender;
  h.kind = kind;
  h.channels = kind == stream_kind::talkback ? 1 : 2;
  h.sequence = seq;
  std::vector<std::uint8_t> out(media::header_size + payload, 0x5a);
  media::write_header(h,
                      std::span<std::uint8_t, media::header_size>(out.data(), media::header_size));
  return out;
}

class recording_output : public media_output {
 public:
  struct sent {
    udp_endpoint to;
    std::vector<std::uint8_t> bytes;
  };
  void send_udp(const udp_endpoint& to, std::span<const std::uint8_t> bytes) override {
    queued.push_back({to, {bytes.begin(), bytes.end()}});
  }
  void flush() override {
    for (auto& q : queued) {
      flushed.push_back(std::move(q));
    }
    queued.clear();
  }
  std::vector<sent> queued;
  std::vector<sent> flushed;
};

class media_switch_test : public ::testing::Test {
 protected:
  media_switch_test() { sw.attach(&out, 40000); }

  media_member& join(const std::string& id, role_set roles, std::shared_ptr<fake_peer> peer) {
    auto& m = session.add(id);
    m.user_id = "u-" + id;
    m.roles = roles;
    m.connection = peer;
    m.subscribed = {true, true, true};
    sw.add_sender(session, m);
    return m;
  }
  // `inner` sealed as member `m`'s client would (its key, its next counter).
  std::vector<std::uint8_t> sealed(media_member& m, std::span<const std::uint8_t> inner) {
    media::media_cipher cipher{m.key};
    std::vector<std::uint8_t> bytes(inner.size() + media::sealed_overhead);
    cipher.seal({media::seal_direction::to_server, m.sender_id, ++client_counters[m.sender_id]},
                inner, bytes);
    return bytes;
  }
  // What the server sent to `m`, opened with `m`'s key (empty when it does
  // not open, or was not sealed for `m`).
  std::vector<std::uint8_t> opened(media_member& m, std::span<const std::uint8_t> bytes) {
    const auto prefix = media::parse_sealed_prefix(bytes);
    if (!prefix || prefix->direction != media::seal_direction::to_client ||
        prefix->sender_id != m.sender_id) {
      return {};
    }
    media::media_cipher cipher{m.key};
    std::vector<std::uint8_t> inner(bytes.size());
    const auto got = cipher.open(bytes, inner);
    return got ? std::vector<std::uint8_t>(got->begin(), got->end()) : std::vector<std::uint8_t>{};
  }
  void send(media_member& m, std::span<const std::uint8_t> inner, const udp_endpoint& from) {
    sw.on_udp(sealed(m, inner), from, 0);
  }
  // Sends a valid probe from `from` for `m`; true when it was answered.
  bool probe(media_member& m, const udp_endpoint& from) {
    std::array<std::uint8_t, media::probe_size> bytes{};
    media::write_probe({m.sender_id, m.token, 1234}, bytes);
    const auto before = out.queued.size();
    sw.on_udp(sealed(m, bytes), from, 99);
    return out.queued.size() == before + 1;
  }
  std::uint64_t dropped(media_drop reason) { return metrics.media_dropped(reason).value(); }
  void end() {
    out.flush();
    sw.end_batch();
  }

  metrics_registry registry;
  server_metrics metrics{registry};
  recording_output out;
  media_switch sw{metrics};
  session_media session{"s"};
  std::map<std::uint32_t, std::uint64_t> client_counters;
};

TEST_F(media_switch_test, senders_get_distinct_nonzero_ids_and_random_tokens) {
  auto& a = join("a", {role::engineer}, nullptr);
  auto& b = join("b", {role::producer}, nullptr);
  EXPECT_NE(a.sender_id, 0u);
  EXPECT_NE(a.sender_id, b.sender_id);
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.key, b.key);
  EXPECT_TRUE(a.cipher.has_value());
  EXPECT_EQ(sw.senders(), 2u);
  sw.remove_sender(a.sender_id);
  EXPECT_EQ(sw.senders(), 1u);
}

TEST_F(media_switch_test, a_valid_probe_binds_the_address_and_is_answered) {
  auto& eng = join("eng", {role::engineer}, nullptr);
  const auto from = loopback(5000);
  ASSERT_TRUE(probe(eng, from));
  ASSERT_TRUE(eng.udp.has_value());
  EXPECT_TRUE(*eng.udp == from);
  const auto reply = media::parse_probe_reply(opened(eng, out.queued.back().bytes));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->sender_id, eng.sender_id);
  EXPECT_EQ(reply->client_time_us, 1234u);
  EXPECT_EQ(reply->server_time_us, 99u);
  EXPECT_TRUE(out.queued.back().to == from);

  auto forged = eng.token;
  forged[3] ^= 1;
  std::array<std::uint8_t, media::probe_size> bytes{};
  media::write_probe({eng.sender_id, forged, 1}, bytes);
  sw.on_udp(sealed(eng, bytes), loopback(6666), 1);
  EXPECT_TRUE(*eng.udp == from) << "a wrong token must not move the address";
  end();
  EXPECT_EQ(dropped(media_drop::bad_probe), 1u);
  EXPECT_EQ(metrics.media_probes.value(), 1u);
}

TEST_F(media_switch_test, forwards_to_udp_and_websocket_receivers_once_each) {
  auto eng_peer = std::make_shared<fake_peer>("eng");
  auto pro_peer = std::make_shared<fake_peer>("pro");
  auto lis_peer = std::make_shared<fake_peer>("lis");
  auto& eng = join("eng", {role::engineer}, eng_peer);
  auto& pro = join("pro", {role::producer}, pro_peer);
  join("lis", {role::listener}, lis_peer);
  eng.published[index_of(stream_kind::program)] = {true, 2, 480};
  ASSERT_TRUE(probe(eng, loopback(5000)));
  ASSERT_TRUE(probe(pro, loopback(5001)));
  pro.deliver_udp = true;
  session.changed();
  end();
  out.flushed.clear();

  const auto packet = datagram(eng.sender_id, stream_kind::program, 7);
  send(eng, packet, loopback(5000));
  end();
  ASSERT_EQ(out.flushed.size(), 1u) << "the producer receives over UDP";
  EXPECT_TRUE(out.flushed[0].to == loopback(5001));
  EXPECT_EQ(opened(pro, out.flushed[0].bytes), packet) << "forwarded byte for byte, sealed";
  ASSERT_EQ(lis_peer->sent.size(), 1u) << "the listener receives over the WebSocket";
  EXPECT_EQ(lis_peer->last().media_frame().datagram(), std::string(packet.begin(), packet.end()));
  EXPECT_TRUE(pro_peer->sent.empty());
  EXPECT_TRUE(eng_peer->sent.empty()) << "never back to the sender";
  EXPECT_EQ(metrics.media_forwarded_udp.value(), 1u);
  EXPECT_EQ(metrics.media_forwarded_ws.value(), 1u);

  // The same datagram may come over the WebSocket instead.
  sw.on_websocket("eng", packet, 0);
  EXPECT_EQ(out.flushed.size(), 2u);
  EXPECT_EQ(lis_peer->sent.size(), 2u);
}

TEST_F(media_switch_test, drops_everything_that_is_not_a_published_stream_of_its_sender) {
  auto eng_peer = std::make_shared<fake_peer>("eng");
  auto lis_peer = std::make_shared<fake_peer>("lis");
  auto& eng = join("eng", {role::engineer}, eng_peer);
  join("lis", {role::listener}, lis_peer);
  ASSERT_TRUE(probe(eng, loopback(5000)));
  end();

  std::vector<std::uint8_t> big(media::max_sealed_size + 1, 1);
  big[0] = media::sealed_type;
  sw.on_udp(big, loopback(5000), 0);
  sw.on_udp(std::vector<std::uint8_t>(40, 0xff), loopback(5000), 0);
  // Unsealed: a valid media datagram is not accepted on UDP as it is.
  sw.on_udp(datagram(eng.sender_id, stream_kind::program, 1), loopback(5000), 0);
  auto unknown = sealed(eng, datagram(eng.sender_id, stream_kind::program, 1));
  unknown[4] ^= 0x01;  // the prefix names a sender_id nobody has (same slot)
  sw.on_udp(unknown, loopback(5000), 0);
  auto tampered = sealed(eng, datagram(eng.sender_id, stream_kind::program, 1));
  tampered[60] ^= 0x10;
  sw.on_udp(tampered, loopback(5000), 0);
  const auto once = sealed(eng, datagram(eng.sender_id, stream_kind::program, 1));
  sw.on_udp(once, loopback(5000), 0);  // authentic: dropped as not published
  sw.on_udp(once, loopback(5000), 0);  // the same again: a replay
  send(eng, datagram(eng.sender_id, stream_kind::program, 1), loopback(5999));
  send(eng, datagram(eng.sender_id + 1, stream_kind::program, 1), loopback(5000));
  sw.on_websocket("lis", datagram(eng.sender_id, stream_kind::program, 2), 0);
  end();
  EXPECT_EQ(dropped(media_drop::oversize), 1u);
  EXPECT_EQ(dropped(media_drop::malformed), 2u);
  EXPECT_EQ(dropped(media_drop::unknown_sender), 1u);
  EXPECT_EQ(dropped(media_drop::auth_failed), 1u);
  EXPECT_EQ(dropped(media_drop::replayed), 1u);
  EXPECT_EQ(dropped(media_drop::unbound_address), 1u);
  EXPECT_EQ(dropped(media_drop::not_published), 1u);
  EXPECT_EQ(dropped(media_drop::wrong_sender), 2u);
  EXPECT_TRUE(lis_peer->sent.empty());
  EXPECT_EQ(metrics.media_forwarded_udp.value() + metrics.media_forwarded_ws.value(), 0u);
}

TEST_F(media_switch_test, a_new_probe_address_moves_delivery) {
  auto& eng = join("eng", {role::engineer}, nullptr);
  auto& pro = join("pro", {role::producer}, nullptr);
  eng.published[index_of(stream_kind::program)] = {true, 2, 480};
  pro.deliver_udp = true;
  ASSERT_TRUE(probe(eng, loopback(5000)));
  ASSERT_TRUE(probe(pro, loopback(5001)));
  ASSERT_TRUE(probe(pro, loopback(5002)));  // NAT rebinding
  end();
  out.flushed.clear();
  send(eng, datagram(eng.sender_id, stream_kind::program, 1), loopback(5000));
  end();
  ASSERT_EQ(out.flushed.size(), 1u);
  EXPECT_TRUE(out.flushed[0].to == loopback(5002));
}

}  // namespace
}  // namespace controlroom::server
