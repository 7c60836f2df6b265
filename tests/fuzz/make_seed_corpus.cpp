// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/):
// small valid inputs that take each target past its first checks at once,
// so that the bounded runs in CI spend their time on the deep paths. The
// files are committed; run this again after changing a target's input
// format:
//
//   build-fuzz/tests/fuzz/make_seed_corpus tests/fuzz/corpus
//
// Every seed is built with the project's own encoders (media header, probes,
// stream_sender's real Opus packets, protobuf envelopes), so they stay valid
// when the formats change.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/payload.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "controlroom/media/stream_sender.hpp"
#include "controlroom/v1/control.pb.h"
#include "fuzz_input.hpp"

namespace fs = std::filesystem;
namespace media = controlroom::media;
namespace v1 = controlroom::v1;
using bytes = std::vector<std::uint8_t>;
using controlroom::fuzz::append_record;

namespace {

void write(const fs::path& dir, const std::string& name, const bytes& content) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(content.data()),
            static_cast<std::streamsize>(content.size()));
}

bytes as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

bytes datagram(const media::media_header& h, const bytes& payload) {
  bytes out(media::header_size);
  media::write_header(h, std::span<std::uint8_t, media::header_size>(out.data(), out.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

media::media_header header(std::uint32_t sender, media::stream_kind kind, std::uint8_t channels) {
  media::media_header h;
  h.sender_id = sender;
  h.kind = kind;
  h.channels = channels;
  h.sequence = 7;
  h.capture_time_us = 1'000'000;
  h.timeline_position = kind == media::stream_kind::talkback ? media::no_timeline_position : 48'000;
  return h;
}

bytes redundant_datagram(std::uint32_t sender) {
  auto h = header(sender, media::stream_kind::program, 2);
  h.redundancy = true;
  const bytes primary(40, 0xa1);
  const bytes previous(38, 0xb2);
  bytes payload(media::redundancy_overhead + primary.size() + previous.size());
  (void)media::pack_redundant_payload(primary, previous, payload);
  return datagram(h, payload);
}

bytes probe(std::uint32_t sender, const media::media_token& token) {
  bytes out(media::probe_size);
  media::write_probe({sender, token, 123'456},
                     std::span<std::uint8_t, media::probe_size>(out.data(), out.size()));
  return out;
}

void media_datagram_seeds(const fs::path& dir) {
  write(dir, "program-stereo", datagram(header(42, media::stream_kind::program, 2), bytes(120, 7)));
  auto talk = header(43, media::stream_kind::talkback, 1);
  talk.discontinuity = true;
  talk.frame_samples = 960;
  write(dir, "talkback-discontinuity", datagram(talk, bytes(1, 0xfc)));
  write(dir, "redundancy", redundant_datagram(44));
  write(dir, "probe", probe(45, media::media_token{1, 2, 3, 4, 5, 6, 7, 8}));
  bytes reply(media::probe_reply_size);
  media::write_probe_reply({45, 123'456, 999}, std::span<std::uint8_t, media::probe_reply_size>(
                                                   reply.data(), reply.size()));
  write(dir, "probe-reply", reply);
  {
    const auto inner = probe(45, media::media_token{1, 2, 3, 4, 5, 6, 7, 8});
    media::media_cipher cipher{media::media_key{9, 9, 9}};
    bytes sealed(inner.size() + media::sealed_overhead);
    cipher.seal({media::seal_direction::to_server, 45, 7}, inner, sealed);
    write(dir, "sealed-probe", sealed);
  }
}

// Real Opus packets from the SDK's sender: a chord, 10 ms frames with
// redundancy, then a locate (discontinuity).
std::vector<bytes> sent_stream(int channels) {
  std::vector<bytes> out;
  media::sender_config config;
  config.codec.channels = channels;
  config.codec.bitrate = channels == 2 ? 128'000 : 48'000;
  config.sender_id = 42;
  auto sender = media::stream_sender::create(
      config, [&](std::span<const std::uint8_t> d) { out.emplace_back(d.begin(), d.end()); });
  if (!sender) {
    return out;
  }
  std::vector<float> pcm(480 * static_cast<std::size_t>(channels));
  for (int frame = 0; frame < 8; ++frame) {
    for (std::size_t i = 0; i < 480; ++i) {
      const double t = static_cast<double>(frame * 480 + static_cast<int>(i)) / 48'000.0;
      const auto v = static_cast<float>(0.2 * std::sin(2 * std::numbers::pi * 220 * t) +
                                        0.1 * std::sin(2 * std::numbers::pi * 330 * t));
      for (int c = 0; c < channels; ++c) {
        pcm[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = v;
      }
    }
    const std::int64_t position = frame < 6 ? frame * 480 : 96'000 + frame * 480;
    (void)sender->push(pcm, 1'000'000 + static_cast<std::uint64_t>(frame) * 10'000, position);
  }
  return out;
}

void media_receiver_seeds(const fs::path& dir) {
  constexpr std::uint8_t push = 40;   // 20 * 250 us after the previous event
  constexpr std::uint8_t render = 5;  // 480 frames
  for (const int channels : {1, 2}) {
    const auto stream = sent_stream(channels);
    for (const int output : {1, 2}) {
      bytes in_order;
      bytes reordered;
      // The first record's tag bit 0 picks the output layout: a render
      // first means mono.
      if (output == 1) {
        append_record(in_order, render, bytes{});
        append_record(reordered, render, bytes{});
      }
      for (std::size_t i = 0; i < stream.size(); ++i) {
        append_record(in_order, push, stream[i]);
        append_record(in_order, render, bytes{});
        // Pairs swapped, and every fifth packet lost.
        const std::size_t j = i % 2 == 0 ? std::min(i + 1, stream.size() - 1) : i - 1;
        if (j % 5 != 4) {
          append_record(reordered, push, stream[j]);
        }
        append_record(reordered, render, bytes{});
      }
      const auto name = std::to_string(channels) + "ch-to-" + std::to_string(output) + "ch";
      write(dir, name, in_order);
      write(dir, name + "-reordered-lossy", reordered);
    }
  }
}

// control_dispatch records: tag bits 0-1 kind, bits 2-3 connection.
constexpr std::uint8_t frame_from(int k) {
  return static_cast<std::uint8_t>(0 | (k << 2));
}
constexpr std::uint8_t media_frame_from(int k) {
  return static_cast<std::uint8_t>(1 | (k << 2));
}
constexpr std::uint8_t udp_from(int address) {
  return static_cast<std::uint8_t>(2 | (address << 4));
}
constexpr std::uint8_t close(int k) {
  return static_cast<std::uint8_t>(3 | (k << 2));
}

std::string envelope(const v1::ClientEnvelope& env) {
  return env.SerializeAsString();
}

v1::ClientEnvelope request(std::uint64_t id) {
  v1::ClientEnvelope env;
  env.set_request_id(id);
  return env;
}

std::string intent(std::uint64_t id, const std::string& op, const v1::Intent& i) {
  auto env = request(id);
  env.mutable_submit_intent()->set_operation_id(op);
  *env.mutable_submit_intent()->mutable_intent() = i;
  return envelope(env);
}

void control_dispatch_seeds(const fs::path& dir) {
  const std::string session = "5e55a000-0000-4000-8000-000000000001";
  {
    bytes in{0};  // connected
    auto hello = request(1);
    hello.mutable_hello()->set_min_version(1);
    hello.mutable_hello()->set_max_version(3);
    hello.mutable_hello()->set_client_name("seed");
    append_record(in, frame_from(0), envelope(hello));
    auto auth = request(2);
    auth.mutable_authenticate()->set_bearer_token("crt_0123456789abcdef");
    append_record(in, frame_from(0), envelope(auth));
    auto ping = request(3);
    ping.mutable_ping()->set_client_time_us(77);
    append_record(in, frame_from(0), envelope(ping));
    write(dir, "handshake", in);
  }
  {
    bytes in{2};  // authenticated
    auto create = request(4);
    create.mutable_create_session()->set_title("Album");
    create.mutable_create_session()->add_creator_roles(v1::ROLE_ENGINEER);
    auto* invitee = create.mutable_create_session()->add_invitees();
    invitee->set_user_id("22222222-2222-4222-8222-222222222222");
    invitee->add_roles(v1::ROLE_PRODUCER);
    append_record(in, frame_from(0), envelope(create));
    auto join = request(5);
    join.mutable_join_session()->set_session_id(session);
    join.mutable_join_session()->add_roles(v1::ROLE_PRODUCER);
    join.mutable_join_session()->set_has_replica(true);
    join.mutable_join_session()->set_known_version(3);
    append_record(in, frame_from(1), envelope(join));
    append_record(in, frame_from(2), envelope(join));
    write(dir, "sessions", in);
  }
  {
    bytes in{3};  // joined; connection 0 engineer
    v1::Intent add_song;
    add_song.mutable_add_song()->set_title("Opener");
    append_record(in, frame_from(0), intent(6, "op-1", add_song));
    v1::Intent play;
    play.mutable_play()->set_position_samples(48'000);
    append_record(in, frame_from(0), intent(7, "op-2", play));
    v1::Intent marker;
    marker.mutable_add_marker()->set_position_samples(96'000);
    marker.mutable_add_marker()->set_label("chorus");
    append_record(in, frame_from(1), intent(8, "op-3", marker));
    v1::Intent talk;
    talk.mutable_start_talkback()->set_target(v1::TALKBACK_TARGET_ENGINEER_PRIVATE);
    append_record(in, frame_from(1), intent(9, "op-4", talk));
    v1::Intent tempo;
    tempo.mutable_set_tempo()->set_bpm(96.5);
    append_record(in, frame_from(2), intent(10, "op-5", tempo));
    auto open = request(11);
    open.mutable_open_media()->add_subscribe(v1::STREAM_KIND_PROGRAM);
    open.mutable_open_media()->set_transport(v1::MEDIA_TRANSPORT_UDP);
    append_record(in, frame_from(0), envelope(open));
    auto publish = request(12);
    publish.mutable_publish()->set_kind(v1::STREAM_KIND_PROGRAM);
    publish.mutable_publish()->set_channels(2);
    publish.mutable_publish()->set_frame_samples(480);
    append_record(in, frame_from(0), envelope(publish));
    auto leave = request(13);
    leave.mutable_leave_session()->set_session_id(session);
    append_record(in, frame_from(2), envelope(leave));
    append_record(in, close(1), bytes{});
    write(dir, "intents-and-media-open", in);
  }
  for (const std::uint8_t setup : {std::uint8_t{4 | 0x20}, std::uint8_t{4 | 0x08 | 0x20 | 0x40},
                                   std::uint8_t{4 | 0x18 | 0x20 | 0xc0}}) {
    // Media open and published; a talkback channel of the producer open.
    // Sender ids 0..2 stand for connections 0..2 (see the target).
    bytes in{setup};
    append_record(in, udp_from(0),
                  datagram(header(0, media::stream_kind::program, 2), bytes(80, 3)));
    append_record(in, udp_from(0), redundant_datagram(0));
    append_record(in, media_frame_from(1),
                  datagram(header(1, media::stream_kind::talkback, 1), bytes(30, 9)));
    append_record(in, udp_from(2),
                  datagram(header(2, media::stream_kind::talkback, 1), bytes(30, 5)));
    append_record(in, udp_from(3), probe(2, media::media_token{}));
    append_record(in, udp_from(3),
                  datagram(header(2, media::stream_kind::talkback, 1), bytes(30, 5)));
    auto unpublish = request(14);
    unpublish.mutable_unpublish()->set_kind(v1::STREAM_KIND_TALKBACK);
    append_record(in, frame_from(1), envelope(unpublish));
    append_record(in, close(0), bytes{});
    append_record(in, udp_from(2),
                  datagram(header(2, media::stream_kind::talkback, 1), bytes(30, 5)));
    write(dir, "media-" + std::to_string(setup), in);
  }
}

void http_api_seeds(const fs::path& dir) {
  const std::string session = "5e55a000-0000-4000-8000-000000000001";
  write(dir, "healthz", as_bytes("GET /healthz HTTP/1.1\r\nHost: studio\r\n\r\n"));
  write(dir, "metrics-head", as_bytes("HEAD /metrics HTTP/1.1\r\nHost: studio\r\n\r\n"));
  write(dir, "readyz", as_bytes("GET /readyz?probe=1 HTTP/1.0\r\n\r\n"));
  write(dir, "post-not-allowed",
        as_bytes("POST /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"));
  write(dir, "events",
        as_bytes("GET /api/v1/sessions/" + session +
                 "/events?after=5&limit=10 HTTP/1.1\r\nHost: studio\r\n"
                 "Authorization: Bearer crt_0123456789abcdef\r\n\r\n"));
  write(dir, "state-no-auth",
        as_bytes("GET /api/v1/sessions/" + session + "/state HTTP/1.1\r\n\r\n"));
  write(dir, "pipelined",
        as_bytes("GET /nope HTTP/1.1\r\n\r\n"
                 "DELETE /api/v1/sessions/x/events HTTP/1.1\r\n\r\n"
                 "GET /api/v1/sessions/" +
                 session +
                 "/events?limit=0&after=18446744073709551615 HTTP/1.1\r\n"
                 "Authorization: Bearer x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n0\r\n\r\n"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  media_datagram_seeds(root / "media_datagram");
  media_receiver_seeds(root / "media_receiver");
  control_dispatch_seeds(root / "control_dispatch");
  http_api_seeds(root / "http_api");
  return 0;
}
