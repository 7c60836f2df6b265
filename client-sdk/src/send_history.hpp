#pragma once

// The last datagrams a publisher sent, kept so that the server's NACKs
// (docs/media-plane.md, "Healing") can be answered with the very bytes that
// went out. The recorder asks for a frame within its heal window (2 s by
// default), so a couple of seconds of history is all that is ever useful.
//
// Fixed size: every slot is allocated by the constructor (at publish time),
// so recording a datagram on the network thread never allocates. A slot is
// found by the sequence number's low bits (the capacity is a power of two,
// so the mapping stays continuous across the 32-bit wrap) and answers only
// for the exact (sender_id, sequence) it holds: a datagram the capture ring
// dropped, or one overwritten by a newer lap, is simply not there.
//
// Pure: no clock, no sockets. Threading: one thread (the client's network
// thread).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace controlroom::detail {

class send_history {
 public:
  /// Room for at least `datagrams` datagrams (rounded up to a power of two;
  /// 0 keeps nothing) of up to `max_bytes` each.
  send_history(std::size_t datagrams, std::size_t max_bytes);

  /// Keeps a copy of `datagram` (a whole media datagram as sent: its
  /// header's sender_id and sequence are read from it), replacing whatever
  /// held its slot. Datagrams larger than max_bytes or shorter than a
  /// header are not kept.
  void record(std::span<const std::uint8_t> datagram) noexcept;

  /// The datagram sent as `sequence` under `sender_id`, byte for byte, or an
  /// empty span when it is no longer (or never was) held. Valid until the
  /// next record().
  std::span<const std::uint8_t> find(std::uint32_t sender_id,
                                     std::uint32_t sequence) const noexcept;

  std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  struct slot {
    bool used = false;
    std::uint32_t sender_id = 0;
    std::uint32_t sequence = 0;
    std::size_t size = 0;
  };

  std::size_t max_bytes_;
  std::vector<slot> slots_;
  std::vector<std::uint8_t> bytes_;  // slots_.size() * max_bytes_
};

/// The slots a history needs to cover `span_us` of a stream of
/// `frame_samples` frames at 48 kHz (one datagram per frame).
std::size_t history_datagrams(std::uint64_t span_us, std::uint32_t frame_samples) noexcept;

/// Turns a datagram from the history into its retransmission in `out`: the
/// same bytes with the header's `retransmission` flag set. `out` is resized
/// (its capacity reused).
void make_retransmission(std::span<const std::uint8_t> sent, std::vector<std::uint8_t>& out);

}  // namespace controlroom::detail
