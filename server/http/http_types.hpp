#pragma once

// HTTP requests and responses as the API handlers see them: no Beast, so
// handlers stay cheap to compile and easy to test.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace controlroom::server {

struct http_request {
  std::string method;  // "GET", ...
  std::string target;  // path and query, e.g. "/metrics"
  std::string authorization;
  std::string body;
  std::string range;  // the Range header, for downloads
};

/// Bytes of a file on disk sent as a response body (a download): streamed
/// from disk in pieces by the connection, never held whole in memory.
struct file_part {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// When set, the body is this part of a file instead of `body`.
  std::optional<file_part> file{};
};

/// Completes a request. Call exactly once, from any thread.
using http_responder = std::function<void(http_response)>;

/// A JSON error body: {"error":{"code":"...","message":"..."}}.
http_response json_error(unsigned status, const std::string& code, const std::string& message);

}  // namespace controlroom::server
