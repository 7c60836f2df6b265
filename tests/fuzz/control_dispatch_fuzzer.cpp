// The control plane and the media switch on hostile input: binary WebSocket
// frames through dispatch_frame() (decode, conversation order, every
// registered handler), MediaFrames and UDP datagrams through the media
// switch, and connections closing at any point — against in-memory peers
// and a live session built in memory, with no database.
//
// What runs, and what does not:
//  - Covered: envelope decoding; the Hello/Authenticate/Ping handshake; the
//    validation of CreateSession, JoinSession, LeaveSession and SubmitIntent
//    up to the database; decide() (the reducer's permission and reference
//    checks) and the speculative apply() for every intent, in a session
//    joined by three participants; OpenMedia, Publish and Unpublish; media
//    routing by role and talkback channel (open at the start when the setup
//    byte asks for it), over UDP and the WebSocket; probes; leaving and
//    disconnecting mid-conversation, with the talkback cut on leave.
//  - Not covered: SQL and anything after a query. The database pool has no
//    threads, so nothing ever runs a query: the first request that needs
//    one stays queued forever, and later ones get the pool's "unavailable"
//    answer at once (that error path runs). The group-commit writer is
//    stopped, so an intent that decide() accepts is refused as "overloaded"
//    and never reaches the committed state or a broadcast. The committed
//    path (SessionEvent fan-out, talkback changes after start) is left to
//    the e2e tests.
//
// Input: one setup byte, then records (fuzz_input.hpp).
//   setup bits 0-2  how far the three connections get before the records
//                   play: 0 connected, 1 Hello done, 2 authenticated,
//                   3 joined one live session, 4 and up: media opened
//                   (connection 0 and 2 over UDP with a bound address,
//                   1 over the WebSocket) and streams published
//   setup bits 3-4  connection 0's role: engineer, producer, artist, listener
//                   (1 is a producer, 2 an artist)
//   setup bit 5     a talkback channel of the producer is open
//   setup bits 6-7  its target: everyone, artist, engineer, engineer-private
//   record tag bits 0-1  0: the bytes are a control frame from connection k
//                        1: a MediaFrame carrying the bytes, from connection k
//                        2: a UDP datagram from address (tag >> 4) % 4 (the
//                           addresses of connections 0..2, and a stranger),
//                           sealed with the key of the connection it names
//                           (else k's) unless tag bit 6 sends it as it is
//                        3: connection k closes
//   record tag bits 2-3  k = bits % 3
//
// Media datagrams name their sender by a random id and probes carry a random
// 16-byte token; a fuzzer cannot guess either. So in datagrams of records 1
// and 2, a sender_id of 0, 1 or 2 stands for connection 0, 1 or 2's real
// id, and an all-zero probe token for that connection's real token.
//
// Checks besides the sanitizers: every frame sent to a connection is a
// ServerEnvelope with a body; forwarded media is byte for byte what came in,
// never goes back to its sender over the WebSocket, and never comes from a
// listener; whatever leaves over UDP is sealed for a participant and opens
// with that participant's key; UDP replies to probes are well-formed.

#include <arpa/inet.h>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "control/dispatcher.hpp"
#include "controlroom/media/header.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "fake_peer.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "media/media_switch.hpp"
#include "metrics/registry.hpp"
#include "metrics/server_metrics.hpp"
#include "session/reducer.hpp"
#include "session/room_directory.hpp"
#include "store/db_pool.hpp"
#include "store/event_writer.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

using testing::fake_peer;

constexpr std::size_t peer_count = 3;
constexpr const char* session_id = "5e55a000-0000-4000-8000-000000000001";
const std::array<std::string, peer_count> user_ids{"11111111-1111-4111-8111-111111111111",
                                                   "22222222-2222-4222-8222-222222222222",
                                                   "33333333-3333-4333-8333-333333333333"};

// One writer for the whole run, stopped before any input: append() refuses
// everything, so no thread ever tries to reach a database.
event_writer& stopped_writer() {
  static event_writer* writer = [] {
    auto* w = new event_writer("postgresql:///unused", 16, 16, nullptr);
    w->stop();
    return w;
  }();
  return *writer;
}

udp_endpoint endpoint(std::size_t i) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<std::uint16_t>(40000 + i));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return udp_endpoint::from(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
}

class recording_output : public media_output {
 public:
  void send_udp(const udp_endpoint& to, std::span<const std::uint8_t> bytes) override {
    queued.push_back({bytes.begin(), bytes.end()});
    (void)to;
  }
  void flush() override {
    for (auto& q : queued) {
      flushed.push_back(std::move(q));
    }
    queued.clear();
  }
  std::vector<std::vector<std::uint8_t>> queued;
  std::vector<std::vector<std::uint8_t>> flushed;
};

std::uint32_t load_u32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

void store_u32(std::span<std::uint8_t> b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 24);
  b[at + 1] = static_cast<std::uint8_t>(v >> 16);
  b[at + 2] = static_cast<std::uint8_t>(v >> 8);
  b[at + 3] = static_cast<std::uint8_t>(v);
}

// Everything a control-plane handler can reach, built fresh for each input
// so that an input always means the same thing. Declaration order is
// destruction order in reverse: live sessions (in rooms) unregister their
// senders from the switch, so the switch outlives them.
struct world {
  world() {
    cfg.database_url = "postgresql:///unused";
    sw.attach(&out, 7700);
    rooms.set_media({&sw});
    for (std::size_t i = 0; i < peer_count; ++i) {
      peers[i] = std::make_shared<fake_peer>("conn-" + std::to_string(i));
    }
  }

  config cfg;
  metrics_registry registry;
  server_metrics metrics{registry};
  // No threads: a query is queued and never runs. Room for one job, the
  // session load of the setup; later queries are refused at once.
  db_pool db{"postgresql:///unused", 0, 1, nullptr};
  testing::inline_workers workers{1};
  recording_output out;
  media_switch sw{metrics};
  room_directory rooms{workers, live_session::dependencies{stopped_writer(), db, metrics}};
  services svc{cfg, db, stopped_writer(), rooms, metrics};
  std::array<std::shared_ptr<fake_peer>, peer_count> peers;
  std::array<role_set, peer_count> roles{};
  std::array<std::optional<std::uint32_t>, peer_count> sender_ids{};
  std::array<media::media_token, peer_count> tokens{};
  std::array<std::optional<media::media_cipher>, peer_count> ciphers{};
  std::array<std::uint64_t, peer_count> counters{};  // sealed so far, per connection
  std::array<std::size_t, peer_count> seen{};        // frames already checked, per peer
  std::uint64_t now_us = 1'000'000;

  void send(std::size_t k, const v1::ClientEnvelope& env) {
    dispatch_frame(svc, peers[k], env.SerializeAsString());
  }

  void end_udp_batch() {
    out.flush();
    sw.end_batch();
  }

  bool is_listener_sender(std::uint32_t id) const {
    for (std::size_t k = 0; k < peer_count; ++k) {
      if (sender_ids[k] == id && roles[k] == role_set{role::listener}) {
        return true;
      }
    }
    return false;
  }

  // Checks the frames each connection got since the last call, and learns
  // the media ids handed out. `media_in`: the datagram of this step, if any.
  void check_sent(const std::vector<std::uint8_t>* media_in) {
    for (std::size_t k = 0; k < peer_count; ++k) {
      auto& sent = peers[k]->sent;
      for (; seen[k] < sent.size(); ++seen[k]) {
        v1::ServerEnvelope env;
        FUZZ_CHECK(env.ParseFromString(*sent[seen[k]]));
        FUZZ_CHECK(env.body_case() != v1::ServerEnvelope::BODY_NOT_SET);
        if (env.has_media_opened()) {
          const auto& opened = env.media_opened();
          FUZZ_CHECK(opened.sender_id() != 0);
          FUZZ_CHECK(opened.media_token().size() == media::media_token_size);
          sender_ids[k] = opened.sender_id();
          std::copy(opened.media_token().begin(), opened.media_token().end(), tokens[k].begin());
          FUZZ_CHECK(opened.media_key().size() == media::media_key_size);
          media::media_key key{};
          std::copy(opened.media_key().begin(), opened.media_key().end(), key.begin());
          if (!ciphers[k]) {  // sent again, OpenMedia keeps the key
            ciphers[k].emplace(key);
          }
        }
        if (env.has_media_frame()) {
          const auto& bytes = env.media_frame().datagram();
          const std::span<const std::uint8_t> datagram(
              reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
          const auto parsed = media::parse_datagram(datagram);
          FUZZ_CHECK(parsed.has_value());
          FUZZ_CHECK(sender_ids[k] != parsed->header.sender_id);
          FUZZ_CHECK(!is_listener_sender(parsed->header.sender_id));
          if (media_in != nullptr) {
            FUZZ_CHECK(
                std::equal(datagram.begin(), datagram.end(), media_in->begin(), media_in->end()));
          }
        }
      }
    }
  }

  // `in`: the datagram of this step, if any.
  void check_udp(const std::vector<std::uint8_t>* in) {
    for (const auto& sealed : out.flushed) {
      const auto prefix = media::parse_sealed_prefix(sealed);
      FUZZ_CHECK(prefix && prefix->direction == media::seal_direction::to_client);
      std::optional<std::size_t> to;
      for (std::size_t k = 0; k < peer_count; ++k) {
        if (sender_ids[k] == prefix->sender_id) {
          to = k;
        }
      }
      FUZZ_CHECK(to.has_value() && ciphers[*to].has_value());
      std::vector<std::uint8_t> d(sealed.size());
      const auto inner = ciphers[*to]->open(sealed, d);
      FUZZ_CHECK(inner.has_value());
      d.resize(inner->size());
      if (!d.empty() && d[0] == media::probe_reply_type) {
        FUZZ_CHECK(media::parse_probe_reply(d).has_value());
        continue;
      }
      FUZZ_CHECK(in == nullptr || d == *in);
      const auto parsed = media::parse_datagram(d);
      FUZZ_CHECK(parsed.has_value());
      FUZZ_CHECK(!is_listener_sender(parsed->header.sender_id));
    }
    out.flushed.clear();
  }

  // Datagrams name connections by index (see the top of the file).
  std::vector<std::uint8_t> resolve(std::span<const std::uint8_t> bytes) const {
    std::vector<std::uint8_t> d(bytes.begin(), bytes.end());
    if (d.size() < 8) {
      return d;
    }
    const auto named = load_u32(d, 4);
    if (named >= peer_count || !sender_ids[named]) {
      return d;
    }
    store_u32(d, 4, *sender_ids[named]);
    if (d[0] == media::probe_type && d.size() >= 8 + media::media_token_size &&
        std::all_of(d.begin() + 8, d.begin() + 8 + media::media_token_size,
                    [](std::uint8_t b) { return b == 0; })) {
      std::copy(tokens[named].begin(), tokens[named].end(), d.begin() + 8);
    }
    return d;
  }

  // `inner` sealed as connection `k`'s client would, when it has a key.
  std::vector<std::uint8_t> seal(std::size_t k, std::span<const std::uint8_t> inner) {
    if (!ciphers[k] || inner.empty() || inner.size() > media::max_datagram_size) {
      return {inner.begin(), inner.end()};
    }
    std::vector<std::uint8_t> out(inner.size() + media::sealed_overhead);
    ciphers[k]->seal({media::seal_direction::to_server, *sender_ids[k], ++counters[k]}, inner, out);
    return out;
  }

  // The connection a (resolved) datagram names as its sender, else `k`.
  std::size_t named_sender(std::span<const std::uint8_t> d, std::size_t k) const {
    if (d.size() >= 8) {
      const auto id = load_u32(d, 4);
      for (std::size_t i = 0; i < peer_count; ++i) {
        if (sender_ids[i] == id) {
          return i;
        }
      }
    }
    return k;
  }

  void setup(std::uint8_t byte) {
    const unsigned stage = byte & 7u;
    constexpr std::array<role, 4> first_roles{role::engineer, role::producer, role::artist,
                                              role::listener};
    roles = {role_set{first_roles[(byte >> 3) & 3u]}, role_set{role::producer},
             role_set{role::artist}};
    if (stage >= 1) {
      for (std::size_t k = 0; k < peer_count; ++k) {
        v1::ClientEnvelope hello;
        hello.set_request_id(1);
        hello.mutable_hello()->set_min_version(1);
        hello.mutable_hello()->set_max_version(1);
        send(k, hello);
      }
    }
    if (stage >= 2) {
      for (std::size_t k = 0; k < peer_count; ++k) {
        peers[k]->state().user = user_record{user_ids[k], "user-" + std::to_string(k), false};
      }
    }
    if (stage >= 3) {
      join_all((byte & 0x20u) != 0, byte >> 6);
    }
    if (stage >= 4) {
      open_media();
    }
    check_sent(nullptr);
    out.flushed.clear();
  }

  void join_all(bool talkback, unsigned target_choice) {
    const session_record record{session_id, default_studio_id, "fuzz", 0, 0};
    std::vector<member_record> members;
    for (std::size_t k = 0; k < peer_count; ++k) {
      members.push_back({user_ids[k], roles[k]});
    }
    stored_session stored;
    stored.snapshot = initial_state(record, members);
    if (talkback) {
      constexpr std::array<v1::TalkbackTarget, 4> targets{
          v1::TALKBACK_TARGET_EVERYONE, v1::TALKBACK_TARGET_ARTIST, v1::TALKBACK_TARGET_ENGINEER,
          v1::TALKBACK_TARGET_ENGINEER_PRIVATE};
      v1::Intent start;
      start.mutable_start_talkback()->set_target(targets[target_choice % targets.size()]);
      start.mutable_start_talkback()->set_latched(true);
      auto decided = decide(stored.snapshot, start, actor{user_ids[1], roles[1]}, "fuzz-talk", 0);
      auto* event = std::get_if<v1::Event>(&decided);
      FUZZ_CHECK(event != nullptr);
      apply(stored.snapshot, *event);
      stored.operations.emplace(event->operation_id(), event->version());
    }
    // Creating the session queues its load (which never runs); completing
    // the load by hand and joining in the same visit keeps it live.
    rooms.with_session(record, [](live_session*) {});
    rooms.with_live_session(session_id, [&](live_session* live) {
      FUZZ_CHECK(live != nullptr);
      live->on_loaded(std::move(stored));
      for (std::size_t k = 0; k < peer_count; ++k) {
        live->join(participant_entry{peers[k]->id(), *peers[k]->state().user, roles[k], peers[k]},
                   false, 0);
      }
    });
    for (std::size_t k = 0; k < peer_count; ++k) {
      peers[k]->state().session_id = session_id;
      peers[k]->state().roles = roles[k];
    }
  }

  void open_media() {
    for (std::size_t k = 0; k < peer_count; ++k) {
      v1::ClientEnvelope open;
      open.set_request_id(2);
      open.mutable_open_media()->add_subscribe(v1::STREAM_KIND_PROGRAM);
      open.mutable_open_media()->add_subscribe(v1::STREAM_KIND_TALKBACK);
      open.mutable_open_media()->add_subscribe(v1::STREAM_KIND_CUE);
      open.mutable_open_media()->set_transport(k == 1 ? v1::MEDIA_TRANSPORT_WEBSOCKET
                                                      : v1::MEDIA_TRANSPORT_UDP);
      send(k, open);
    }
    check_sent(nullptr);
    for (std::size_t k = 0; k < peer_count; ++k) {
      FUZZ_CHECK(sender_ids[k].has_value());
      if (k == 1) {
        continue;
      }
      std::array<std::uint8_t, media::probe_size> probe{};
      media::write_probe({*sender_ids[k], tokens[k], 1}, probe);
      sw.on_udp(seal(k, probe), endpoint(k), now_us);
      end_udp_batch();
    }
    for (std::size_t k = 0; k < peer_count; ++k) {
      const bool engineer = roles[k].contains(role::engineer);
      v1::ClientEnvelope publish;
      publish.set_request_id(3);
      publish.mutable_publish()->set_kind(engineer ? v1::STREAM_KIND_PROGRAM
                                                   : v1::STREAM_KIND_TALKBACK);
      publish.mutable_publish()->set_channels(engineer ? 2 : 1);
      publish.mutable_publish()->set_frame_samples(480);
      send(k, publish);
    }
  }

  void play(const fuzz::record& r) {
    const std::size_t k = (r.tag >> 2) % peer_count;
    // A closed connection reads nothing more; its address may still send UDP.
    if ((r.tag & 3u) < 2 && peers[k]->is_closed) {
      return;
    }
    switch (r.tag & 3u) {
      case 0: {
        dispatch_frame(
            svc, peers[k],
            std::string_view(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size()));
        check_sent(nullptr);
        check_udp(nullptr);
        break;
      }
      case 1: {
        const auto datagram = resolve(r.bytes);
        v1::ClientEnvelope env;
        env.mutable_media_frame()->set_datagram(datagram.data(), datagram.size());
        send(k, env);
        check_sent(&datagram);
        check_udp(&datagram);
        break;
      }
      case 2: {
        const auto datagram = resolve(r.bytes);
        const bool as_is = (r.tag & 0x40u) != 0;
        const auto wire = as_is ? datagram : seal(named_sender(datagram, k), datagram);
        now_us += 2'500;
        sw.on_udp(wire, endpoint((r.tag >> 4) % (peer_count + 1)), now_us);
        end_udp_batch();
        check_sent(&datagram);
        check_udp(&datagram);
        break;
      }
      default: {
        if (!peers[k]->is_closed) {
          peers[k]->is_closed = true;
          peer_closed(svc, peers[k]);
          check_sent(nullptr);
          check_udp(nullptr);
        }
        break;
      }
    }
  }
};

}  // namespace
}  // namespace controlroom::server

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Handlers log joins and refusals at info; a fuzzer runs millions of them.
  controlroom::server::set_log_level(controlroom::server::log_level::error);
  // libprotobuf logs every string field with invalid UTF-8 it refuses to
  // parse; the refusal itself (a MALFORMED reply) is what is under test.
  google::protobuf::SetLogHandler(nullptr);
  controlroom::server::stopped_writer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  controlroom::server::world w;
  w.setup(data[0]);
  controlroom::fuzz::record_reader records({data + 1, size - 1});
  while (const auto r = records.next()) {
    w.play(*r);
  }
  return 0;
}
