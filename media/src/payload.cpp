#include "controlroom/media/payload.hpp"

#include <algorithm>
#include <limits>

#include "big_endian.hpp"

namespace controlroom::media {

std::optional<std::size_t> pack_redundant_payload(std::span<const std::uint8_t> primary,
                                                  std::span<const std::uint8_t> redundant,
                                                  std::span<std::uint8_t> out) noexcept {
  if (primary.empty() || redundant.empty())
    return std::nullopt;
  if (primary.size() > std::numeric_limits<std::uint16_t>::max())
    return std::nullopt;
  const std::size_t total = redundancy_overhead + primary.size() + redundant.size();
  if (total > out.size())
    return std::nullopt;
  detail::store_be<std::uint16_t>(out.data(), static_cast<std::uint16_t>(primary.size()));
  std::copy(primary.begin(), primary.end(), out.begin() + redundancy_overhead);
  std::copy(redundant.begin(), redundant.end(),
            out.begin() + static_cast<std::ptrdiff_t>(redundancy_overhead + primary.size()));
  return total;
}

std::optional<frame_payloads> unpack_redundant_payload(
    std::span<const std::uint8_t> payload) noexcept {
  if (payload.size() < redundancy_overhead)
    return std::nullopt;
  const std::size_t primary_len = detail::load_be<std::uint16_t>(payload.data());
  const std::size_t rest = payload.size() - redundancy_overhead;
  // Both packets non-empty: a zero-length Opus packet does not exist.
  if (primary_len == 0 || primary_len >= rest)
    return std::nullopt;
  return frame_payloads{payload.subspan(redundancy_overhead, primary_len),
                        payload.subspan(redundancy_overhead + primary_len)};
}

std::optional<frame_payloads> split_payload(const media_header& header,
                                            std::span<const std::uint8_t> payload) noexcept {
  if (header.redundancy)
    return unpack_redundant_payload(payload);
  if (payload.empty())
    return std::nullopt;
  return frame_payloads{payload, {}};
}

}  // namespace controlroom::media
