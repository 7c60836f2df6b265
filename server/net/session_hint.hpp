#pragma once

// The session a WebSocket upgrade says it will join: `?session=<id>` on the
// control path (docs/protocol.md §1, "Naming the session in the upgrade").
// Only a placement hint: the listener serves such a connection on the
// worker that owns that session, so the session's traffic to and from it
// never crosses threads. Any session may still be joined on any
// connection. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace controlroom::server {

/// The `session` query parameter of a request target, when it is there and
/// looks like an id (1 to 64 of A-Z a-z 0-9 - _); nullopt otherwise.
std::optional<std::string> session_hint(std::string_view target);

}  // namespace controlroom::server
