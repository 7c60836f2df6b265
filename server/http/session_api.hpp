#pragma once

// Read-only JSON of a session for tools and audits:
//   GET /api/v1/sessions/{id}/state               the state, replayed from the log
//   GET /api/v1/sessions/{id}/events?after=N&limit=M   the log itself
// Both need a bearer token of a member of the session (or an admin). The
// state is computed from the database — the latest snapshot plus the events
// after it — so it is exactly what a restarted server would load.

#include "http/http_types.hpp"

namespace controlroom::server {

class db_pool;

/// True when `target` is under /api/v1/sessions/.
bool is_session_api(const std::string& target);

void handle_session_api(db_pool& db, const http_request& req, http_responder respond);

}  // namespace controlroom::server
