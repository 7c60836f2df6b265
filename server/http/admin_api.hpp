#pragma once

// The admin HTTP API (docs/protocol.md §8.1): users, their API tokens,
// studios, sessions and invites, as JSON under /api/v1/. Admins manage
// everything; a user manages their own tokens; an engineer of a session
// manages its invites; redeeming an invite needs no token at all.

#include "http/http_types.hpp"

namespace controlroom::server {

class db_pool;

/// True when `target` belongs to this API (checked before the session and
/// take APIs, which share the /api/v1/sessions/ prefix).
bool is_admin_api(const std::string& target);

/// Thread-safe; answers through `respond`, usually from a database thread.
void handle_admin_api(db_pool& db, const http_request& req, http_responder respond);

}  // namespace controlroom::server
