#include "http/byte_range.hpp"

#include <charconv>
#include <optional>

namespace controlroom::server {

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

byte_range_request parse_byte_range(std::string_view header, std::uint64_t size) {
  using kind = byte_range_request::kind;
  constexpr std::string_view unit = "bytes=";
  if (header.substr(0, unit.size()) != unit) {
    return {};
  }
  const auto spec = header.substr(unit.size());
  if (spec.find(',') != std::string_view::npos) {
    return {};  // several ranges: the whole body is a valid answer
  }
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return {};
  }
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);
  if (first_text.empty()) {
    // "-n": the last n bytes.
    const auto suffix = number(last_text);
    if (!suffix) {
      return {};
    }
    if (*suffix == 0 || size == 0) {
      return {kind::unsatisfiable, 0, 0};
    }
    const auto length = std::min(*suffix, size);
    return {kind::partial, size - length, size - 1};
  }
  const auto first = number(first_text);
  if (!first) {
    return {};
  }
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto given = number(last_text);
    if (!given || *given < *first) {
      return {};
    }
    last = std::min(*given, last);
  }
  if (*first >= size) {
    return {kind::unsatisfiable, 0, 0};
  }
  return {kind::partial, *first, last};
}

}  // namespace controlroom::server
