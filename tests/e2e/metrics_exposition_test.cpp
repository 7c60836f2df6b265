// /metrics, scraped from the real server after real traffic, read by a
// strict parser of the Prometheus text format: well formed, and carrying
// the series an operator needs (issue 8).

#include <gtest/gtest.h>

#include "prometheus_text.hpp"
#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;

TEST(metrics_exposition, the_scrape_is_valid_and_complete) {
  test_server server;
  const auto ada = server.make_person("ada");
  raw_ws ws(server.port());
  ws.handshake(ada.token);
  v1::ClientEnvelope create;
  create.mutable_create_session()->set_title("Metrics");
  const auto created = ws.request(create);
  ASSERT_TRUE(created.has_session_created());
  v1::ClientEnvelope join;
  join.mutable_join_session()->set_session_id(created.session_created().session().id());
  ASSERT_TRUE(ws.request(join).has_joined());
  v1::ClientEnvelope track;
  track.mutable_submit_intent()->set_operation_id("t1");
  track.mutable_submit_intent()->mutable_intent()->mutable_add_track()->set_name("Kick");
  ASSERT_TRUE(ws.request(track).has_intent_accepted());

  const auto scrape = http_request(server.port(), "/metrics");
  ASSERT_EQ(scrape.status, 200u);
  EXPECT_EQ(scrape.content_type.rfind("text/plain; version=0.0.4", 0), 0u) << scrape.content_type;
  std::map<std::string, prometheus_family> families;
  try {
    families = parse_prometheus(scrape.body);
  } catch (const std::exception& e) {
    FAIL() << e.what() << "\n" << scrape.body;
  }
  const std::map<std::string, std::string> required = {
      {"controlroom_build_info", "gauge"},
      {"controlroom_sessions_live", "gauge"},
      {"controlroom_participants", "gauge"},
      {"controlroom_connections_open", "gauge"},
      {"controlroom_tls_buffers_kept", "gauge"},
      {"controlroom_media_packets_received_total", "counter"},
      {"controlroom_media_packets_forwarded_total", "counter"},
      {"controlroom_media_bytes_received_total", "counter"},
      {"controlroom_media_bytes_forwarded_total", "counter"},
      {"controlroom_media_dropped_total", "counter"},
      {"controlroom_commit_queue_depth", "gauge"},
      {"controlroom_db_queue_depth", "gauge"},
      {"controlroom_db_pool_busy", "gauge"},
      {"controlroom_intent_commit_seconds", "histogram"},
  };
  for (const auto& [name, type] : required) {
    ASSERT_TRUE(families.contains(name)) << name;
    EXPECT_EQ(families[name].type, type) << name;
  }
  EXPECT_EQ(families["controlroom_sessions_live"].samples.at(0).value, 1);
  EXPECT_EQ(families["controlroom_participants"].samples.at(0).value, 1);
  std::set<std::string> reasons;
  for (const auto& s : families["controlroom_media_dropped_total"].samples) {
    reasons.insert(s.labels.at("reason"));
  }
  EXPECT_TRUE(reasons.contains("oversize") && reasons.contains("unknown_sender") &&
              reasons.contains("queue_full"));
  double committed = 0;
  for (const auto& s : families["controlroom_intent_commit_seconds"].samples) {
    if (s.name == "controlroom_intent_commit_seconds_count")
      committed = s.value;
  }
  EXPECT_GE(committed, 1) << "the intent's commit latency was observed";
  EXPECT_EQ(families["controlroom_build_info"].samples.at(0).labels.count("version"), 1u);
}

TEST(metrics_exposition, the_parser_refuses_what_prometheus_would) {
  EXPECT_NO_THROW(parse_prometheus("# HELP a_total A\n# TYPE a_total counter\na_total 1\n"));
  for (const auto* bad : {
           "a_total 1\n",                               // no HELP/TYPE
           "# HELP a A\n# TYPE a counter\na 1\n",       // counter not _total
           "# HELP a A\n# TYPE a gauge\na{x=\"1} 1\n",  // unterminated
           "# HELP a A\n# TYPE a gauge\na{x=1} 1\n",    // unquoted
           "# HELP a A\n# TYPE a gauge\na one\n",       // not a number
           "# HELP a A\n# TYPE a gauge\na 1\na 2\n",    // series twice
           "# HELP a A\n# TYPE a gauge\na 1",           // no final newline
           "# HELP h H\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
           "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
           "# HELP h H\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
       }) {
    EXPECT_THROW(parse_prometheus(bad), std::runtime_error) << bad;
  }
}

}  // namespace
}  // namespace controlroom::testing
