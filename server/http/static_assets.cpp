#include "http/static_assets.hpp"

#include <string>

namespace controlroom::server {
namespace {

constexpr std::string_view prefix = "/console/";

// The console's own code only: no inline script or style, no other origin.
// 'unsafe-eval' because protobufjs compiles its encoders and decoders with
// new Function() for speed; media and the WebSocket go to this server only.
constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self'; "
    "connect-src 'self' ws: wss:; img-src 'self' data:; media-src 'self' blob:; "
    "worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

http_response redirect(std::string location) {
  http_response r{302, "text/plain; charset=utf-8", "see " + location + "\n", {}};
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

// The version from "?v=...", if any.
std::string_view query_version(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return {};
  }
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    if (item.starts_with("v=")) {
      return item.substr(2);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return {};
}

http_response not_built() {
  return {503,
          "text/html; charset=utf-8",
          "<!doctype html><meta charset=utf-8><title>Controlroom</title>"
          "<h1>The console is not part of this build</h1>"
          "<p>This controlroomd was built without the browser console's dependencies. "
          "Build it from a checkout after <code>scripts/web-deps.sh</code>.</p>\n",
          {}};
}

}  // namespace

bool is_console_path(std::string_view path) {
  return path == "/" || path == "/console" || path.starts_with(prefix);
}

http_response serve_console(const http_request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    auto response = json_error(405, "method_not_allowed", req.method + " is not allowed here");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  const std::string_view target = req.target;
  const auto path = target.substr(0, target.find('?'));
  if (path == "/" || path == "/console") {
    return redirect(std::string(prefix));
  }
  if (!console_built()) {
    return not_built();
  }
  auto name = path.substr(prefix.size());
  const bool is_index = name.empty() || name == "index.html";
  if (is_index) {
    name = "index.html";
  }
  for (const auto& asset : console_assets()) {
    if (asset.path != name) {
      continue;
    }
    http_response r{200, std::string(asset.content_type), std::string(asset.body), {}};
    const bool versioned = !is_index && query_version(target) == console_version();
    r.headers.emplace_back("Cache-Control",
                           versioned ? "public, max-age=31536000, immutable" : "no-cache");
    r.headers.emplace_back("ETag", std::string(asset.etag));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (is_index) {
      r.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
      // The login token rides in the URL's fragment, which browsers never
      // send; no-referrer keeps the rest of the URL out of other requests too.
      r.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    return r;
  }
  return json_error(404, "not_found", "no resource at " + std::string(path));
}

}  // namespace controlroom::server
