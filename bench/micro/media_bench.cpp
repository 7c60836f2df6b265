// The media plane's per-packet codecs: the 32-byte header (parsed by the
// relay for every datagram), the receiver's jitter buffer (one insert and
// one pull per frame), and the recorder's Ogg Opus writer (one packet per
// frame per recorded stream), and the UDP sealing (AES-256-GCM): one open
// per datagram in, one seal per receiver out.

#include <array>
#include <vector>

#include <benchmark/benchmark.h>

#include "controlroom/media/header.hpp"
#include "controlroom/media/jitter_buffer.hpp"
#include "controlroom/media/ogg_opus_writer.hpp"
#include "controlroom/media/sealed.hpp"

namespace {

namespace media = controlroom::media;

media::media_header program_header(std::uint32_t sequence) {
  media::media_header h;
  h.redundancy = true;
  h.frame_samples = 240;
  h.sender_id = 0x01020304;
  h.channels = 2;
  h.sequence = sequence;
  h.capture_time_us = 1'000'000 + std::uint64_t{sequence} * 5'000;
  h.timeline_position = std::int64_t{sequence} * 240;
  return h;
}

void BM_media_header_write(benchmark::State& s) {
  std::array<std::uint8_t, media::header_size> out{};
  std::uint32_t seq = 0;
  for (auto _ : s) {
    media::write_header(program_header(seq++), out);
    benchmark::DoNotOptimize(out);
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_media_header_write);

void BM_media_header_parse(benchmark::State& s) {
  std::vector<std::uint8_t> datagram(354, 0x5a);
  media::write_header(program_header(7), std::span<std::uint8_t, media::header_size>(
                                             datagram.data(), media::header_size));
  for (auto _ : s) {
    auto parsed = media::parse_datagram(datagram);
    benchmark::DoNotOptimize(parsed);
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_media_header_parse);

// One 5 ms frame in and one out, steady state (the buffer warmed up first).
void BM_jitter_buffer_insert_pull(benchmark::State& s) {
  media::jitter_buffer buffer;
  std::vector<std::uint8_t> payload(322, 0x33);
  std::uint32_t seq = 0;
  std::uint64_t now = 1'000'000;
  auto one_frame = [&] {
    buffer.insert(program_header(seq), payload, now);
    ++seq;
    now += 5'000;
    return buffer.pull();
  };
  for (int i = 0; i < 2'000; ++i) {
    one_frame();
  }
  for (auto _ : s) {
    auto frame = one_frame();
    benchmark::DoNotOptimize(frame);
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_jitter_buffer_insert_pull);

// 160-byte stereo CELT frames (256 kbit/s at 5 ms), pages to a sink that
// only counts bytes: the writer's own cost, not the disk's.
void BM_ogg_opus_writer_packet(benchmark::State& s) {
  std::uint64_t bytes = 0;
  auto writer = media::ogg_opus_writer::create(
      {}, [&](std::span<const std::uint8_t> h, std::span<const std::uint8_t> b) {
        bytes += h.size() + b.size();
      });
  if (!writer) {
    s.SkipWithError("ogg_opus_writer::create failed");
    return;
  }
  std::vector<std::uint8_t> packet(160, 0x44);
  packet[0] = 0xfc;  // a CELT-only, 2.5-20 ms TOC byte; the writer does not decode
  for (auto _ : s) {
    if (writer->write(packet, 240)) {
      s.SkipWithError("write failed");
      break;
    }
  }
  writer->finish();
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ogg_opus_writer_packet);

// A 5 ms stereo program datagram with redundancy is ~300 bytes; the range
// covers a 2.5 ms talkback frame to a 20 ms one.
void BM_media_seal(benchmark::State& s) {
  media::media_cipher cipher{media::media_key{1, 2, 3}};
  const std::vector<std::uint8_t> inner(static_cast<std::size_t>(s.range(0)), 0x5a);
  std::vector<std::uint8_t> out(inner.size() + media::sealed_overhead);
  std::uint64_t counter = 0;
  for (auto _ : s) {
    auto sealed =
        cipher.seal({media::seal_direction::to_client, 0x01020304, ++counter}, inner, out);
    benchmark::DoNotOptimize(sealed.data());
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
BENCHMARK(BM_media_seal)->Arg(100)->Arg(300)->Arg(1400);

void BM_media_open(benchmark::State& s) {
  media::media_cipher cipher{media::media_key{1, 2, 3}};
  const std::vector<std::uint8_t> inner(static_cast<std::size_t>(s.range(0)), 0x5a);
  std::vector<std::uint8_t> sealed(inner.size() + media::sealed_overhead);
  cipher.seal({media::seal_direction::to_server, 0x01020304, 1}, inner, sealed);
  std::vector<std::uint8_t> out(inner.size());
  for (auto _ : s) {
    auto opened = cipher.open(sealed, out);
    benchmark::DoNotOptimize(opened);
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
BENCHMARK(BM_media_open)->Arg(100)->Arg(300)->Arg(1400);

}  // namespace
