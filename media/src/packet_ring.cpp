#include "controlroom/media/packet_ring.hpp"

#include <algorithm>
#include <bit>

namespace controlroom::media {

packet_ring::packet_ring(std::size_t capacity)
    : slots_(std::bit_ceil(std::max<std::size_t>(capacity, 2))), mask_(slots_.size() - 1) {}

bool packet_ring::try_push(const media_header& header, std::span<const std::uint8_t> payload,
                           std::uint64_t arrival_us) noexcept {
  if (payload.size() > max_payload_size)
    return false;
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail - cached_head_ == slots_.size()) {
    // Refresh the consumer's position only when the ring looks full: the
    // common path touches no cache line the consumer writes.
    cached_head_ = head_.load(std::memory_order_acquire);
    if (tail - cached_head_ == slots_.size()) {
      overflows_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  received_packet& slot = slots_[tail & mask_];
  slot.header = header;
  slot.arrival_us = arrival_us;
  slot.payload_size = static_cast<std::uint16_t>(payload.size());
  std::copy(payload.begin(), payload.end(), slot.payload_bytes.begin());
  tail_.store(tail + 1, std::memory_order_release);  // publishes the slot's contents
  return true;
}

const received_packet* packet_ring::front() noexcept {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == cached_tail_) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head == cached_tail_)
      return nullptr;
  }
  return &slots_[head & mask_];
}

void packet_ring::pop() noexcept {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  head_.store(head + 1, std::memory_order_release);  // hands the slot back to the producer
}

}  // namespace controlroom::media
