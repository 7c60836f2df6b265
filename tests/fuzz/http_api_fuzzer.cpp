// The HTTP API on hostile requests: raw bytes from a TCP connection, parsed
// with Beast's request parser under the limits net/listener.cpp sets, turned
// into an http_request the way the listener does (method, target with its
// query, Authorization, body), and routed by api_router: /healthz, /readyz,
// /metrics, and /api/v1/sessions/{id}/state|events?after=N&limit=M with its
// target and query parsing and bearer check. Several pipelined requests in
// one input run in order, as on a kept-alive connection.
//
// No database: the pool has no threads and no queue, so every route that
// needs a query (/readyz, the session API past its checks) is answered at
// once with its "unavailable" response; the SQL itself is not covered. The
// listener's coroutine and its Beast response writing are not covered
// either (they need sockets); the e2e tests drive them.
//
// Checks besides the sanitizers: each request is answered exactly once and
// synchronously, with a status the API documents; a JSON response is valid
// JSON whenever the request's target was ASCII (see below); no
// response header carries a line break.
//
// Input: the bytes a client sends.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "config/config.hpp"
#include "fuzz_check.hpp"
#include "http/api_router.hpp"
#include "metrics/registry.hpp"
#include "metrics/server_metrics.hpp"
#include "store/db_pool.hpp"
#include "util/log.hpp"

namespace http = boost::beast::http;

namespace controlroom::server {
namespace {

constexpr int max_requests_per_input = 8;

bool ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

struct world {
  config cfg;
  metrics_registry registry;
  server_metrics metrics{registry};
  db_pool db{"postgresql:///unused", 0, 0, nullptr};
  api_router router{db, metrics};

  // Parses one request from the front of `bytes`; nullopt when none parses.
  // `used` is how many bytes it took.
  std::optional<http::request<http::string_body>> parse(std::string_view bytes, std::size_t& used) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(cfg.max_http_body_bytes);
    parser.header_limit(16 * 1024);
    used = 0;
    // What http::async_read does with a buffer that holds everything the
    // client will ever send: feed the rest until done, an error, or no
    // progress (the request is incomplete).
    while (!parser.is_done() && used < bytes.size()) {
      boost::beast::error_code ec;
      const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
      used += n;
      if ((ec && ec != http::error::need_more) || n == 0) {
        break;
      }
    }
    if (!parser.is_done()) {
      return std::nullopt;
    }
    return parser.release();
  }

  void route(http::request<http::string_body>& req) {
    const auto target = std::string(req.target());
    http_request api_req{std::string(req.method_string()), target,
                         std::string(req[http::field::authorization]), std::move(req.body()),
                         std::string(req[http::field::range])};
    int answers = 0;
    std::optional<http_response> response;
    router.handle(api_req, [&](http_response r) {
      ++answers;
      response = std::move(r);
    });
    FUZZ_CHECK(answers == 1);
    const auto status = response->status;
    // Whatever the input, a client error or an answer, never a server
    // error (503 is the stopped database the harness runs without).
    FUZZ_CHECK(status >= 200 && (status < 500 || status == 503));
    FUZZ_CHECK(!response->content_type.empty());
    for (const auto& [name, value] : response->headers) {
      FUZZ_CHECK(name.find_first_of("\r\n") == std::string::npos);
      FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    }
    // Error bodies quote the request's path. Beast lets bytes >= 0x80
    // through in a target; boost::json::serialize copies them as they are,
    // so a target that is not valid UTF-8 gives a body that is not valid
    // JSON (reported; see docs/testing.md). Only ASCII targets are held to
    // strict JSON here.
    if (response->content_type == "application/json" && ascii(target)) {
      boost::system::error_code ec;
      (void)boost::json::parse(response->body, ec);
      FUZZ_CHECK(!ec);
    }
  }
};

}  // namespace
}  // namespace controlroom::server

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  controlroom::server::set_log_level(controlroom::server::log_level::error);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  controlroom::server::world w;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < controlroom::server::max_requests_per_input && !rest.empty(); ++i) {
    std::size_t used = 0;
    auto req = w.parse(rest, used);
    if (!req) {
      break;
    }
    w.route(*req);
    rest.remove_prefix(used);
  }
  return 0;
}
