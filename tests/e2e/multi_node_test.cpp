// Several nodes on one PostgreSQL: a session is live on one node at a time
// (a lease), a join that reaches another node is redirected, a node killed
// with SIGKILL loses its sessions to a surviving node once its lease runs
// out, and a node stopped with SIGTERM drains within its deadline without
// losing an acknowledged intent. The nodes are real controlroomd processes
// (so that one can be killed) on one throwaway database.

#include <map>
#include <set>
#include <signal.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "child_process.hpp"
#include "raw_clients.hpp"
#include "test_database.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using namespace std::chrono_literals;

struct node {
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port) + "/v1/control"; }
};

class multi_node_e2e : public ::testing::Test {
 protected:
  test_database db;
  scratch_dir dir;

  node start_node(const std::string& id, std::int64_t lease_ms = 1500,
                  std::int64_t drain_ms = 5000) {
    node n;
    n.process = std::make_unique<child_process>(
        CONTROLROOMD_BINARY,
        std::vector<std::string>{"serve", "--database-url=" + db.url(), "--port=0",
                                 "--media-port=0", "--workers=2", "--node-id=" + id,
                                 "--lease-ms=" + std::to_string(lease_ms),
                                 "--drain-timeout-ms=" + std::to_string(drain_ms),
                                 "--recordings-dir=" + dir.path() + "/" + id, "--log-level=warn"},
        dir.path() + "/" + id + ".log");
    const auto ready = n.process->wait_for_line("controlroomd ready:", 30s);
    EXPECT_TRUE(ready) << "node " << id << " did not start";
    if (ready) {
      const auto at = ready->find("127.0.0.1:") + 10;
      n.port = static_cast<std::uint16_t>(std::stoi(ready->substr(at)));
    }
    return n;
  }

  std::string token_for(const std::string& name, bool admin) {
    // The binary's own admin-token command makes users and tokens.
    child_process p(CONTROLROOMD_BINARY,
                    {"admin-token", "--database-url=" + db.url(), "--user", name});
    auto line = p.wait_for_line("crt_", 30s);
    EXPECT_TRUE(line);
    EXPECT_EQ(p.wait(30s), 0);
    (void)admin;
    return line ? line->substr(line->find("crt_")) : std::string();
  }

  static v1::ClientEnvelope join(const std::string& session_id, std::uint64_t known = 0) {
    v1::ClientEnvelope env;
    env.mutable_join_session()->set_session_id(session_id);
    env.mutable_join_session()->set_has_replica(known > 0);
    env.mutable_join_session()->set_known_version(known);
    return env;
  }

  static v1::ClientEnvelope marker(const std::string& op, std::int64_t position) {
    v1::ClientEnvelope env;
    env.mutable_submit_intent()->set_operation_id(op);
    env.mutable_submit_intent()->mutable_intent()->mutable_add_marker()->set_position_samples(
        position);
    env.mutable_submit_intent()->mutable_intent()->mutable_add_marker()->set_label(op);
    return env;
  }

  std::string create_session(node& at, const std::string& token) {
    raw_ws ws(at.port);
    ws.handshake(token);
    v1::ClientEnvelope create;
    create.mutable_create_session()->set_title("Multi-node");
    create.mutable_create_session()->add_creator_roles(v1::ROLE_ENGINEER);
    create.mutable_create_session()->add_creator_roles(v1::ROLE_PRODUCER);
    const auto reply = ws.request(create);
    EXPECT_TRUE(reply.has_session_created()) << reply.DebugString();
    return reply.session_created().session().id();
  }

  std::set<std::string> labels_in_log(const std::string& session_id) {
    pqxx::connection conn(db.url());
    pqxx::read_transaction tx(conn);
    std::set<std::string> out;
    for (const auto& row : tx.exec_params("SELECT operation_id FROM session_events "
                                          "WHERE session_id = $1",
                                          session_id)) {
      out.insert(row[0].as<std::string>());
    }
    return out;
  }
};

TEST_F(multi_node_e2e, a_join_at_the_wrong_node_is_redirected_to_the_owner) {
  auto a = start_node("node-a");
  auto b = start_node("node-b");
  const auto token = token_for("admin", true);
  const auto session = create_session(a, token);

  raw_ws first(a.port);
  first.handshake(token);
  ASSERT_TRUE(first.request(join(session)).has_joined());

  raw_ws second(b.port);
  second.handshake(token);
  const auto moved = second.request(join(session));
  ASSERT_TRUE(moved.has_error()) << moved.DebugString();
  EXPECT_EQ(moved.error().code(), v1::ERROR_CODE_MOVED);
  EXPECT_EQ(moved.error().redirect_url(), a.url());

  raw_ws followed(a.port);
  followed.handshake(token);
  EXPECT_TRUE(followed.request(join(session)).has_joined());
}

TEST_F(multi_node_e2e, a_join_waits_out_a_draining_owner_instead_of_bouncing_to_it) {
  auto b = start_node("node-b");
  const auto token = token_for("admin", true);
  const auto session = create_session(b, token);
  // Another node holds the session and is draining: it has not released
  // the lease yet (it is flushing), and it takes no new clients.
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec0(
        "INSERT INTO nodes (node_id, url, heartbeat_at, draining) "
        "VALUES ('node-z', 'ws://127.0.0.1:9/v1/control', now(), true)");
    tx.exec_params0(
        "INSERT INTO session_leases (session_id, node_id, expires_at) "
        "VALUES ($1, 'node-z', now() + interval '1 hour')",
        session);
    tx.commit();
  }
  raw_ws ws(b.port);
  ws.handshake(token);
  const auto wait = ws.request(join(session));
  ASSERT_TRUE(wait.has_error()) << wait.DebugString();
  EXPECT_EQ(wait.error().code(), v1::ERROR_CODE_UNAVAILABLE) << "retry, not a redirect";
  EXPECT_TRUE(wait.error().redirect_url().empty());

  // The draining node lets the session go: the retried join succeeds here.
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec0("DELETE FROM session_leases WHERE node_id = 'node-z'");
    tx.commit();
  }
  EXPECT_TRUE(ws.request(join(session)).has_joined());
}

TEST_F(multi_node_e2e, a_killed_nodes_sessions_move_and_nothing_acknowledged_is_lost) {
  auto a = start_node("node-a");
  auto b = start_node("node-b");
  const auto token = token_for("admin", true);
  const auto session = create_session(a, token);

  std::uint64_t version = 0;
  std::set<std::string> acknowledged;
  {
    raw_ws ws(a.port);
    ws.handshake(token);
    ASSERT_TRUE(ws.request(join(session)).has_joined());
    for (int i = 0; i < 20; ++i) {
      const auto op = "before-" + std::to_string(i);
      const auto reply = ws.request(marker(op, i * 480));
      ASSERT_TRUE(reply.has_intent_accepted()) << reply.DebugString();
      acknowledged.insert(op);
      version = reply.intent_accepted().version();
    }
    a.process->signal(SIGKILL);
    EXPECT_EQ(a.process->wait(10s), 128 + SIGKILL);
  }

  // The client resumes at the surviving node: redirected to the dead one
  // while its lease lasts, then taken over.
  raw_ws ws(b.port);
  ws.handshake(token);
  v1::Joined joined;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    const auto reply = ws.request(join(session, version));
    if (reply.has_joined()) {
      joined = reply.joined();
      break;
    }
    ASSERT_EQ(reply.error().code(), v1::ERROR_CODE_MOVED) << reply.DebugString();
    EXPECT_EQ(reply.error().redirect_url(), a.url()) << "the lease still names the dead node";
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the lease never expired";
    std::this_thread::sleep_for(100ms);  // a client's back-off between attempts
  }
  EXPECT_EQ(joined.version(), version) << "every acknowledged event is there";
  EXPECT_TRUE(joined.missed_events().empty());
  const auto more = ws.request(marker("after-kill", 99));
  ASSERT_TRUE(more.has_intent_accepted()) << more.DebugString();
  EXPECT_EQ(more.intent_accepted().version(), version + 1);
  const auto log = labels_in_log(session);
  for (const auto& op : acknowledged) {
    EXPECT_TRUE(log.contains(op)) << op;
  }
}

TEST_F(multi_node_e2e, sigterm_drains_within_its_deadline_and_loses_nothing_acknowledged) {
  auto a = start_node("node-a", 1500, 4000);
  auto b = start_node("node-b");
  const auto token = token_for("admin", true);
  const auto session = create_session(a, token);
  raw_ws ws(a.port);
  ws.handshake(token);
  ASSERT_TRUE(ws.request(join(session)).has_joined());

  // Keep intents in flight, then SIGTERM in the middle of them.
  std::map<std::uint64_t, std::string> in_flight;
  for (std::uint64_t id = 1; id <= 200; ++id) {
    auto env = marker("load-" + std::to_string(id), static_cast<std::int64_t>(id));
    env.set_request_id(id);
    ws.send(env);
    in_flight[id] = "load-" + std::to_string(id);
  }
  const auto signalled = std::chrono::steady_clock::now();
  a.process->signal(SIGTERM);
  std::set<std::string> acknowledged;
  std::string reconnect_url;
  for (;;) {
    const auto message = ws.receive();
    if (!message) {
      break;  // closed by the server
    }
    if (message->has_intent_accepted()) {
      acknowledged.insert(in_flight.at(message->request_id()));
    } else if (message->has_go_away()) {
      reconnect_url = message->go_away().reconnect_url();
    }
  }
  EXPECT_EQ(ws.close_code(), 1001) << "going away";
  EXPECT_EQ(reconnect_url, b.url()) << "clients are sent to the other node";
  EXPECT_EQ(a.process->wait(10s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 4s + 1s) << "drained in time";

  const auto log = labels_in_log(session);
  for (const auto& op : acknowledged) {
    EXPECT_TRUE(log.contains(op)) << op << " was acknowledged but is not in the log";
  }
  // The lease was given up: the other node takes the session at once.
  raw_ws moved(b.port);
  moved.handshake(token);
  EXPECT_TRUE(moved.request(join(session)).has_joined());
}

}  // namespace
}  // namespace controlroom::testing
