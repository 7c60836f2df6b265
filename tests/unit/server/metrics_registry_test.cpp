#include <sstream>

#include <gtest/gtest.h>

#include "metrics/registry.hpp"

namespace controlroom::server {
namespace {

TEST(metrics_registry, renders_counters_gauges_and_callbacks_with_help_and_type) {
  metrics_registry r;
  auto& c = r.add_counter("test_events_total", "Events seen");
  auto& g = r.add_gauge("test_level", "A level", {{"room", "a\"b"}});
  r.add_gauge_callback("test_depth", "Depth", [] { return 2.5; });
  c.inc(3);
  g.set(-4);
  const auto text = r.render();
  EXPECT_NE(text.find("# HELP test_events_total Events seen\n# TYPE test_events_total counter\n"
                      "test_events_total 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("test_level{room=\"a\\\"b\"} -4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_depth 2.5\n"), std::string::npos) << text;
}

TEST(metrics_registry, series_with_labels_share_one_family_header) {
  metrics_registry r;
  r.add_counter("drops_total", "Drops", {{"reason", "a"}}).inc();
  r.add_counter("drops_total", "Drops", {{"reason", "b"}}).inc(2);
  const auto text = r.render();
  std::size_t headers = 0;
  for (auto pos = text.find("# TYPE drops_total"); pos != std::string::npos;
       pos = text.find("# TYPE drops_total", pos + 1)) {
    ++headers;
  }
  EXPECT_EQ(headers, 1u);
  EXPECT_NE(text.find("drops_total{reason=\"b\"} 2"), std::string::npos);
  EXPECT_THROW(r.add_gauge("drops_total", "x"), std::invalid_argument);
  EXPECT_THROW(r.add_gauge("bad name", "x"), std::invalid_argument);
}

TEST(metrics_registry, histogram_buckets_are_cumulative_and_end_in_inf) {
  metrics_registry r;
  auto& h = r.add_histogram("lat_seconds", "Latency", {0.01, 0.1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(0.05);
  h.observe(7);
  const auto text = r.render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.01\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.10000000000000001\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(h.sum(), 7.105);
}

// Every sample line is NAME{labels} VALUE with a declared family: a small
// strict parser of the text format, used on the server's real output too.
TEST(metrics_registry, every_sample_belongs_to_a_declared_family) {
  metrics_registry r;
  r.add_counter("a_total", "A").inc();
  r.add_histogram("b_seconds", "B", {1}).observe(0.5);
  std::istringstream in(r.render());
  std::string line;
  std::string family;
  std::string type;
  while (std::getline(in, line)) {
    if (line.starts_with("# HELP ")) {
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      words >> family >> type;
      continue;
    }
    const auto name = line.substr(0, line.find_first_of("{ "));
    if (type == "histogram") {
      EXPECT_TRUE(name == family + "_bucket" || name == family + "_sum" ||
                  name == family + "_count")
          << line;
    } else {
      EXPECT_EQ(name, family) << line;
    }
    const auto value = line.substr(line.rfind(' ') + 1);
    EXPECT_NO_THROW((void)std::stod(value)) << line;
  }
}

}  // namespace
}  // namespace controlroom::server
