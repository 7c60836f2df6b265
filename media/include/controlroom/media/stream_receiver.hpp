#pragma once

// The receiving half of one media stream (one sender_id + stream kind; the
// caller demultiplexes): datagrams from the network thread -> packet_ring ->
// jitter_buffer -> Opus decoder -> PCM pulled by the audio callback.
//
// Threading contract:
//  - push(): the network thread only (single producer). Lock-free, no
//    allocation; a malformed datagram is counted and dropped.
//  - render(), set_output_latency(): the audio thread only (single
//    consumer). Never blocks, never allocates, always fills `out`.
//  - stats(), heard_position(): any thread. They read a snapshot the audio
//    thread publishes at the end of each render() (sequence lock: readers
//    may retry, the audio thread never waits).
//  - create(), destruction, move: no other call may run concurrently.
//
// Latency cuts (jitter_buffer drops a frame) are crossfaded over
// `crossfade_samples` into the following frame, so they are not clicks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "controlroom/media/jitter_buffer.hpp"
#include "controlroom/media/result.hpp"
#include "controlroom/media/stream_stats.hpp"

namespace controlroom::media {

struct receiver_config {
  int channels = 2;  ///< of the output (1 or 2); the stream's are converted by the decoder
  jitter_buffer_config jitter;
  std::size_t queue_packets = 256;           ///< network -> audio thread hand-off
  std::uint32_t output_latency_samples = 0;  ///< device latency, if known at creation
  std::uint32_t crossfade_samples = 120;     ///< over a dropped frame, <= 960
};

class stream_receiver {
 public:
  static result<stream_receiver> create(const receiver_config& config);

  stream_receiver(stream_receiver&&) noexcept;
  stream_receiver& operator=(stream_receiver&&) noexcept;
  ~stream_receiver();

  /// Network thread. `arrival_us`: the receiver's monotonic clock when the
  /// datagram arrived (the same clock for every push). False when the
  /// datagram was malformed or the hand-off queue was full.
  bool push(std::span<const std::uint8_t> datagram, std::uint64_t arrival_us) noexcept;

  /// Audio thread. Fills `out` (interleaved, config.channels per sample)
  /// with decoded, concealed or silent audio. `now_us`: the same monotonic
  /// clock as push(), at this callback (anchors heard_position()).
  void render(std::span<float> out, std::uint64_t now_us) noexcept;

  /// Audio thread. The device's output latency (buffering + converter), in
  /// samples at 48 kHz, as the audio API reports it.
  void set_output_latency(std::uint32_t samples) noexcept;

  /// Any thread.
  stream_stats stats() const noexcept;

  /// Any thread. The timeline position the listener hears at `now_us`:
  /// exact at the last render() (from the rendered frames' positions and
  /// the output latency), extrapolated in real time from there for at most
  /// one callback's length. nullopt while silence or untimed audio plays.
  std::optional<std::int64_t> heard_position(std::uint64_t now_us) const noexcept;

 private:
  struct impl;
  explicit stream_receiver(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace controlroom::media
