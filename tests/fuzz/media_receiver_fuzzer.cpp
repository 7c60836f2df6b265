// A client's receive path on hostile datagrams: the server forwards media
// byte for byte once the header checks pass, so whatever another participant
// sends reaches every receiver's stream_receiver (packet_ring -> jitter
// buffer -> Opus decoder). This replays datagrams and audio callbacks in any
// order and interleaving, with arbitrary arrival times, on one thread (the
// SPSC hand-off itself is the unit tests' and TSan's business).
//
// Checks: no crash or sanitizer report; every render fills its buffer with
// finite samples; the counters never go backwards.
//
// Input: records (fuzz_input.hpp). Tag bit 0 clear: push the record's bytes
// as a datagram, arriving (tag >> 1) * 250 us after the previous event. Tag
// bit 0 set: render (tag >> 1) % 4 selects 120, 240, 480 or 960 frames, and
// the clock advances by that much audio.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/stream_receiver.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

namespace media = controlroom::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  controlroom::fuzz::record_reader records({data, size});
  auto first = records.next();
  if (!first) {
    return 0;
  }
  media::receiver_config config;
  // The first record's tag picks the output layout: a stereo stream into a
  // mono device and the reverse both go through the decoder's conversion.
  config.channels = (first->tag & 1) != 0 ? 1 : 2;
  config.queue_packets = 64;
  config.jitter.capacity_frames = 64;
  auto receiver = media::stream_receiver::create(config);
  FUZZ_CHECK(receiver.has_value());

  constexpr std::array<std::size_t, 4> render_frames{120, 240, 480, 960};
  std::uint64_t now_us = 1'000'000;
  std::uint64_t last_received = 0;
  for (auto r = first; r; r = records.next()) {
    if ((r->tag & 1) == 0) {
      now_us += static_cast<std::uint64_t>(r->tag >> 1) * 250;
      // A private copy of exactly the datagram, so that ASan sees its end.
      const std::vector<std::uint8_t> datagram(r->bytes.begin(), r->bytes.end());
      receiver->push(datagram, now_us);
      continue;
    }
    const auto frames = render_frames[(r->tag >> 1) % render_frames.size()];
    const auto samples = frames * static_cast<std::size_t>(config.channels);
    std::vector<float> buffer(samples, NAN);
    receiver->render(buffer, now_us);
    for (const float s : buffer) {
      FUZZ_CHECK(std::isfinite(s));
    }
    now_us += frames * 1'000'000 / media::sample_rate;
    const auto stats = receiver->stats();
    FUZZ_CHECK(stats.received >= last_received);
    last_received = stats.received;
    (void)receiver->heard_position(now_us);
  }
  return 0;
}
