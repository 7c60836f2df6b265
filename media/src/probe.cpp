#include "controlroom/media/probe.hpp"

#include <algorithm>

#include "big_endian.hpp"

namespace controlroom::media {

using detail::load_be;
using detail::store_be;

namespace {

bool reserved_clear(const std::uint8_t* p) noexcept {
  return p[1] == 0 && p[2] == 0 && p[3] == 0;
}

}  // namespace

void write_probe(const probe& p, std::span<std::uint8_t, probe_size> out) noexcept {
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  out[0] = probe_type;
  store_be<std::uint32_t>(out.data() + 4, p.sender_id);
  std::copy(p.token.begin(), p.token.end(), out.begin() + 8);
  store_be<std::uint64_t>(out.data() + 24, p.client_time_us);
}

void write_probe_reply(const probe_reply& r,
                       std::span<std::uint8_t, probe_reply_size> out) noexcept {
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  out[0] = probe_reply_type;
  store_be<std::uint32_t>(out.data() + 4, r.sender_id);
  store_be<std::uint64_t>(out.data() + 8, r.client_time_us);
  store_be<std::uint64_t>(out.data() + 16, r.server_time_us);
}

std::optional<probe> parse_probe(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() != probe_size || datagram[0] != probe_type ||
      !reserved_clear(datagram.data())) {
    return std::nullopt;
  }
  probe p;
  p.sender_id = load_be<std::uint32_t>(datagram.data() + 4);
  std::copy_n(datagram.begin() + 8, media_token_size, p.token.begin());
  p.client_time_us = load_be<std::uint64_t>(datagram.data() + 24);
  return p;
}

std::optional<probe_reply> parse_probe_reply(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() != probe_reply_size || datagram[0] != probe_reply_type ||
      !reserved_clear(datagram.data())) {
    return std::nullopt;
  }
  probe_reply r;
  r.sender_id = load_be<std::uint32_t>(datagram.data() + 4);
  r.client_time_us = load_be<std::uint64_t>(datagram.data() + 8);
  r.server_time_us = load_be<std::uint64_t>(datagram.data() + 16);
  return r;
}

bool tokens_equal(const media_token& a, const media_token& b) noexcept {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < media_token_size; ++i) {
    diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace controlroom::media
