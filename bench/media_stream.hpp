#pragma once

// What the media load generator sends and how it counts what comes back:
// the datagram of one simulated stream (header v1 + a payload of the size a
// real Opus stream has), and per-receiver sequence accounting. Shared by the
// UDP pump and the WebSocket path.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/payload.hpp"

namespace controlroom::bench {

/// A simulated stream: its frame size and the bytes a real encoder would
/// emit per frame. The default is the engineer's program mix at 5 ms frames,
/// 256 kbit/s stereo CELT (160 bytes a frame) with the previous frame
/// repeated for loss protection: 32 + 2 + 2 x 160 = 354 bytes a datagram.
struct stream_shape {
  std::uint16_t frame_samples = 240;
  std::uint8_t channels = 2;
  std::size_t opus_bytes = 160;
  bool redundancy = true;

  std::size_t datagram_bytes() const noexcept {
    return media::header_size +
           (redundancy ? media::redundancy_overhead + 2 * opus_bytes : opus_bytes);
  }
  /// Datagrams per second per stream.
  double packets_per_second() const noexcept {
    return static_cast<double>(media::sample_rate) / frame_samples;
  }
  /// The frame period in nanoseconds.
  std::int64_t period_ns() const noexcept {
    return static_cast<std::int64_t>(frame_samples) * 1'000'000'000 / media::sample_rate;
  }
};

/// The bytes after the header, built once per stream: the server forwards
/// datagrams unchanged and never decodes them, so a filler of the right size
/// and framing is as good as real Opus for the relay.
std::vector<std::uint8_t> make_payload(const stream_shape& shape);

/// Writes the header of packet `sequence` of a program stream into `out`.
/// capture_time_us is the sender's CLOCK_MONOTONIC at the moment the
/// datagram is handed to the kernel: the receiver, on the same host, reads
/// the relay-added latency straight off it.
void write_stream_header(const stream_shape& shape, std::uint32_t sender_id, std::uint32_t sequence,
                         std::uint64_t capture_time_us,
                         std::span<std::uint8_t, media::header_size> out) noexcept;

/// One receiver's view of the stream it hears, over one measurement step.
struct receive_counters {
  std::uint64_t received = 0;         ///< datagrams of the stream, duplicates included
  std::uint64_t gap_events = 0;       ///< times the sequence jumped forward
  std::uint64_t gap_packets = 0;      ///< sequence numbers skipped by those jumps
  std::uint64_t late = 0;             ///< datagrams behind the highest sequence seen
  std::uint64_t other = 0;            ///< foreign or malformed datagrams
  std::uint64_t unauthenticated = 0;  ///< UDP: not sealed for us, forged or replayed
  bool started = false;
  std::uint32_t next_sequence = 0;
  /// The kernel's drop counter of the receiving socket (SO_RXQ_OVFL): first
  /// and latest value seen in the step.
  bool drops_seen = false;
  std::uint32_t drops_first = 0;
  std::uint32_t drops_last = 0;

  void count(std::uint32_t sequence) noexcept {
    ++received;
    if (!started) {
      started = true;
      next_sequence = sequence + 1;
      return;
    }
    // Serial arithmetic, as receivers do: the sequence wraps.
    const auto ahead = static_cast<std::int32_t>(sequence - next_sequence);
    if (ahead < 0) {
      ++late;
      return;
    }
    if (ahead > 0) {
      ++gap_events;
      gap_packets += static_cast<std::uint64_t>(ahead);
    }
    next_sequence = sequence + 1;
  }

  void note_socket_drops(std::uint32_t kernel_counter) noexcept {
    if (!drops_seen) {
      drops_seen = true;
      drops_first = kernel_counter;
    }
    drops_last = kernel_counter;
  }

  /// Resets the step's figures; the kernel counter's baseline is kept so
  /// that drops between steps are not charged to the next one.
  void start_step() noexcept {
    const auto baseline = drops_last;
    const bool seen = drops_seen;
    *this = receive_counters{};
    drops_seen = seen;
    drops_first = baseline;
    drops_last = baseline;
  }

  std::uint64_t socket_drops() const noexcept { return drops_last - drops_first; }
};

}  // namespace controlroom::bench
