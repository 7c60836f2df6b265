// Users, tokens and sessions against a real PostgreSQL.

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/session_repository.hpp"
#include "store/statements.hpp"
#include "store/store_error.hpp"
#include "store/token_repository.hpp"
#include "store/user_repository.hpp"
#include "test_database.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

class repositories_test : public ::testing::Test {
 protected:
  testing::test_database db;
  pqxx::connection conn{db.url()};
  void SetUp() override { prepare_statements(conn); }
};

TEST_F(repositories_test, users_have_unique_names) {
  pqxx::work tx(conn);
  const auto ada = user_repository::create(tx, "ada", false);
  EXPECT_TRUE(is_uuid(ada.id));
  EXPECT_FALSE(ada.admin);
  EXPECT_EQ(user_repository::find_by_name(tx, "ada")->id, ada.id);
  EXPECT_EQ(user_repository::find(tx, ada.id)->name, "ada");
  EXPECT_FALSE(user_repository::find_by_name(tx, "nobody"));
  try {
    user_repository::create(tx, "ada", true);
    FAIL() << "duplicate accepted";
  } catch (const store_exception& e) {
    EXPECT_EQ(e.code(), store_errc::conflict);
  }
}

TEST_F(repositories_test, ensure_creates_once_and_promotes_to_admin) {
  pqxx::work tx(conn);
  const auto first = user_repository::ensure(tx, "root", false);
  const auto again = user_repository::ensure(tx, "root", true);
  EXPECT_EQ(first.id, again.id);
  EXPECT_TRUE(again.admin);
  EXPECT_TRUE(user_repository::ensure(tx, "root", false).admin);  // never demoted
}

TEST_F(repositories_test, tokens_are_stored_only_as_hashes) {
  pqxx::work tx(conn);
  const auto ada = user_repository::create(tx, "ada", false);
  const auto token = token_repository::issue(tx, ada.id, "laptop");
  const auto stored = tx.exec("SELECT token_sha256 FROM api_tokens");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0][0].as<std::string>(), sha256_hex(token));
  const auto dump = tx.exec1("SELECT string_agg(t::text, '|') FROM api_tokens t")[0];
  EXPECT_EQ(dump.as<std::string>().find(token.substr(4)), std::string::npos);
  const auto who = token_repository::authenticate(tx, token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->id, ada.id);
  EXPECT_FALSE(token_repository::authenticate(tx, token + "x"));
  EXPECT_FALSE(token_repository::authenticate(tx, "crt_unknown"));
}

TEST_F(repositories_test, revoked_and_expired_tokens_do_not_authenticate) {
  pqxx::work tx(conn);
  const auto ada = user_repository::create(tx, "ada", false);
  const auto revoked = token_repository::issue(tx, ada.id, "old");
  EXPECT_TRUE(token_repository::revoke(tx, revoked));
  EXPECT_FALSE(token_repository::revoke(tx, revoked));
  EXPECT_FALSE(token_repository::authenticate(tx, revoked));

  const auto expiring = token_repository::issue(tx, ada.id, "short", std::chrono::seconds(3600));
  EXPECT_TRUE(token_repository::authenticate(tx, expiring));
  tx.exec0("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_sha256 = " +
           tx.quote(sha256_hex(expiring)));
  EXPECT_FALSE(token_repository::authenticate(tx, expiring));
}

TEST_F(repositories_test, sessions_carry_their_members_and_roles) {
  pqxx::work tx(conn);
  const auto ada = user_repository::create(tx, "ada", false);
  const auto bob = user_repository::create(tx, "bob", false);
  new_session s;
  s.title = "Second album";
  s.scheduled_start_unix_ms = 1'900'000'000'000;
  s.created_by = ada.id;
  s.members = {{ada.id, {role::engineer}}, {bob.id, {role::producer, role::artist}}};
  const auto created = session_repository::create(tx, s);
  EXPECT_TRUE(is_uuid(created.id));
  EXPECT_EQ(created.studio_id, default_studio_id);
  EXPECT_EQ(created.scheduled_start_unix_ms, 1'900'000'000'000);
  EXPECT_GT(created.created_unix_ms, 0);

  const auto found = session_repository::find(tx, created.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->title, "Second album");
  EXPECT_EQ(session_repository::member_roles(tx, created.id, ada.id), role_set{role::engineer});
  EXPECT_EQ(session_repository::member_roles(tx, created.id, bob.id),
            (role_set{role::producer, role::artist}));
  const auto stranger = user_repository::create(tx, "cy", false);
  EXPECT_TRUE(session_repository::member_roles(tx, created.id, stranger.id).empty());
  EXPECT_FALSE(session_repository::find(tx, "00000000-0000-0000-0000-0000000000ff"));
}

TEST_F(repositories_test, a_session_with_an_unknown_member_or_studio_is_refused) {
  {
    pqxx::work tx(conn);
    const auto ada = user_repository::create(tx, "ada", false);
    new_session s;
    s.title = "x";
    s.created_by = ada.id;
    s.members = {{"00000000-0000-0000-0000-0000000000aa", {role::producer}}};
    try {
      session_repository::create(tx, s);
      FAIL() << "unknown member accepted";
    } catch (const store_exception& e) {
      EXPECT_EQ(e.code(), store_errc::not_found);
    }
  }
  pqxx::work tx(conn);
  new_session s;
  s.title = "x";
  s.studio_id = "00000000-0000-0000-0000-0000000000bb";
  try {
    session_repository::create(tx, s);
    FAIL() << "unknown studio accepted";
  } catch (const store_exception& e) {
    EXPECT_EQ(e.code(), store_errc::not_found);
  }
}

}  // namespace
}  // namespace controlroom::server
