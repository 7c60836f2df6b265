#pragma once

// Byte-order helpers for the wire formats. Byte-wise on purpose: no
// alignment or aliasing assumptions about datagram buffers, and the compiler
// turns these into single loads/stores plus a bswap anyway.

#include <cstddef>
#include <cstdint>

namespace controlroom::media::detail {

template <class T>
T load_be(const std::uint8_t* p) noexcept {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v = static_cast<T>((v << 8) | p[i]);
  return v;
}

template <class T>
void store_be(std::uint8_t* p, T v) noexcept {
  for (std::size_t i = sizeof(T); i-- > 0;) {
    p[i] = static_cast<std::uint8_t>(v & 0xff);
    v = static_cast<T>(v >> 8);
  }
}

}  // namespace controlroom::media::detail
