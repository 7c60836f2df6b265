// The session log under stress: dropped database connections, snapshots,
// and group commit batching many intents into few transactions.

#include <chrono>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;

v1::ClientEnvelope add_marker(const std::string& op, std::int64_t position) {
  v1::ClientEnvelope env;
  env.mutable_submit_intent()->set_operation_id(op);
  env.mutable_submit_intent()->mutable_intent()->mutable_add_marker()->set_position_samples(
      position);
  return env;
}

double metric(std::uint16_t port, const std::string& name) {
  std::istringstream lines(http_request(port, "/metrics").body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return -1;
}

class resilience_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) { cfg.snapshot_every = 5; }};
  person producer = server.make_person("bob", true);

  std::string new_session(raw_ws& ws) {
    v1::ClientEnvelope create;
    create.mutable_create_session()->set_title("Resilience");
    create.mutable_create_session()->add_creator_roles(v1::ROLE_PRODUCER);
    const auto created = ws.request(create);
    EXPECT_TRUE(created.has_session_created()) << created.DebugString();
    return created.session_created().session().id();
  }

  std::unique_ptr<raw_ws> join(const std::string& session_id) {
    auto ws = std::make_unique<raw_ws>(server.port());
    ws->handshake(producer.token);
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(session_id);
    const auto joined = ws->request(join);
    EXPECT_TRUE(joined.has_joined()) << joined.DebugString();
    return ws;
  }

  std::int64_t query_int(const std::string& sql) {
    pqxx::connection conn(server.database_url());
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql)[0].as<std::int64_t>();
  }

  /// Checks `condition` every 2 ms until it holds (true) or 20 s pass.
  template <class Condition>
  static bool until(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
};

TEST_F(resilience_e2e, dropped_database_connections_lose_nothing_and_retries_apply_once) {
  raw_ws setup(server.port());
  setup.handshake(producer.token);
  const auto session_id = new_session(setup);
  auto ws = join(session_id);
  ASSERT_TRUE(ws->request(add_marker("before", 1)).has_intent_accepted());

  {  // What a database restart does to the server's connections.
    pqxx::connection admin(admin_database_url());
    pqxx::nontransaction tx(admin);
    tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " +
            tx.quote(with_database_name(server.database_url())));
  }

  // The client retries with the same operation id until the server has
  // recovered; each reply is an answer, not a guess.
  v1::ServerEnvelope reply;
  int unavailable = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    reply = ws->request(add_marker("after", 2));
    if (reply.has_error()) {
      ASSERT_EQ(reply.error().code(), v1::ERROR_CODE_UNAVAILABLE) << reply.DebugString();
      ++unavailable;
    }
  } while (!reply.has_intent_accepted() && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(reply.has_intent_accepted()) << "never recovered after " << unavailable << " tries";
  EXPECT_EQ(reply.intent_accepted().version(), 2u);
  EXPECT_EQ(query_int("SELECT count(*) FROM session_events"), 2);
  EXPECT_EQ(http_request(server.port(), "/readyz").status, 200u);
  EXPECT_TRUE(ws->request(add_marker("later", 3)).has_intent_accepted());
}

TEST_F(resilience_e2e, a_refused_commit_is_recovered_from_and_the_retry_applies_once) {
  raw_ws setup(server.port());
  setup.handshake(producer.token);
  const auto session_id = new_session(setup);
  auto ws = join(session_id);
  ASSERT_TRUE(ws->request(add_marker("first", 1)).has_intent_accepted());
  auto exec = [&](const std::string& sql) {
    pqxx::connection conn(server.database_url());
    pqxx::work tx(conn);
    tx.exec0(sql);
    tx.commit();
  };
  // The database refuses the next commit outright: the session must not
  // keep a version the log does not have.
  exec("ALTER TABLE session_events ADD CONSTRAINT refuse_all CHECK (version < 2)");
  const auto refused = ws->request(add_marker("second", 2));
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_UNAVAILABLE);
  exec("ALTER TABLE session_events DROP CONSTRAINT refuse_all");

  v1::ServerEnvelope reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    reply = ws->request(add_marker("second", 2));
  } while (reply.has_error() && reply.error().code() == v1::ERROR_CODE_UNAVAILABLE &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(reply.has_intent_accepted()) << reply.DebugString();
  EXPECT_EQ(reply.intent_accepted().version(), 2u);  // no gap where the refused one was
  EXPECT_EQ(query_int("SELECT count(*) FROM session_events"), 2);
  EXPECT_GE(metric(server.port(), "controlroom_commit_failures_total"), 1.0);
}

TEST_F(resilience_e2e, snapshots_are_written_periodically_and_loading_starts_from_them) {
  raw_ws setup(server.port());
  setup.handshake(producer.token);
  const auto session_id = new_session(setup);
  {
    auto ws = join(session_id);
    for (int i = 0; i < 12; ++i) {
      ASSERT_TRUE(ws->request(add_marker("m" + std::to_string(i), i)).has_intent_accepted());
    }
  }
  // Snapshots are written off the hot path; wait for them on the database.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::int64_t snapshots = 0;
  while (snapshots < 3 && std::chrono::steady_clock::now() < deadline) {
    snapshots = query_int("SELECT count(*) FROM session_snapshots");
  }
  ASSERT_EQ(snapshots, 3) << "expected versions 0, 5 and 10";
  EXPECT_EQ(query_int("SELECT max(version) FROM session_snapshots"), 10);

  // Prove the load uses the snapshot: drop the events it covers. A load that
  // replayed the whole log would now miss markers.
  {
    pqxx::connection conn(server.database_url());
    pqxx::work tx(conn);
    tx.exec0("DELETE FROM session_events WHERE version <= 10");
    tx.commit();
  }
  server.restart();
  auto ws = join(session_id);
  const auto state = http_request(server.port(), "/api/v1/sessions/" + session_id + "/state", "GET",
                                  producer.token);
  ASSERT_EQ(state.status, 200u) << state.body;
  EXPECT_NE(state.body.find("\"version\":\"12\""), std::string::npos) << state.body;
  EXPECT_NE(state.body.find("\"m11\""), std::string::npos) << state.body;
}

TEST_F(resilience_e2e, group_commit_puts_many_intents_in_one_transaction) {
  raw_ws setup(server.port());
  setup.handshake(producer.token);
  std::vector<std::unique_ptr<raw_ws>> clients;
  for (int s = 0; s < 4; ++s) {
    clients.push_back(join(new_session(setup)));
  }
  const auto batches_before = metric(server.port(), "controlroom_commit_batches_total");
  constexpr int per_client = 100;
  auto submit = [&](raw_ws& c, int i) {
    auto env = add_marker("g" + std::to_string(i), i);
    env.set_request_id(1000 + static_cast<std::uint64_t>(i));
    c.send(env);
  };

  // The test holds the log's table, so the first intent's commit waits for
  // it with that intent alone, and every later one queues behind it.
  pqxx::connection holder(server.database_url());
  pqxx::work hold(holder);
  hold.exec0("LOCK TABLE session_events IN EXCLUSIVE MODE");
  submit(*clients[0], 0);
  ASSERT_TRUE(until([&] {
    return query_int(
               "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
               "AND datname = current_database()") == 1;
  })) << "the first commit never waited for the table";
  // Pipelined: every other intent is on the wire before any answer is read.
  for (auto& c : clients) {
    for (int i = c == clients.front() ? 1 : 0; i < per_client; ++i) {
      submit(*c, i);
    }
  }
  ASSERT_TRUE(until([&] {
    return metric(server.port(), "controlroom_commit_queue_depth") == 4 * per_client - 1;
  })) << "the intents never all queued";
  hold.abort();  // lets the first commit through

  for (auto& c : clients) {
    int accepted = 0;
    while (accepted < per_client) {
      const auto message = c->receive();
      ASSERT_TRUE(message);
      if (message->request_id() != 0) {
        ASSERT_TRUE(message->has_intent_accepted()) << message->DebugString();
        ++accepted;
      }
    }
  }
  EXPECT_EQ(metric(server.port(), "controlroom_intents_accepted_total"), 4.0 * per_client);
  EXPECT_EQ(metric(server.port(), "controlroom_commit_batches_total") - batches_before, 2.0)
      << "the first intent alone, then the other 399 in one transaction";
  EXPECT_EQ(query_int("SELECT count(*) FROM session_events"), 4 * per_client);
}

}  // namespace
}  // namespace controlroom::testing
