// The admin HTTP API against the real server: only admins manage users,
// studios and sessions; tokens issued over HTTP work on the control plane
// until revoked or expired; users manage their own tokens and no one else's.

#include <gtest/gtest.h>

#include "admin_api_support.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using boost::json::object;

TEST(admin_api_e2e, only_admins_manage_users_studios_and_sessions) {
  test_server server;
  const auto admin = server.make_person("root", true);
  const auto pia = server.make_person("pia");
  const auto eddie = server.make_person("eddie");
  const auto port = server.port();
  const std::string eddie_path = "/api/v1/users/" + eddie.user.id;

  struct attempt {
    const char* method;
    std::string target;
    boost::json::value body;
  };
  const attempt attempts[] = {
      {"POST", "/api/v1/users", object{{"name", "mallory"}}},
      {"GET", "/api/v1/users", nullptr},
      {"GET", eddie_path, nullptr},
      {"DELETE", eddie_path, nullptr},
      {"POST", eddie_path + "/disable", nullptr},
      {"POST", eddie_path + "/tokens", object{}},
      {"GET", eddie_path + "/tokens", nullptr},
      {"POST", "/api/v1/studios", object{{"name", "Pia's"}}},
      {"POST", "/api/v1/sessions", object{{"title", "mine"}}},
  };
  for (const auto& a : attempts) {
    SCOPED_TRACE(std::string(a.method) + " " + a.target);
    EXPECT_EQ(api(port, a.method, a.target, {}, a.body).status, 401u);
    EXPECT_EQ(api(port, a.method, a.target, "crt_not_a_token", a.body).status, 401u);
    const auto refused = api(port, a.method, a.target, pia.token, a.body);
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_EQ(error_code(refused), "forbidden");
  }
  // Nothing the refusals asked for happened.
  EXPECT_EQ(count(server.database_url(), "SELECT count(*) FROM users WHERE name = 'mallory'"), 0);
  EXPECT_EQ(count(server.database_url(), "SELECT count(*) FROM studios"), 1);
  EXPECT_EQ(count(server.database_url(), "SELECT count(*) FROM sessions"), 0);
  EXPECT_EQ(count(server.database_url(),
                  "SELECT count(*) FROM api_tokens WHERE user_id = '" + eddie.user.id + "'"),
            1);

  // The admin may do all of it.
  const auto created = api(port, "POST", "/api/v1/users", admin.token, object{{"name", "mallory"}});
  EXPECT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(api(port, "GET", "/api/v1/users", admin.token).json.at("users").as_array().size(), 4u);
  EXPECT_EQ(api(port, "GET", eddie_path, admin.token).status, 200u);
}

TEST(admin_api_e2e, users_studios_and_sessions_are_created_listed_and_refused_clearly) {
  test_server server;
  const auto admin = server.make_person("root", true);
  const auto port = server.port();

  auto artist = api(port, "POST", "/api/v1/users", admin.token, object{{"name", "ari"}});
  ASSERT_EQ(artist.status, 201u) << artist.body;
  EXPECT_EQ(artist.json.at("admin"), false);
  EXPECT_EQ(api(port, "POST", "/api/v1/users", admin.token, object{{"name", "ari"}}).status, 409u);
  EXPECT_EQ(api(port, "POST", "/api/v1/users", admin.token, object{{"name", ""}}).status, 400u);
  const auto typo =
      api(port, "POST", "/api/v1/users", admin.token, object{{"name", "x"}, {"admn", true}});
  EXPECT_EQ(typo.status, 400u);
  EXPECT_NE(typo.body.find("admn"), std::string::npos) << typo.body;
  EXPECT_EQ(http_request(port, "/api/v1/users", "POST", admin.token, {}, "[1,").status, 400u);
  EXPECT_EQ(api(port, "PUT", "/api/v1/users", admin.token).status, 405u);
  EXPECT_EQ(api(port, "GET", "/api/v1/users/not-a-uuid", admin.token).status, 404u);
  EXPECT_EQ(
      api(port, "GET", "/api/v1/users/00000000-0000-0000-0000-00000000abcd", admin.token).status,
      404u);

  const auto studio = api(port, "POST", "/api/v1/studios", admin.token, object{{"name", "B"}});
  ASSERT_EQ(studio.status, 201u) << studio.body;
  EXPECT_EQ(api(port, "POST", "/api/v1/studios", admin.token, object{{"name", "B"}}).status, 409u);
  EXPECT_EQ(api(port, "GET", "/api/v1/studios", admin.token).json.at("studios").as_array().size(),
            2u);

  const object session_body{
      {"title", "EP day 1"},
      {"studio_id", str(studio.json, "id")},
      {"scheduled_start_unix_ms", 1893553445000},
      {"members", boost::json::array{object{{"user_id", str(artist.json, "id")},
                                            {"roles", boost::json::array{"artist"}}}}}};
  const auto session = api(port, "POST", "/api/v1/sessions", admin.token, session_body);
  ASSERT_EQ(session.status, 201u) << session.body;
  EXPECT_EQ(session.json.at("scheduled_start_unix_ms").to_number<std::int64_t>(), 1893553445000);
  auto bad_role = session_body;
  bad_role["members"] = boost::json::array{
      object{{"user_id", str(artist.json, "id")}, {"roles", boost::json::array{"drummer"}}}};
  EXPECT_EQ(api(port, "POST", "/api/v1/sessions", admin.token, bad_role).status, 400u);
  auto unknown_user = session_body;
  unknown_user["members"] =
      boost::json::array{object{{"user_id", "00000000-0000-0000-0000-00000000abcd"},
                                {"roles", boost::json::array{"artist"}}}};
  EXPECT_EQ(api(port, "POST", "/api/v1/sessions", admin.token, unknown_user).status, 404u);
  EXPECT_EQ(count(server.database_url(), "SELECT count(*) FROM sessions"), 1);

  // The artist, with a token issued over HTTP, sees the session, and joins it
  // as artist: the API's session is the control plane's session.
  const auto token = api(port, "POST", "/api/v1/users/" + str(artist.json, "id") + "/tokens",
                         admin.token, object{{"label", "ari's laptop"}});
  ASSERT_EQ(token.status, 201u) << token.body;
  const auto listed = api(port, "GET", "/api/v1/sessions", str(token.json, "token"));
  ASSERT_EQ(listed.status, 200u) << listed.body;
  ASSERT_EQ(listed.json.at("sessions").as_array().size(), 1u);
  EXPECT_EQ(str(listed.json.at("sessions").at(0), "title"), "EP day 1");
  const auto outsider = server.make_person("olly");
  EXPECT_TRUE(
      api(port, "GET", "/api/v1/sessions", outsider.token).json.at("sessions").as_array().empty());

  raw_ws ws(port);
  ws.handshake(str(token.json, "token"));
  v1::ClientEnvelope join;
  join.mutable_join_session()->set_session_id(str(session.json, "id"));
  join.mutable_join_session()->add_roles(v1::ROLE_ARTIST);
  const auto joined = ws.request(join);
  ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
  EXPECT_EQ(joined.joined().snapshot().schedule().planned_start_unix_ms(), 1893553445000);

  // Disabled: the user's tokens stop working; deleted: the user is gone.
  const auto ari = "/api/v1/users/" + str(artist.json, "id");
  const auto disabled = api(port, "POST", ari + "/disable", admin.token);
  ASSERT_EQ(disabled.status, 200u) << disabled.body;
  EXPECT_EQ(disabled.json.at("disabled"), true);
  EXPECT_FALSE(authenticates(port, str(token.json, "token")));
  EXPECT_EQ(api(port, "POST", ari + "/tokens", admin.token, object{}).status, 409u);
  EXPECT_EQ(api(port, "DELETE", ari, admin.token).status, 200u);
  EXPECT_EQ(api(port, "GET", ari, admin.token).status, 404u);
  EXPECT_EQ(api(port, "DELETE", "/api/v1/users/" + admin.user.id, admin.token).status, 409u);
}

TEST(admin_api_e2e, an_issued_token_works_on_the_control_plane_until_revoked) {
  test_server server;
  const auto admin = server.make_person("root", true);
  const auto pia = server.make_person("pia");
  const auto port = server.port();

  const auto issued = api(port, "POST", "/api/v1/users/" + pia.user.id + "/tokens", admin.token,
                          object{{"label", "studio B"}, {"expires_in_seconds", 3600}});
  ASSERT_EQ(issued.status, 201u) << issued.body;
  const auto secret = str(issued.json, "token");
  EXPECT_EQ(secret.rfind("crt_", 0), 0u);
  EXPECT_EQ(secret.size(), 4u + 43u);  // 256 bits, base64url
  EXPECT_GT(issued.json.at("expires_unix_ms").to_number<std::int64_t>(), 0);
  EXPECT_TRUE(authenticates(port, secret));

  // Listed without secrets; stored only as a hash.
  const auto listed = api(port, "GET", "/api/v1/users/" + pia.user.id + "/tokens", admin.token);
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(listed.json.at("tokens").as_array().size(), 2u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  EXPECT_EQ(listed.body.find("\"token\""), std::string::npos);
  EXPECT_EQ(count(server.database_url(),
                  "SELECT count(*) FROM api_tokens WHERE token_sha256 LIKE '%" + secret + "%'"),
            0);

  const auto revoked = api(port, "DELETE", "/api/v1/tokens/" + str(issued.json, "id"), admin.token);
  ASSERT_EQ(revoked.status, 200u) << revoked.body;
  EXPECT_FALSE(authenticates(port, secret));
  EXPECT_EQ(api(port, "GET", "/api/v1/sessions", secret).status, 401u);
  EXPECT_TRUE(authenticates(port, pia.token));  // her other token is untouched
}

TEST(admin_api_e2e, an_expired_token_is_refused) {
  test_server server;
  const auto admin = server.make_person("root", true);
  const auto pia = server.make_person("pia");
  const auto issued = api(server.port(), "POST", "/api/v1/users/" + pia.user.id + "/tokens",
                          admin.token, object{{"expires_in_seconds", 3600}});
  ASSERT_EQ(issued.status, 201u) << issued.body;
  const auto secret = str(issued.json, "token");
  ASSERT_TRUE(authenticates(server.port(), secret));
  // The clock moves in the database, not in the test: no waiting.
  sql(server.database_url(),
      "UPDATE api_tokens SET expires_at = now() - interval '1 second' "
      "WHERE id = '" +
          str(issued.json, "id") + "'");
  EXPECT_FALSE(authenticates(server.port(), secret));
  EXPECT_EQ(api(server.port(), "GET", "/api/v1/users/me/tokens", secret).status, 401u);
}

TEST(admin_api_e2e, users_manage_their_own_tokens_and_no_one_elses) {
  test_server server;
  const auto admin = server.make_person("root", true);
  const auto pia = server.make_person("pia");
  const auto eddie = server.make_person("eddie");
  const auto port = server.port();

  const auto mine = api(port, "POST", "/api/v1/users/me/tokens", pia.token, object{});
  ASSERT_EQ(mine.status, 201u) << mine.body;
  EXPECT_EQ(str(mine.json, "user_id"), pia.user.id);
  EXPECT_TRUE(authenticates(port, str(mine.json, "token")));
  EXPECT_EQ(
      api(port, "GET", "/api/v1/users/me/tokens", pia.token).json.at("tokens").as_array().size(),
      2u);

  // Eddie's tokens are not hers to see, issue or revoke.
  EXPECT_EQ(api(port, "GET", "/api/v1/users/" + eddie.user.id + "/tokens", pia.token).status, 403u);
  const auto eddies = api(port, "GET", "/api/v1/users/me/tokens", eddie.token);
  const auto eddie_token = str(eddies.json.at("tokens").at(0), "id");
  EXPECT_EQ(api(port, "DELETE", "/api/v1/tokens/" + eddie_token, pia.token).status, 404u);
  EXPECT_TRUE(authenticates(port, eddie.token));

  EXPECT_EQ(api(port, "DELETE", "/api/v1/tokens/" + str(mine.json, "id"), pia.token).status, 200u);
  EXPECT_FALSE(authenticates(port, str(mine.json, "token")));

  // A time-limited token cannot mint one that outlives it.
  const auto short_lived = api(port, "POST", "/api/v1/users/" + pia.user.id + "/tokens",
                               admin.token, object{{"expires_in_seconds", 600}});
  ASSERT_EQ(short_lived.status, 201u);
  const auto forever =
      api(port, "POST", "/api/v1/users/me/tokens", str(short_lived.json, "token"), object{});
  EXPECT_EQ(forever.status, 403u) << forever.body;
  EXPECT_EQ(api(port, "POST", "/api/v1/users/me/tokens", str(short_lived.json, "token"),
                object{{"expires_in_seconds", 60}})
                .status,
            201u);
}

}  // namespace
}  // namespace controlroom::testing
