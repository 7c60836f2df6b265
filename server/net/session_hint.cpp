#include "net/session_hint.hpp"

#include <algorithm>

namespace controlroom::server {

namespace {

bool id_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::optional<std::string> session_hint(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) {
    return std::nullopt;
  }
  auto query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    constexpr std::string_view key = "session=";
    if (pair.substr(0, key.size()) != key) {
      continue;
    }
    const auto value = pair.substr(key.size());
    if (value.empty() || value.size() > 64 ||
        !std::all_of(value.begin(), value.end(), id_character)) {
      return std::nullopt;
    }
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace controlroom::server
