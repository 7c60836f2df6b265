#pragma once

// The hand-off of received media packets from the network thread to the
// audio thread: a bounded single-producer/single-consumer ring of fixed-size
// slots. Lock-free and allocation-free after construction, so neither side
// can be blocked by the other; the audio callback never waits on the network.
//
// Threading contract: exactly one producer thread calls try_push(); exactly
// one consumer thread calls front()/pop(); capacity() and the constructor
// anywhere. A full ring drops the new packet (counted): that only happens
// when the consumer has stalled for longer than the ring holds, and the
// jitter buffer would discard such stale audio anyway.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"

namespace controlroom::media {

/// One received datagram: parsed header, arrival time, payload copy.
struct received_packet {
  media_header header;
  std::uint64_t arrival_us = 0;  ///< receiver's monotonic clock when the datagram arrived
  std::uint16_t payload_size = 0;
  std::array<std::uint8_t, max_payload_size> payload_bytes{};

  std::span<const std::uint8_t> payload() const noexcept {
    return {payload_bytes.data(), payload_size};
  }
};

class packet_ring {
 public:
  /// Rounds `capacity` up to a power of two (at least 2). Allocates.
  explicit packet_ring(std::size_t capacity);
  packet_ring(const packet_ring&) = delete;
  packet_ring& operator=(const packet_ring&) = delete;

  /// Producer. Copies the packet into the next free slot; false when the
  /// ring is full or the payload is larger than max_payload_size.
  bool try_push(const media_header& header, std::span<const std::uint8_t> payload,
                std::uint64_t arrival_us) noexcept;

  /// Consumer. The oldest packet, or nullptr when empty. Valid until pop().
  const received_packet* front() noexcept;
  /// Consumer. Releases the slot front() returned.
  void pop() noexcept;

  /// Packets try_push() refused because the ring was full (any thread).
  std::uint64_t overflows() const noexcept { return overflows_.load(std::memory_order_relaxed); }
  std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  std::vector<received_packet> slots_;
  std::size_t mask_;
  // Separate cache lines: the two sides write different indices.
  alignas(64) std::atomic<std::size_t> head_{0};  // next slot to read; written by the consumer
  std::size_t cached_tail_ = 0;                   // consumer's last view of tail_
  alignas(64) std::atomic<std::size_t> tail_{0};  // next slot to write; written by the producer
  std::size_t cached_head_ = 0;                   // producer's last view of head_
  std::atomic<std::uint64_t> overflows_{0};
};

}  // namespace controlroom::media
