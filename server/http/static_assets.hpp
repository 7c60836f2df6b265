#pragma once

// The browser console (web/console), served on the HTTP port under
// /console/. Its files, the .proto contract it parses in the browser and
// protobufjs are compiled into controlroomd (cmake/embed_web_assets.cmake):
// an operator deploys one binary, and nothing is fetched from a CDN.
//
// Caching: index.html is revalidated on every load (no-cache) so a new
// server version is picked up at once; the modules it loads carry the build's
// version in their URL (?v=...) and are then immutable for a year. A request
// without the current version gets no-cache, so a stale index never mixes
// with new modules for long.

#include <string_view>
#include <vector>

#include "http/http_types.hpp"

namespace controlroom::server {

struct static_asset {
  std::string_view path;  // below /console/, e.g. "app.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // quoted, strong
};

/// Generated at build time. Thread-safe.
const std::vector<static_asset>& console_assets();
/// A hash of every embedded file: the ?v= of cacheable URLs.
std::string_view console_version();
/// False when the build had no web/ dependencies (the console is left out).
bool console_built();

/// "/", "/console" and everything below "/console/".
bool is_console_path(std::string_view path);

/// Answers a request for a console path. Thread-safe, never blocks.
http_response serve_console(const http_request& req);

}  // namespace controlroom::server
