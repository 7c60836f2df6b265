// Who may do what, over the wire: every role against every client action,
// real clients on real WebSocket connections to one in-process server and
// its PostgreSQL. The expected answers are literal tables copied from
// docs/protocol.md (§6.2 permissions, §7.3 who may publish, §8 the take and
// session APIs, §8.1 the admin API), not derived from the server's code:
// if the two disagree, this test says so.
//
// Allowed → the action is applied and acknowledged; refused → FORBIDDEN
// (HTTP 403/401) and nothing changes: at the end the session's event log
// holds every accepted operation and none of the refused ones.

#include <array>
#include <functional>
#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "permission_table.hpp"
#include "raw_clients.hpp"
#include "store/statements.hpp"
#include "store/take_file_repository.hpp"
#include "test_server.hpp"
#include "util/crypto.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using namespace authorization;  // the columns, rows and fixtures of §6.2

struct participant {
  person who;
  std::unique_ptr<raw_ws> ws;
};

// One server, one session, one connection per role for the whole suite.
class authorization_matrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The matrix is about roles: the request budget would only slow the
    // fixtures down (tests/e2e/limits_test.cpp covers it). Each connection
    // reads only its own replies, so the events for everyone pile up
    // unread: a deep send queue keeps the slow-reader cut out of the way.
    server_ = std::make_unique<test_server>([](server::config& cfg) {
      cfg.max_requests_per_second = 0;
      cfg.send_queue_limit = 1'000'000;
    });
    admin_ = server_->make_person("root", true);
    outsider_ = server_->make_person("outsider");
    director_.who = server_->make_person("dee");  // engineer and producer: builds fixtures
    const std::array<v1::Role, actor_count> roles = {v1::ROLE_ENGINEER, v1::ROLE_PRODUCER,
                                                     v1::ROLE_PRODUCER, v1::ROLE_ARTIST,
                                                     v1::ROLE_LISTENER};
    for (int a = 0; a < actor_count; ++a) {
      if (a == producer_driving) {
        continue;  // the producer's connection, under a granted transport
      }
      actors_[a].who = server_->make_person(std::string("user-") + actor_names[a]);
    }
    director_.ws = connect(director_.who);
    v1::ClientEnvelope create;
    create.mutable_create_session()->set_title("Authorization matrix");
    create.mutable_create_session()->add_creator_roles(v1::ROLE_ENGINEER);
    create.mutable_create_session()->add_creator_roles(v1::ROLE_PRODUCER);
    for (int a = 0; a < actor_count; ++a) {
      if (a == producer_driving) {
        continue;
      }
      auto* invitee = create.mutable_create_session()->add_invitees();
      invitee->set_user_id(actors_[a].who.user.id);
      invitee->add_roles(roles[a]);
    }
    const auto created = director_.ws->request(create);
    ASSERT_TRUE(created.has_session_created()) << created.DebugString();
    session_id_ = created.session_created().session().id();
    join(*director_.ws);
    for (int a = 0; a < actor_count; ++a) {
      if (a != producer_driving) {
        actors_[a].ws = connect(actors_[a].who);
        join(*actors_[a].ws);
      }
    }
  }
  static void TearDownTestSuite() {
    for (auto& a : actors_) {
      a.ws.reset();
    }
    director_.ws.reset();
    server_.reset();
  }

  static std::unique_ptr<raw_ws> connect(const person& p) {
    auto ws = std::make_unique<raw_ws>(server_->port());
    ws->handshake(p.token);
    return ws;
  }
  static void join(raw_ws& ws) {
    v1::ClientEnvelope env;
    env.mutable_join_session()->set_session_id(session_id_);
    const auto reply = ws.request(env);
    ASSERT_TRUE(reply.has_joined()) << reply.DebugString();
  }
  static participant& as(int a) { return a == producer_driving ? actors_[producer] : actors_[a]; }

  // Submits `intent` as `ws`; the reply (IntentAccepted or Error).
  static v1::ServerEnvelope submit(raw_ws& ws, const v1::Intent& intent, const std::string& op) {
    v1::ClientEnvelope env;
    env.mutable_submit_intent()->set_operation_id(op);
    *env.mutable_submit_intent()->mutable_intent() = intent;
    return ws.request(env);
  }
  // Fixtures: the director's intents must be accepted; returns the version.
  static std::uint64_t direct(const v1::Intent& intent) {
    const auto reply = submit(*director_.ws, intent, "setup-" + std::to_string(++ops_));
    if (!reply.has_intent_accepted()) {
      throw std::runtime_error("fixture refused: " + intent.DebugString() + reply.DebugString());
    }
    accepted_ops_.insert("setup-" + std::to_string(ops_));
    return reply.intent_accepted().version();
  }

  static std::unique_ptr<test_server> server_;
  static person admin_;
  static person outsider_;
  static participant director_;
  static std::array<participant, actor_count> actors_;
  static std::string session_id_;
  static std::uint64_t ops_;
  static std::set<std::string> accepted_ops_;
  static std::set<std::string> refused_ops_;
};

std::unique_ptr<test_server> authorization_matrix::server_;
person authorization_matrix::admin_;
person authorization_matrix::outsider_;
participant authorization_matrix::director_;
std::array<participant, actor_count> authorization_matrix::actors_;
std::string authorization_matrix::session_id_;
std::uint64_t authorization_matrix::ops_ = 0;
std::set<std::string> authorization_matrix::accepted_ops_;
std::set<std::string> authorization_matrix::refused_ops_;

TEST_F(authorization_matrix, every_intent_for_every_role_as_documented) {
  stage s{[](const v1::Intent& i) { return direct(i); }};
  const auto own_comment = [&s](raw_ws& ws) -> std::string {
    const auto marker = s.marker();
    const auto intent = intent_of([&](v1::Intent& i) {
      i.mutable_add_comment()->set_marker_id(marker);
      i.mutable_add_comment()->set_text("mine");
    });
    const auto op = "setup-" + std::to_string(++ops_);
    const auto reply = submit(ws, intent, op);
    if (reply.has_intent_accepted()) {
      accepted_ops_.insert(op);
      return "c" + std::to_string(reply.intent_accepted().version());
    }
    return "c" + std::to_string(direct(intent));  // the director's, for those who cannot comment
  };
  const auto start_own_talkback = [](raw_ws& ws) {
    const auto op = "setup-" + std::to_string(++ops_);
    const auto reply = submit(ws, talkback(v1::TALKBACK_TARGET_EVERYONE), op);
    if (reply.has_intent_accepted()) {
      accepted_ops_.insert(op);
    }
    return reply.has_intent_accepted();
  };
  const auto table = permission_table(director_.who.user.id, own_comment, start_own_talkback);

  const auto grant = [](bool on) {
    direct(intent_of(
        [on](v1::Intent& i) { i.mutable_grant_transport()->set_producer_may_drive(on); }));
  };
  for (const int a : {engineer, producer, artist, listener, producer_driving}) {
    if (a == producer_driving) {
      grant(true);
    }
    for (const auto& c : table) {
      SCOPED_TRACE(std::string(c.name) + " as " + actor_names[a]);
      auto& ws = *as(a).ws;
      const auto intent = c.prepare(s, ws, a);
      const auto op = "case-" + std::to_string(++ops_);
      const auto reply = submit(ws, intent, op);
      if (c.allowed[a]) {
        EXPECT_TRUE(reply.has_intent_accepted()) << reply.DebugString();
      } else {
        ASSERT_TRUE(reply.has_error()) << reply.DebugString();
        EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_FORBIDDEN) << reply.error().message();
      }
      (reply.has_intent_accepted() ? accepted_ops_ : refused_ops_).insert(op);
      if (c.after) {
        c.after(s, ws, reply.has_intent_accepted());
      }
    }
    if (a == producer_driving) {
      grant(false);
    }
  }

  // Nothing refused reached the log; everything accepted did.
  std::set<std::string> logged;
  for (std::uint64_t after = 0;;) {
    const auto page = http_request(server_->port(),
                                   "/api/v1/sessions/" + session_id_ +
                                       "/events?after=" + std::to_string(after) + "&limit=1000",
                                   "GET", director_.who.token);
    ASSERT_EQ(page.status, 200u) << page.body;
    const auto events = boost::json::parse(page.body).as_object().at("events").as_array();
    if (events.empty()) {
      break;
    }
    for (const auto& e : events) {
      logged.insert(std::string(e.as_object().at("operation_id").as_string()));
      after = std::stoull(std::string(e.as_object().at("version").as_string()));
    }
  }
  for (const auto& op : refused_ops_) {
    EXPECT_FALSE(logged.contains(op)) << op << " was refused but is in the log";
  }
  for (const auto& op : accepted_ops_) {
    EXPECT_TRUE(logged.contains(op)) << op << " was accepted but is not in the log";
  }
}

// §7.1 and §7.3: any participant opens the media plane; who may publish what.
TEST_F(authorization_matrix, publishing_each_stream_kind_as_documented) {
  struct publish_case {
    v1::StreamKind kind;
    row allowed;
  };
  //                                              E  P  P* A  L
  const std::vector<publish_case> table = {{v1::STREAM_KIND_PROGRAM, {Y, n, n, n, n}},
                                           {v1::STREAM_KIND_CUE, {Y, n, n, n, n}},
                                           {v1::STREAM_KIND_TALKBACK, {Y, Y, Y, Y, n}}};
  for (const int a : {engineer, producer, artist, listener}) {
    auto& ws = *as(a).ws;
    v1::ClientEnvelope open;
    open.mutable_open_media()->add_subscribe(v1::STREAM_KIND_PROGRAM);
    const auto opened = ws.request(open);
    EXPECT_TRUE(opened.has_media_opened()) << actor_names[a] << ": " << opened.DebugString();
    for (const auto& c : table) {
      SCOPED_TRACE(std::string(v1::StreamKind_Name(c.kind)) + " as " + actor_names[a]);
      v1::ClientEnvelope publish;
      publish.mutable_publish()->set_kind(c.kind);
      publish.mutable_publish()->set_channels(1);
      publish.mutable_publish()->set_frame_samples(960);
      const auto reply = ws.request(publish);
      if (c.allowed[a]) {
        ASSERT_TRUE(reply.has_published()) << reply.DebugString();
        v1::ClientEnvelope unpublish;
        unpublish.mutable_unpublish()->set_kind(c.kind);
        EXPECT_TRUE(ws.request(unpublish).has_unpublished());
      } else {
        ASSERT_TRUE(reply.has_error()) << reply.DebugString();
        EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_FORBIDDEN) << reply.error().message();
      }
    }
  }
}

// §4 JoinSession: the roles asked for must be held; non-members are refused
// unless they are admins.
TEST_F(authorization_matrix, joining_with_roles_not_held_or_as_a_non_member) {
  const auto join_as = [](const person& p, std::vector<v1::Role> roles) {
    auto ws = connect(p);
    v1::ClientEnvelope env;
    env.mutable_join_session()->set_session_id(session_id_);
    for (const auto r : roles) {
      env.mutable_join_session()->add_roles(r);
    }
    return ws->request(env);
  };
  const auto listener_as_engineer = join_as(actors_[listener].who, {v1::ROLE_ENGINEER});
  ASSERT_TRUE(listener_as_engineer.has_error());
  EXPECT_EQ(listener_as_engineer.error().code(), v1::ERROR_CODE_FORBIDDEN);
  const auto outsider = join_as(outsider_, {});
  ASSERT_TRUE(outsider.has_error());
  EXPECT_EQ(outsider.error().code(), v1::ERROR_CODE_FORBIDDEN);
  const auto artist_as_artist = join_as(actors_[artist].who, {v1::ROLE_ARTIST});
  EXPECT_TRUE(artist_as_artist.has_joined()) << artist_as_artist.DebugString();
  const auto admin = join_as(admin_, {});
  ASSERT_TRUE(admin.has_joined()) << admin.DebugString();
  ASSERT_EQ(admin.joined().self().roles_size(), 1);
  EXPECT_EQ(admin.joined().self().roles(0), v1::ROLE_ENGINEER);
}

// A finished take file of the session, straight into its table (recording
// one for real is the recording tests' business).
std::string make_take_file(const std::string& database_url, const std::string& session_id,
                           const std::string& user_id) {
  pqxx::connection conn(database_url);
  server::prepare_statements(conn);
  pqxx::work tx(conn);
  const auto id = server::random_uuid();
  server::new_take_file f{session_id, "tk1", "s1", "program", "p1", user_id, "/nonexistent/" + id};
  server::take_file_repository::create(tx, id, f);
  server::take_file_outcome done;
  done.path = f.path;
  server::take_file_repository::finish(tx, id, f, done);
  tx.commit();
  return id;
}

// §8: any member reads, only an engineer of the session (or an admin)
// deletes a take file; §8.1: who manages invites and users.
TEST_F(authorization_matrix, http_take_and_admin_calls_as_documented) {
  const auto port = server_->port();
  struct caller {
    const char* name;
    std::string token;
    unsigned state, delete_take, create_invite, list_invites, create_user;
  };
  // clang-format off
  const std::vector<caller> table = {
      //  who            token                                 state delete invite list  user
      {"engineer",  actors_[engineer].who.token,  200,  200,   201,   200,  403},
      {"producer",  actors_[producer].who.token,  200,  403,   403,   403,  403},
      {"artist",    actors_[artist].who.token,    200,  403,   403,   403,  403},
      {"listener",  actors_[listener].who.token,  200,  403,   403,   403,  403},
      {"outsider",  outsider_.token,              403,  403,   403,   403,  403},
      {"admin",     admin_.token,                 200,  200,   201,   200,  201},
      {"no token",  "",                           401,  401,   401,   401,  401},
  };
  // clang-format on
  const auto base = "/api/v1/sessions/" + session_id_;
  int n_user = 0;
  for (const auto& c : table) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(http_request(port, base + "/state", "GET", c.token).status, c.state);

    const auto take = make_take_file(server_->database_url(), session_id_, director_.who.user.id);
    const auto removed = http_request(port, "/api/v1/take-files/" + take, "DELETE", c.token);
    EXPECT_EQ(removed.status, c.delete_take) << removed.body;
    const auto after = http_request(port, "/api/v1/take-files/" + take, "GET", admin_.token);
    if (c.delete_take == 200) {
      EXPECT_EQ(after.status, 404u) << after.body;  // a deleted file is gone from the API
    } else {
      EXPECT_EQ(after.status, 200u) << after.body;
      EXPECT_NE(after.body.find("\"complete\""), std::string::npos) << after.body;
    }

    const auto invite =
        http_request(port, base + "/invites", "POST", c.token, {}, R"({"role":"listener"})");
    EXPECT_EQ(invite.status, c.create_invite) << invite.body;
    EXPECT_EQ(http_request(port, base + "/invites", "GET", c.token).status, c.list_invites);

    const auto user = http_request(port, "/api/v1/users", "POST", c.token, {},
                                   R"({"name":"made-)" + std::to_string(++n_user) + R"("})");
    EXPECT_EQ(user.status, c.create_user) << user.body;
  }
  // Refusals changed nothing: only the engineer's and the admin's invites exist.
  const auto invites = http_request(port, base + "/invites", "GET", admin_.token);
  EXPECT_EQ(boost::json::parse(invites.body).as_object().at("invites").as_array().size(), 2u)
      << invites.body;
}

}  // namespace
}  // namespace controlroom::testing
