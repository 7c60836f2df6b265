#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controlroom/errors.hpp"

namespace controlroom::detail {

/// Where the control connection goes, split for the resolver and the
/// WebSocket upgrade request.
struct ws_url {
  bool tls = false;         ///< wss://: TLS under the WebSocket
  std::string host;         ///< for the resolver, SNI and certificate checks: IPv6 without brackets
  std::uint16_t port = 80;  ///< TCP port
  std::string target;       ///< request target: path and query, starts with '/'
  std::string host_header;  ///< Host header: host (IPv6 bracketed), ":port" unless the default
};

/// The path used when the URL has none.
inline constexpr std::string_view default_control_path = "/v1/control";

/// Parses `ws[s]://host[:port][/path][?query]`; the port defaults to 80 for
/// ws:// and 443 for wss://. Pure; thread-safe.
/// @return the parts, or errc::invalid_url with a message naming the problem.
result<ws_url> parse_ws_url(std::string_view url);

/// `target` with its `session` query parameter set to `session_id` (added,
/// or replacing one already there): the placement hint of docs/protocol.md
/// §1, so that the server serves the connection where that session lives.
/// Pure.
std::string with_session_hint(std::string_view target, std::string_view session_id);

}  // namespace controlroom::detail
