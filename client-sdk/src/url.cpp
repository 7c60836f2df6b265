#include "url.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace controlroom::detail {
namespace {

result<ws_url> invalid(std::string why) {
  return {errc::invalid_url, std::move(why)};
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// Empty text is an error here: "ws://host:" is more likely a typo than a wish
// for the default port.
bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

result<ws_url> parse_ws_url(std::string_view url) {
  // Control characters and spaces would end up verbatim in the HTTP request line.
  if (std::any_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) == 0x7f;
      })) {
    return invalid("the URL contains spaces or control characters");
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return invalid("expected ws://host[:port][/path] or wss://...");
  const auto scheme = url.substr(0, scheme_end);
  ws_url out;
  out.tls = iequals(scheme, "wss");
  if (!out.tls && !iequals(scheme, "ws")) {
    return invalid("unsupported scheme \"" + std::string(scheme) + "\"; expected ws:// or wss://");
  }
  const std::uint16_t default_port = out.tls ? 443 : 80;
  out.port = default_port;

  const auto rest = url.substr(scheme_end + 3);
  // RFC 6455 3: fragments are meaningless in WebSocket URIs and must be rejected.
  if (rest.find('#') != std::string_view::npos)
    return invalid("fragments (#) are not allowed");
  const auto authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const auto authority = rest.substr(0, authority_end);
  const auto path = rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return invalid("credentials in the URL are not supported; use client_config::token");
  }

  std::string_view host;
  std::string_view after_host;
  bool ipv6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return invalid("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    after_host = authority.substr(close + 1);
    ipv6 = true;
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char)) {
      return invalid("invalid IPv6 address \"" + std::string(host) + "\"");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      return invalid("invalid host \"" + std::string(host) + "\"");
    }
  }
  if (host.empty())
    return invalid("missing host");
  if (!after_host.empty()) {
    if (after_host.front() != ':' || !parse_port(after_host.substr(1), out.port)) {
      return invalid("invalid port \"" + std::string(after_host) + "\"");
    }
  }

  out.host = std::string(host);
  out.host_header = ipv6 ? "[" + out.host + "]" : out.host;
  if (out.port != default_port)
    out.host_header += ":" + std::to_string(out.port);
  if (path.empty() || path.front() == '?') {
    out.target = std::string(default_control_path) + std::string(path);
  } else {
    out.target = std::string(path);
  }
  return out;
}

std::string with_session_hint(std::string_view target, std::string_view session_id) {
  const auto question = target.find('?');
  std::string out(target.substr(0, question));
  out += "?session=";
  out += session_id;
  if (question == std::string_view::npos) {
    return out;
  }
  auto query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (!pair.empty() && pair.substr(0, 8) != "session=") {
      out += '&';
      out += pair;
    }
  }
  return out;
}

}  // namespace controlroom::detail
