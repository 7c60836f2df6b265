#pragma once

// The objects behind the public audio handles, shared between the
// application's audio threads and the client's network thread. Each says
// which thread touches which member; the audio-thread paths take no lock and
// allocate nothing.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "controlroom/audio.hpp"
#include "controlroom/media/packet_ring.hpp"
#include "controlroom/media/stream_receiver.hpp"
#include "controlroom/media/stream_sender.hpp"
#include "send_history.hpp"

namespace controlroom::detail {

/// steady_clock in µs: the clock of capture times, arrivals, probes and
/// the clock estimate.
std::uint64_t media_now_us() noexcept;

/// Wakes the network thread from a capture thread: an eventfd, written
/// without blocking or allocating. Shared so that a publisher outliving its
/// client still writes to a valid descriptor (which nobody reads any more).
class doorbell {
 public:
  /// Throws std::system_error when no eventfd can be made.
  doorbell();
  ~doorbell();
  doorbell(const doorbell&) = delete;
  doorbell& operator=(const doorbell&) = delete;

  void ring() noexcept;
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// One published stream.
///   capture thread: sender (via send(), mark_discontinuity())
///   ring: produced by the capture thread, consumed by the network thread
///   atomics: any thread
struct publisher_state {
  stream_kind kind = stream_kind::program;
  int channels = 2;
  std::uint32_t frame_samples = 480;
  std::optional<media::stream_sender> sender;
  // 64 datagrams = 160 ms at 2.5 ms frames: the network thread would have
  // to stall that long before audio is dropped.
  media::packet_ring ring{64};
  std::shared_ptr<doorbell> bell;
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> encode_errors{0};
  std::atomic<std::uint64_t> sent_udp{0};
  std::atomic<std::uint64_t> sent_websocket{0};
  std::atomic<std::uint64_t> not_sent{0};
  std::atomic<std::uint64_t> redundancy_skipped{0};  // mirrors sender's, for other threads
  // Network thread only (allocated by publish() before the network thread
  // sees the publisher): what was sent, to answer NACKs.
  send_history history{0, 0};
  std::atomic<std::uint64_t> nacks_received{0};
  std::atomic<std::uint64_t> packets_resent{0};
  std::atomic<std::uint64_t> resend_misses{0};

  /// stream_sender's sink: one datagram into the ring (capture thread).
  void enqueue(std::span<const std::uint8_t> datagram) noexcept;
};

/// One received stream: the network thread push()es, one audio thread
/// renders, anyone reads stats and the heard position.
struct receiver_slot {
  receiver_slot(audio_stream_info i, media::stream_receiver r,
                std::shared_ptr<const std::atomic<std::int64_t>> rtt, int out_channels)
      : info(std::move(i)),
        receiver(std::move(r)),
        rtt_us(std::move(rtt)),
        output_channels(out_channels) {}

  const audio_stream_info info;
  media::stream_receiver receiver;
  /// The engine's smallest recent round trip, µs; negative: unknown.
  std::shared_ptr<const std::atomic<std::int64_t>> rtt_us;
  const int output_channels;
  // Audio thread (audio_stream only): the clock passed to the last render()
  // and the latency set, to answer written_position() exactly.
  std::uint64_t last_render_us = 0;
  std::uint32_t output_latency = 0;
};

/// The streams one mixer sums.
struct mix_set {
  std::vector<std::shared_ptr<receiver_slot>> streams;
};

/// An audio_mixer. The network thread publishes a new mix_set whenever the
/// streams change; the audio thread reads the current one under a single
/// hazard pointer (no lock, no reference counting on the audio thread), and
/// the network thread frees a replaced set only once the audio thread is
/// not reading it, so receivers are never destroyed on the audio thread.
struct mixer_state {
  mixer_state(std::vector<stream_kind> k, int out_channels);
  ~mixer_state();

  const std::vector<stream_kind> kinds;
  const int channels;

  // Network thread.
  void publish(std::vector<std::shared_ptr<receiver_slot>> streams);

  // Audio thread.
  void render(std::span<float> out) noexcept;
  std::atomic<std::uint32_t> output_latency{0};

  // Any thread: a copy of the current streams for heard_position().
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<receiver_slot>> readable;

 private:
  void reclaim();

  std::atomic<mix_set*> current_{nullptr};
  std::atomic<mix_set*> hazard_{nullptr};
  std::vector<mix_set*> retired_;  // network thread
  // Audio thread only.
  std::vector<float> scratch_;
  const mix_set* applied_set_ = nullptr;
  std::uint32_t applied_latency_ = 0;
};

/// Makes the public handles over their state (their constructors are private).
struct audio_access {
  static audio_publisher publisher(std::shared_ptr<publisher_state> s) {
    return audio_publisher(std::move(s));
  }
  static audio_stream stream(std::shared_ptr<receiver_slot> s) {
    return audio_stream(std::move(s));
  }
  static audio_mixer mixer(std::shared_ptr<mixer_state> s) { return audio_mixer(std::move(s)); }
};

}  // namespace controlroom::detail
