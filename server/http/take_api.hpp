#pragma once

// Recorded takes over HTTP (docs/protocol.md §8):
//   GET    /api/v1/sessions/{id}/takes[?song_id=S]   the take files, by take
//   GET    /api/v1/take-files/{id}                   one file's metadata
//   GET    /api/v1/take-files/{id}/audio             the Ogg Opus bytes (Range)
//   DELETE /api/v1/take-files/{id}                   engineer only; audited
// Every request needs a bearer token of a member of the session (or an
// admin). Files are read on a database thread, never on a network worker.

#include <string>

#include "http/http_types.hpp"

namespace controlroom::server {

class db_pool;

/// True for the paths above (the takes listing lives under /sessions/).
bool is_take_api(const std::string& target);

void handle_take_api(db_pool& db, const http_request& req, http_responder respond);

}  // namespace controlroom::server
