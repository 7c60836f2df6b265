#pragma once

// Per-stream receive statistics, as the SDK reports them (to the
// application and, over the control plane, to the server).

#include <cstdint>

namespace controlroom::media {

struct stream_stats {
  /// Packets accepted for playout: the first copy of each frame, in time.
  std::uint64_t received = 0;
  /// Frames whose own packet had not arrived when they were due. Counted at
  /// playout, so a packet that is merely late counts here and in `late`.
  std::uint64_t lost = 0;
  /// Lost frames played from the copy carried by the next packet
  /// (bit-identical audio; no concealment).
  std::uint64_t recovered_by_redundancy = 0;
  /// Frames synthesised by packet-loss concealment: lost frames that were
  /// not recovered, plus underruns.
  std::uint64_t concealed = 0;
  /// Packets that arrived after their frame had been played or concealed.
  std::uint64_t late = 0;
  std::uint64_t duplicates = 0;
  /// Pulls that concealed while waiting for a frame that may only be late
  /// (nothing newer had arrived, or the buffer was below its target).
  std::uint64_t underruns = 0;
  /// Frames skipped on purpose: to bring latency down, or on overflow.
  std::uint64_t dropped = 0;
  /// Retransmissions (flag bit 2) that came too late or were not needed.
  std::uint64_t retransmissions_ignored = 0;
  /// Sequence jumps that restarted the stream (sender restart).
  std::uint64_t resyncs = 0;
  /// Datagrams that failed parsing (bad header or payload framing).
  std::uint64_t malformed = 0;
  /// Datagrams dropped because the audio thread had stopped draining them.
  std::uint64_t queue_overflows = 0;
  /// Packets the Opus decoder rejected (concealed instead).
  std::uint64_t decode_errors = 0;

  std::uint32_t depth_frames = 0;   ///< frames buffered at the last pull
  std::uint32_t target_frames = 0;  ///< the adaptive target depth
  double jitter_ms = 0;             ///< RFC 3550 interarrival jitter
  double peak_delay_ms = 0;         ///< held peak lateness behind the target
};

}  // namespace controlroom::media
