// The real controlroomd's log, as an operator reads it: every line one event
// with the session and connection ids of what it is about, levels per
// subsystem from the configuration, logfmt or JSON lines. The server runs as
// a child process with stderr in a file; each line the tests look for is
// written before the reply that the client waits for, and the file is read
// after the process has exited, so nothing needs to sleep.

#include <fstream>
#include <functional>
#include <signal.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "logfmt.hpp"
#include "raw_clients.hpp"
#include "test_database.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using namespace std::chrono_literals;
using fields = std::map<std::string, std::string>;

class logging_e2e : public ::testing::Test {
 protected:
  test_database db;
  scratch_dir dir;
  std::string session_id;
  std::string conn_id;

  // Serves with `options`, authenticates, creates a session and joins it,
  // runs `then` on the connection; then stops the server and returns its
  // stderr, line by line.
  std::vector<std::string> serve_one_session(const std::vector<std::string>& options,
                                             const std::function<void(raw_ws&)>& then = {}) {
    const auto log_path = dir.path() + "/controlroomd.log";
    std::vector<std::string> args{"serve",       "--database-url=" + db.url(),
                                  "--port=0",    "--media-port=0",
                                  "--workers=1", "--recordings-dir=" + dir.path() + "/rec"};
    args.insert(args.end(), options.begin(), options.end());
    child_process server(CONTROLROOMD_BINARY, args, log_path);
    const auto ready = server.wait_for_line("controlroomd ready:", 30s);
    EXPECT_TRUE(ready) << "did not start";
    if (!ready) {
      return {};
    }
    const auto port =
        static_cast<std::uint16_t>(std::stoi(ready->substr(ready->find("127.0.0.1:") + 10)));
    {
      raw_ws ws(port);
      ws.handshake(admin_token());
      v1::ClientEnvelope create;
      create.mutable_create_session()->set_title("Logged");
      create.mutable_create_session()->add_creator_roles(v1::ROLE_ENGINEER);
      const auto created = ws.request(create);
      EXPECT_TRUE(created.has_session_created()) << created.DebugString();
      session_id = created.session_created().session().id();
      v1::ClientEnvelope join;
      join.mutable_join_session()->set_session_id(session_id);
      const auto joined = ws.request(join);
      EXPECT_TRUE(joined.has_joined()) << joined.DebugString();
      conn_id = joined.joined().self().participant_id();
      if (then) {
        then(ws);
      }
    }
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(30s), 0);
    std::ifstream in(log_path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      // The configuration block printed before the server starts is not a log line.
      if (line.starts_with("controlroomd ") || line.starts_with("  ")) {
        continue;
      }
      lines.push_back(line);
    }
    EXPECT_FALSE(session_id.empty());
    EXPECT_FALSE(conn_id.empty());
    return lines;
  }

  // `e` is about the session and connection serve_one_session made.
  void expect_ids_of_the_session(const fields& e) const {
    EXPECT_EQ(e.at("session"), session_id) << e.at("msg");
    EXPECT_EQ(e.at("conn"), conn_id) << e.at("msg");
  }

  std::string admin_token() {
    child_process p(CONTROLROOMD_BINARY,
                    {"admin-token", "--database-url=" + db.url(), "--user", "admin"});
    auto line = p.wait_for_line("crt_", 30s);
    EXPECT_TRUE(line);
    EXPECT_EQ(p.wait(30s), 0);
    return line ? line->substr(line->find("crt_")) : std::string();
  }
};

const fields* find(const std::vector<fields>& events, const std::string& logger,
                   const std::string& msg_prefix) {
  for (const auto& e : events) {
    if (e.at("logger") == logger && e.at("msg").starts_with(msg_prefix)) {
      return &e;
    }
  }
  return nullptr;
}

TEST_F(logging_e2e, lines_carry_the_ids_and_each_subsystem_logs_at_its_configured_level) {
  const auto lines =
      serve_one_session({"--log-level=warn", "--log-levels=session=info,control=debug"});
  std::vector<fields> events;
  for (const auto& line : lines) {
    ASSERT_NO_THROW(events.push_back(parse_logfmt(line))) << line;
    const auto& e = events.back();
    for (const auto* key : {"ts", "level", "logger", "session", "conn", "msg"}) {
      EXPECT_TRUE(e.contains(key)) << key << " missing: " << line;
    }
    ASSERT_EQ(e.size(), 6u) << line;
    // The global level is warn; only the two overridden loggers say more.
    if (e.at("level") == "debug") {
      EXPECT_EQ(e.at("logger"), "control") << line;
    } else if (e.at("level") == "info") {
      EXPECT_TRUE(e.at("logger") == "control" || e.at("logger") == "session") << line;
    }
  }

  const auto* hello = find(events, "control", "hello from ");
  ASSERT_TRUE(hello) << "control=debug lets the handshake's debug line through";
  EXPECT_EQ(hello->at("conn"), conn_id);
  EXPECT_EQ(hello->at("session"), "-") << "not in a session yet";

  const auto* created = find(events, "session", "created session ");
  ASSERT_TRUE(created);
  expect_ids_of_the_session(*created);

  const auto* joins = find(events, "session", "joins as ");
  ASSERT_TRUE(joins);
  EXPECT_EQ(joins->at("level"), "info");
  expect_ids_of_the_session(*joins);

  EXPECT_FALSE(find(events, "app", "listening on ")) << "app logs at warn";
  EXPECT_FALSE(find(events, "net", "open")) << "net logs at warn";
}

TEST_F(logging_e2e, the_default_level_and_json_lines_come_from_the_configuration) {
  const auto lines = serve_one_session({"--log-format=json"});
  std::vector<fields> events;
  for (const auto& line : lines) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    const auto& object = value.as_object();
    ASSERT_EQ(object.size(), 6u) << line;
    fields e;
    for (const auto& [key, v] : object) {
      e[std::string(key)] = v.is_null() ? "-" : std::string(v.as_string());
    }
    EXPECT_NE(e.at("level"), "debug") << "the default level is info: " << line;
    events.push_back(std::move(e));
  }

  const auto* listening = find(events, "app", "listening on ");
  ASSERT_TRUE(listening) << "info lines are written by default";
  EXPECT_EQ(listening->at("session"), "-");
  EXPECT_EQ(listening->at("conn"), "-");

  const auto* joins = find(events, "session", "joins as ");
  ASSERT_TRUE(joins);
  expect_ids_of_the_session(*joins);

  const auto* authenticated = find(events, "control", "authenticated as ");
  ASSERT_TRUE(authenticated);
  EXPECT_EQ(authenticated->at("conn"), conn_id);
  EXPECT_FALSE(find(events, "control", "hello from ")) << "a debug line";
  EXPECT_TRUE(find(events, "app", "stopped after ")) << "the last line, at SIGTERM";
}

TEST_F(logging_e2e, a_client_closed_for_flooding_is_named_in_one_warning) {
  // The handshake, create and join take 4 of the 10 tokens; the flood
  // spends the rest, then is refused 3 times in a row and closed.
  const auto lines = serve_one_session(
      {"--max-requests-per-second=1", "--request-burst=10", "--rate-limit-close-after=3"},
      [](raw_ws& ws) {
        v1::ClientEnvelope ping;
        ping.mutable_ping();
        int refused = 0;
        for (int i = 0; i < 20; ++i) {
          ping.set_request_id(1000 + i);
          ws.send(ping);
        }
        while (auto reply = ws.receive()) {
          refused += reply->has_error() && reply->error().code() == v1::ERROR_CODE_RATE_LIMITED;
        }
        EXPECT_EQ(refused, 3);
        EXPECT_EQ(ws.close_code(), 1008);
      });
  std::vector<fields> warnings;  // the control plane's (the media plane may warn of its buffers)
  for (const auto& line : lines) {
    auto e = parse_logfmt(line);
    if (e.at("level") == "warn" && e.at("logger") == "control") {
      warnings.push_back(std::move(e));
    }
  }
  ASSERT_EQ(warnings.size(), 1u) << "the refusals themselves are not logged";
  const auto& w = warnings.front();
  expect_ids_of_the_session(w);
  EXPECT_EQ(w.at("msg"),
            "closing: 3 requests in a row over the rate limit (max_requests_per_second 1, "
            "request_burst 10)");
}

}  // namespace
}  // namespace controlroom::testing
