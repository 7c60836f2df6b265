// The thin slice end to end: the real server in-process on a loopback port,
// real PostgreSQL, and the real SDK as the clients.

#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "event_log.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

struct connected {
  std::unique_ptr<controlroom::client> sdk;
  std::shared_ptr<event_log<presence_event>> presence =
      std::make_shared<event_log<presence_event>>();
  std::shared_ptr<event_log<std::string>> disconnects = std::make_shared<event_log<std::string>>();
};

class session_e2e : public ::testing::Test {
 protected:
  test_server server;
  person ada = server.make_person("ada");
  person bob = server.make_person("bob");

  connected connect(const person& who) {
    connected c;
    c.sdk = std::make_unique<controlroom::client>(client_config{server.ws_url(), who.token});
    c.sdk->on_presence([log = c.presence](const presence_event& e) { log->push(e); });
    c.sdk->on_disconnected([log = c.disconnects](std::error_code ec, const std::string& reason) {
      log->push(ec.message() + ": " + reason);
    });
    const auto st = c.sdk->connect();
    EXPECT_TRUE(st) << st.message();
    return c;
  }

  session_info make_session(connected& owner) {
    session_options options;
    options.title = "Second album, day 3";
    options.creator_roles = {role::engineer};
    options.invitees = {{bob.user.id, {role::producer}}};
    auto created = owner.sdk->create_session(options);
    EXPECT_TRUE(created) << created.message();
    return created.value();
  }
};

TEST_F(session_e2e, two_clients_join_and_see_each_others_presence) {
  auto engineer = connect(ada);
  auto producer = connect(bob);
  EXPECT_EQ(engineer.sdk->me().name, "ada");
  const auto session = make_session(engineer);

  auto first = engineer.sdk->join(session.id);
  ASSERT_TRUE(first) << first.message();
  EXPECT_EQ(first.value().session.title, "Second album, day 3");
  EXPECT_EQ(first.value().participants.size(), 1u);
  EXPECT_EQ(first.value().self.roles, std::vector<role>{role::engineer});

  auto second = producer.sdk->join(session.id);
  ASSERT_TRUE(second) << second.message();
  EXPECT_EQ(second.value().participants.size(), 2u);
  EXPECT_EQ(second.value().self.who.name, "bob");
  EXPECT_EQ(second.value().self.roles, std::vector<role>{role::producer});

  const auto arrived = engineer.presence->wait_for(
      [](const presence_event& e) { return e.what == presence_event::change::joined; });
  ASSERT_TRUE(arrived) << "the engineer never heard the producer arrive";
  EXPECT_EQ(arrived->who.who.name, "bob");
  EXPECT_EQ(arrived->who.id, producer.sdk->connection_id());
  EXPECT_EQ(arrived->session_id, session.id);

  const auto left = producer.sdk->leave();
  ASSERT_TRUE(left) << left.message();
  const auto gone = engineer.presence->wait_for(
      [](const presence_event& e) { return e.what == presence_event::change::left; });
  ASSERT_TRUE(gone) << "the engineer never heard the producer leave";
  EXPECT_EQ(gone->who.who.name, "bob");
  // The one who joins is told by the Joined reply, not by an event.
  EXPECT_EQ(producer.presence->size(), 0u);
}

TEST_F(session_e2e, a_dropped_connection_is_seen_as_leaving) {
  auto engineer = connect(ada);
  const auto session = make_session(engineer);
  ASSERT_TRUE(engineer.sdk->join(session.id));
  {
    auto producer = connect(bob);
    ASSERT_TRUE(producer.sdk->join(session.id));
    ASSERT_TRUE(engineer.presence->wait_for(
        [](const presence_event& e) { return e.what == presence_event::change::joined; }));
    producer.sdk->close();
  }
  const auto gone = engineer.presence->wait_for(
      [](const presence_event& e) { return e.what == presence_event::change::left; });
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->who.who.name, "bob");
}

TEST_F(session_e2e, rejoining_after_leaving_works_and_others_see_both) {
  auto engineer = connect(ada);
  auto producer = connect(bob);
  const auto session = make_session(engineer);
  ASSERT_TRUE(engineer.sdk->join(session.id));
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(producer.sdk->join(session.id)) << round;
    ASSERT_TRUE(producer.sdk->leave()) << round;
  }
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(engineer.presence->wait_for(
        [](const presence_event& e) { return e.what == presence_event::change::joined; }));
    ASSERT_TRUE(engineer.presence->wait_for(
        [](const presence_event& e) { return e.what == presence_event::change::left; }));
  }
}

TEST_F(session_e2e, a_bad_token_gets_a_clear_error) {
  controlroom::client c(client_config{server.ws_url(), "crt_this-is-not-a-token"});
  const auto st = c.connect();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), make_error_code(errc::unauthenticated));
  EXPECT_NE(st.message().find("unknown, expired or revoked"), std::string::npos) << st.message();
}

TEST_F(session_e2e, only_members_join_and_only_with_roles_they_hold) {
  auto engineer = connect(ada);
  const auto session = make_session(engineer);
  const auto stranger_person = server.make_person("cy");
  auto stranger = connect(stranger_person);
  auto refused = stranger.sdk->join(session.id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), make_error_code(errc::forbidden));

  auto producer = connect(bob);
  auto overreach = producer.sdk->join(session.id, {role::engineer});
  ASSERT_FALSE(overreach);
  EXPECT_EQ(overreach.error(), make_error_code(errc::forbidden));
  EXPECT_NE(overreach.message().find("producer"), std::string::npos) << overreach.message();

  auto missing = producer.sdk->join("00000000-0000-0000-0000-00000000abcd");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), make_error_code(errc::not_found));

  // The connection is still usable after all those refusals.
  EXPECT_TRUE(producer.sdk->join(session.id));
}

TEST_F(session_e2e, an_admin_may_join_any_session) {
  auto engineer = connect(ada);
  const auto session = make_session(engineer);
  const auto admin_person = server.make_person("root", true);
  auto admin = connect(admin_person);
  auto joined = admin.sdk->join(session.id);
  ASSERT_TRUE(joined) << joined.message();
  EXPECT_EQ(joined.value().self.roles, std::vector<role>{role::engineer});
}

TEST_F(session_e2e, stopping_the_server_tells_clients_it_is_going_away) {
  auto engineer = connect(ada);
  server.stop();
  const auto reason = engineer.disconnects->wait_for([](const std::string&) { return true; });
  ASSERT_TRUE(reason) << "no disconnect callback";
  EXPECT_NE(reason->find("shutdown"), std::string::npos) << *reason;
}

}  // namespace
}  // namespace controlroom::testing
