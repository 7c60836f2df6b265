#include "send_history.hpp"

#include <algorithm>
#include <bit>

#include "controlroom/media/header.hpp"

namespace controlroom::detail {
namespace {

std::uint32_t read_u32(std::span<const std::uint8_t> d, std::size_t at) noexcept {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
         (std::uint32_t{d[at + 2]} << 8) | d[at + 3];
}

// Header offsets (media/include/controlroom/media/header.hpp).
constexpr std::size_t flags_at = 1;
constexpr std::size_t sender_id_at = 4;
constexpr std::size_t sequence_at = 12;

}  // namespace

send_history::send_history(std::size_t datagrams, std::size_t max_bytes)
    : max_bytes_(max_bytes),
      slots_(datagrams == 0 ? 0 : std::bit_ceil(datagrams)),
      bytes_(slots_.size() * max_bytes) {}

void send_history::record(std::span<const std::uint8_t> datagram) noexcept {
  if (slots_.empty() || datagram.size() < media::header_size || datagram.size() > max_bytes_)
    return;
  const auto sequence = read_u32(datagram, sequence_at);
  const auto index = sequence & (slots_.size() - 1);
  auto& s = slots_[index];
  s.used = true;
  s.sender_id = read_u32(datagram, sender_id_at);
  s.sequence = sequence;
  s.size = datagram.size();
  std::copy(datagram.begin(), datagram.end(), bytes_.begin() + index * max_bytes_);
}

std::span<const std::uint8_t> send_history::find(std::uint32_t sender_id,
                                                 std::uint32_t sequence) const noexcept {
  if (slots_.empty())
    return {};
  const auto index = sequence & (slots_.size() - 1);
  const auto& s = slots_[index];
  if (!s.used || s.sequence != sequence || s.sender_id != sender_id)
    return {};
  return {bytes_.data() + index * max_bytes_, s.size};
}

std::size_t history_datagrams(std::uint64_t span_us, std::uint32_t frame_samples) noexcept {
  if (span_us == 0 || frame_samples == 0)
    return 0;
  const std::uint64_t frame_us = std::uint64_t{frame_samples} * 1'000'000 / media::sample_rate;
  return static_cast<std::size_t>((span_us + frame_us - 1) / frame_us);
}

void make_retransmission(std::span<const std::uint8_t> sent, std::vector<std::uint8_t>& out) {
  out.assign(sent.begin(), sent.end());
  if (out.size() > flags_at)
    out[flags_at] |= media::header_flags::retransmission;
}

}  // namespace controlroom::detail
