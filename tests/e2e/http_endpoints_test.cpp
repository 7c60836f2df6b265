// /healthz, /readyz and /metrics on the control port.

#include <sstream>

#include <gtest/gtest.h>

#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

TEST(http_e2e, health_readiness_and_metrics_answer) {
  test_server server;
  const auto health = http_request(server.port(), "/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_NE(health.body.find("\"ok\""), std::string::npos) << health.body;

  const auto ready = http_request(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 200u) << ready.body;
  EXPECT_NE(ready.body.find("\"ready\""), std::string::npos) << ready.body;

  const auto metrics = http_request(server.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_EQ(metrics.content_type.rfind("text/plain", 0), 0u) << metrics.content_type;
  for (const char* name :
       {"controlroom_build_info", "controlroom_connections_open", "controlroom_http_requests_total",
        "controlroom_db_queue_depth", "controlroom_db_job_seconds_bucket"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  }
  // Requests so far are counted: healthz and readyz at least.
  std::istringstream lines(metrics.body);
  std::string line;
  double requests = -1;
  while (std::getline(lines, line)) {
    if (line.rfind("controlroom_http_requests_total ", 0) == 0) {
      requests = std::stod(line.substr(line.find(' ') + 1));
    }
  }
  EXPECT_GE(requests, 2.0);
}

TEST(http_e2e, unknown_paths_and_methods_get_json_errors) {
  test_server server;
  const auto missing = http_request(server.port(), "/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.content_type, "application/json");
  EXPECT_NE(missing.body.find("\"not_found\""), std::string::npos) << missing.body;

  const auto wrong = http_request(server.port(), "/healthz", "DELETE");
  EXPECT_EQ(wrong.status, 405u);

  const auto plain = http_request(server.port(), "/v1/control");
  EXPECT_EQ(plain.status, 426u);
}

TEST(http_e2e, readiness_reflects_an_unreachable_database) {
  test_server server([](server::config& cfg) {
    cfg.database_url = with_database(admin_database_url(), "crtest_no_such_database");
  });
  const auto ready = http_request(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 503u) << ready.body;
  EXPECT_NE(ready.body.find("unavailable"), std::string::npos) << ready.body;
  EXPECT_EQ(http_request(server.port(), "/healthz").status, 200u);
}

}  // namespace
}  // namespace controlroom::testing
