// Invites against the real server: a code joins its holder to the session
// in the invite's role, once per use; expired, used-up and revoked invites
// are refused and change nothing; concurrent redeemers of the last use race
// and exactly one wins.

#include <latch>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "admin_api_support.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using boost::json::object;

struct studio_fixture {
  test_server server;
  person admin = server.make_person("root", true);
  person eddie = server.make_person("eddie");  // the session's engineer
  person pia = server.make_person("pia");      // its producer
  std::string session_id;

  studio_fixture() {
    const auto created = api(
        server.port(), "POST", "/api/v1/sessions", admin.token,
        object{{"title", "EP day 2"},
               {"members",
                boost::json::array{
                    object{{"user_id", eddie.user.id}, {"roles", boost::json::array{"engineer"}}},
                    object{{"user_id", pia.user.id}, {"roles", boost::json::array{"producer"}}}}}});
    EXPECT_EQ(created.status, 201u) << created.body;
    session_id = str(created.json, "id");
  }

  api_reply invite(const std::string& token, const object& body) {
    return api(server.port(), "POST", "/api/v1/sessions/" + session_id + "/invites", token, body);
  }
  api_reply redeem(const object& body, const std::string& bearer = {}) {
    return api(server.port(), "POST", "/api/v1/invites/redeem", bearer, body);
  }
  // What a refused redemption must leave as it was.
  std::string footprint() {
    const auto& url = server.database_url();
    return std::to_string(count(url, "SELECT count(*) FROM users")) + "/" +
           std::to_string(count(url, "SELECT count(*) FROM api_tokens")) + "/" +
           std::to_string(count(url, "SELECT count(*) FROM session_members")) + "/" +
           std::to_string(count(url, "SELECT COALESCE(sum(uses), 0) FROM invites"));
  }
};

v1::ServerEnvelope join_as(raw_ws& ws, const std::string& session_id, v1::Role role) {
  v1::ClientEnvelope join;
  join.mutable_join_session()->set_session_id(session_id);
  join.mutable_join_session()->add_roles(role);
  return ws.request(join);
}

TEST(invite_api_e2e, a_guest_redeems_a_link_and_joins_in_the_invites_role) {
  studio_fixture f;
  const auto created =
      f.invite(f.eddie.token, object{{"role", "producer"}, {"max_uses", 2}, {"label", "Sam"}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto code = str(created.json, "code");
  EXPECT_EQ(code.rfind("cri_", 0), 0u);
  EXPECT_EQ(code.size(), 4u + 43u);
  EXPECT_EQ(str(created.json, "console_path"), "/console/#invite=" + code);

  // Listed without the code, which is stored only as a hash.
  const auto listed =
      api(f.server.port(), "GET", "/api/v1/sessions/" + f.session_id + "/invites", f.eddie.token);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  EXPECT_EQ(listed.json.at("invites").as_array().size(), 1u);
  EXPECT_EQ(listed.body.find(code), std::string::npos);
  EXPECT_EQ(count(f.server.database_url(),
                  "SELECT count(*) FROM invites WHERE code_sha256 LIKE '%" + code + "%'"),
            0);

  const auto sam = f.redeem(object{{"code", code}, {"name", "sam"}});
  ASSERT_EQ(sam.status, 200u) << sam.body;
  EXPECT_EQ(str(sam.json, "session_id"), f.session_id);
  EXPECT_EQ(str(sam.json, "role"), "producer");
  EXPECT_EQ(str(sam.json.at("user"), "name"), "sam");

  raw_ws ws(f.server.port());
  EXPECT_EQ(ws.handshake(str(sam.json, "token")), "sam");
  const auto as_engineer = join_as(ws, f.session_id, v1::ROLE_ENGINEER);
  ASSERT_TRUE(as_engineer.has_error()) << as_engineer.DebugString();
  EXPECT_EQ(as_engineer.error().code(), v1::ERROR_CODE_FORBIDDEN);
  const auto joined = join_as(ws, f.session_id, v1::ROLE_PRODUCER);
  ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
  EXPECT_EQ(joined.joined().self().roles(0), v1::ROLE_PRODUCER);

  // The second use makes an unnamed guest; the third finds the invite used up.
  const auto second = f.redeem(object{{"code", code}});
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(str(second.json.at("user"), "name").rfind("guest-", 0), 0u);
  const auto before = f.footprint();
  const auto third = f.redeem(object{{"code", code}, {"name", "late"}});
  EXPECT_EQ(third.status, 410u) << third.body;
  EXPECT_EQ(error_code(third), "gone");
  EXPECT_NE(third.body.find("used"), std::string::npos) << third.body;
  EXPECT_EQ(f.footprint(), before);
}

TEST(invite_api_e2e, a_signed_in_user_redeems_for_themselves) {
  studio_fixture f;
  const auto olly = f.server.make_person("olly");
  const auto created = f.invite(f.admin.token, object{{"role", "listener"}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto r = f.redeem(object{{"code", str(created.json, "code")}}, olly.token);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.json.at("token").is_null());
  EXPECT_EQ(str(r.json.at("user"), "id"), olly.user.id);
  raw_ws ws(f.server.port());
  ws.handshake(olly.token);
  EXPECT_TRUE(join_as(ws, f.session_id, v1::ROLE_LISTENER).has_joined());
  // A bad bearer is refused, never silently turned into a new guest.
  const auto again = f.invite(f.admin.token, object{{"role", "listener"}});
  const auto before = f.footprint();
  EXPECT_EQ(f.redeem(object{{"code", str(again.json, "code")}}, "crt_bogus").status, 401u);
  EXPECT_EQ(f.footprint(), before);
}

TEST(invite_api_e2e, expired_revoked_and_unknown_invites_are_refused_and_change_nothing) {
  studio_fixture f;
  const auto expiring = f.invite(f.eddie.token, object{{"role", "artist"}});
  const auto revoked = f.invite(f.eddie.token, object{{"role", "artist"}});
  ASSERT_EQ(expiring.status, 201u);
  ASSERT_EQ(revoked.status, 201u);
  sql(f.server.database_url(),
      "UPDATE invites SET expires_at = now() - interval '1 second' "
      "WHERE id = '" +
          str(expiring.json, "id") + "'");
  const auto revoke =
      api(f.server.port(), "DELETE", "/api/v1/invites/" + str(revoked.json, "id"), f.eddie.token);
  ASSERT_EQ(revoke.status, 200u) << revoke.body;

  const auto before = f.footprint();
  const auto expired = f.redeem(object{{"code", str(expiring.json, "code")}});
  EXPECT_EQ(expired.status, 410u) << expired.body;
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
  const auto gone = f.redeem(object{{"code", str(revoked.json, "code")}});
  EXPECT_EQ(gone.status, 410u) << gone.body;
  EXPECT_NE(gone.body.find("revoked"), std::string::npos) << gone.body;
  EXPECT_EQ(f.redeem(object{{"code", "cri_nonsense"}}).status, 404u);
  EXPECT_EQ(f.redeem(object{}).status, 400u);
  EXPECT_EQ(f.footprint(), before);

  const auto statuses =
      api(f.server.port(), "GET", "/api/v1/sessions/" + f.session_id + "/invites", f.admin.token);
  EXPECT_EQ(str(statuses.json.at("invites").at(0), "status"), "expired");
  EXPECT_EQ(str(statuses.json.at("invites").at(1), "status"), "revoked");
}

TEST(invite_api_e2e, only_engineers_of_the_session_and_admins_manage_invites) {
  studio_fixture f;
  const auto outsider = f.server.make_person("olly");
  EXPECT_EQ(f.invite(f.pia.token, object{{"role", "artist"}}).status, 403u);
  EXPECT_EQ(f.invite(outsider.token, object{{"role", "artist"}}).status, 403u);
  EXPECT_EQ(f.invite(f.eddie.token, object{{"role", "drummer"}}).status, 400u);
  EXPECT_EQ(f.invite(f.eddie.token, object{{"role", "artist"}, {"max_uses", 0}}).status, 400u);
  EXPECT_EQ(f.invite(f.eddie.token, object{}).status, 400u);
  const auto created = f.invite(f.eddie.token, object{{"role", "artist"}});
  ASSERT_EQ(created.status, 201u);
  const auto path = "/api/v1/invites/" + str(created.json, "id");
  EXPECT_EQ(api(f.server.port(), "DELETE", path, f.pia.token).status, 403u);
  EXPECT_EQ(
      api(f.server.port(), "GET", "/api/v1/sessions/" + f.session_id + "/invites", f.pia.token)
          .status,
      403u);
  EXPECT_EQ(count(f.server.database_url(), "SELECT count(*) FROM invites WHERE revoked_at IS NULL"),
            1);
}

TEST(invite_api_e2e, concurrent_redemptions_of_a_one_use_invite_succeed_exactly_once) {
  studio_fixture f;
  const auto created = f.invite(f.eddie.token, object{{"role", "listener"}, {"max_uses", 1}});
  ASSERT_EQ(created.status, 201u);
  const auto code = str(created.json, "code");
  constexpr int racers = 8;
  std::vector<unsigned> statuses(racers);
  std::latch start(racers);
  std::vector<std::thread> threads;
  for (int i = 0; i < racers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();  // all requests leave together
      statuses[i] = f.redeem(object{{"code", code}}).status;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200u), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 410u), racers - 1);
  const auto& url = f.server.database_url();
  EXPECT_EQ(count(url, "SELECT uses FROM invites"), 1);
  EXPECT_EQ(count(url, "SELECT count(*) FROM users WHERE guest"), 1);
  EXPECT_EQ(count(url, "SELECT count(*) FROM session_members WHERE roles = '{listener}'"), 1);
}

}  // namespace
}  // namespace controlroom::testing
