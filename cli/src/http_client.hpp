#pragma once

// A small blocking HTTP/1.1 client for the server's JSON API and take-file
// downloads (Boost.Beast). The SDK speaks only the control plane; the HTTP
// API is the CLI's business.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/json/value.hpp>

#include "connection.hpp"

namespace controlroom::cli {

struct http_reply {
  unsigned status = 0;
  std::string body;
};

class http_client {
 public:
  http_client(server_address server, std::string token);

  /// One request; throws cli_error when the server cannot be reached.
  http_reply request(const std::string& method, const std::string& target,
                     const std::string& body = {});

  /// The JSON body of a 2xx reply; otherwise throws cli_error with the
  /// server's error message and an exit status matching its code.
  boost::json::value json(const std::string& method, const std::string& target,
                          const boost::json::value* body = nullptr);

  /// Streams `target` into `path`, resuming from the bytes already in it
  /// when `resume` (Range). `progress(done, total)` runs as bytes arrive.
  /// Returns the bytes the file holds at the end.
  std::uint64_t download(const std::string& target, const std::string& path, bool resume,
                         const std::function<void(std::uint64_t, std::uint64_t)>& progress);

 private:
  server_address server_;
  std::string token_;
};

/// Throws the cli_error an HTTP error reply stands for.
[[noreturn]] void fail_http(const http_reply& r, const std::string& what);

}  // namespace controlroom::cli
