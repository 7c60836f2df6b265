#pragma once

// The HTTP Range header for downloads (RFC 9110 §14): one "bytes=" range,
// first-last, first- or -suffix. Pure.

#include <cstdint>
#include <string_view>

namespace controlroom::server {

struct byte_range_request {
  enum class kind {
    whole,          // no Range, or one we do not serve as such (multiple ranges, other units)
    partial,        // serve [first, last] with 206
    unsatisfiable,  // 416: starts at or beyond the end
  } what = kind::whole;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

/// Interprets `header` (the Range value, possibly empty) for a body of
/// `size` bytes. A malformed header is ignored (whole body), as RFC 9110
/// allows.
byte_range_request parse_byte_range(std::string_view header, std::uint64_t size);

}  // namespace controlroom::server
