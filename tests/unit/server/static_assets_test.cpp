// The console's files as controlroomd serves them: redirects, types, the
// caching rule (versioned URLs immutable, everything else revalidated) and
// the headers that keep the page's credentials and scripts to itself.

#include "http/static_assets.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

std::string header(const http_response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

http_response get(std::string target, std::string method = "GET") {
  return serve_console({std::move(method), std::move(target), {}, {}, {}});
}

TEST(static_assets, console_paths_are_recognised) {
  EXPECT_TRUE(is_console_path("/"));
  EXPECT_TRUE(is_console_path("/console"));
  EXPECT_TRUE(is_console_path("/console/"));
  EXPECT_TRUE(is_console_path("/console/app.js"));
  EXPECT_FALSE(is_console_path("/consoles"));
  EXPECT_FALSE(is_console_path("/healthz"));
  EXPECT_FALSE(is_console_path("/api/v1/sessions"));
}

TEST(static_assets, root_and_bare_console_redirect) {
  for (const auto* target : {"/", "/console"}) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 302u) << target;
    EXPECT_EQ(header(r, "Location"), "/console/") << target;
  }
}

TEST(static_assets, only_get_and_head) {
  const auto r = get("/console/", "POST");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
}

TEST(static_assets, index_is_revalidated_modules_are_immutable_when_versioned) {
  if (!console_built()) {
    // A build without web/node_modules: the console says it is missing.
    EXPECT_EQ(get("/console/").status, 503u);
    EXPECT_TRUE(console_assets().empty());
    return;
  }
  const auto index = get("/console/");
  ASSERT_EQ(index.status, 200u);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_NE(header(index, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(header(index, "Referrer-Policy"), "no-referrer");
  // Every module the page loads carries the build's version.
  const std::string version(console_version());
  EXPECT_EQ(version.size(), 16u);
  EXPECT_NE(index.body.find("app.js?v=" + version), std::string::npos);
  EXPECT_EQ(index.body.find("@CONSOLE_VERSION@"), std::string::npos);

  const auto app = get("/console/app.js?v=" + version);
  ASSERT_EQ(app.status, 200u);
  EXPECT_EQ(app.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(app, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(app, "X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(header(app, "ETag").empty());
  EXPECT_EQ(header(get("/console/app.js?v=stale"), "Cache-Control"), "no-cache");
  EXPECT_EQ(header(get("/console/app.js"), "Cache-Control"), "no-cache");

  const auto proto = get("/console/proto/controlroom/v1/state.proto");
  ASSERT_EQ(proto.status, 200u);
  EXPECT_EQ(proto.content_type, "text/plain; charset=utf-8");
  EXPECT_NE(proto.body.find("message SessionState"), std::string::npos);
  EXPECT_EQ(get("/console/vendor/protobuf.min.js").status, 200u);
}

TEST(static_assets, unknown_files_are_404) {
  EXPECT_EQ(get("/console/nope.js").status, console_built() ? 404u : 503u);
  EXPECT_EQ(get("/console/../server/main.cpp").status, console_built() ? 404u : 503u);
}

}  // namespace
}  // namespace controlroom::server
