// Migrations against a real PostgreSQL: from empty, re-run, edited, unknown.

#include "store/migrator.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/migration_plan.hpp"
#include "test_database.hpp"

namespace controlroom::server {
namespace {

using testing::test_database;

bool table_exists(pqxx::connection& conn, const std::string& name) {
  pqxx::read_transaction tx(conn);
  return tx.exec1("SELECT to_regclass(" + tx.quote(name) + ") IS NOT NULL")[0].as<bool>();
}

TEST(migrator, applies_every_migration_to_an_empty_database_in_order) {
  test_database db(false);
  pqxx::connection conn(db.url());
  EXPECT_TRUE(applied_migrations(conn).empty());
  const auto report = migrate(conn, builtin_migrations());
  EXPECT_EQ(report.applied.size(), builtin_migrations().size());
  EXPECT_EQ(report.current_version, builtin_migrations().back().version);
  for (const char* table : {"users", "api_tokens", "studios", "sessions", "session_members"}) {
    EXPECT_TRUE(table_exists(conn, table)) << table;
  }
  const auto applied = applied_migrations(conn);
  ASSERT_EQ(applied.size(), builtin_migrations().size());
  for (std::size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].name, builtin_migrations()[i].name);
    EXPECT_EQ(applied[i].checksum, builtin_migrations()[i].checksum);
  }
}

TEST(migrator, a_second_run_is_a_no_op) {
  test_database db(false);
  pqxx::connection conn(db.url());
  migrate(conn, builtin_migrations());
  const auto again = migrate(conn, builtin_migrations());
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.current_version, builtin_migrations().back().version);
}

TEST(migrator, a_later_migration_is_applied_on_top_of_earlier_ones) {
  test_database db(false);
  pqxx::connection conn(db.url());
  auto list =
      std::vector<migration>{make_migration("0001_a.sql", "CREATE TABLE a (x int UNIQUE);")};
  migrate(conn, list);
  list.push_back(make_migration("0002_b.sql", "CREATE TABLE b (y int REFERENCES a (x));"));
  const auto report = migrate(conn, list);
  ASSERT_EQ(report.applied, std::vector<std::string>{"0002_b"});
  EXPECT_TRUE(table_exists(conn, "b"));
}

TEST(migrator, an_edit_blocks_later_migrations_too) {
  test_database db(false);
  pqxx::connection conn(db.url());
  auto list = std::vector<migration>{make_migration("0001_a.sql", "CREATE TABLE a (x int);")};
  migrate(conn, list);
  list[0] = make_migration("0001_a.sql", "CREATE TABLE a (x int PRIMARY KEY);");
  list.push_back(make_migration("0002_b.sql", "CREATE TABLE b (y int);"));
  EXPECT_THROW(migrate(conn, list), migration_error);
  EXPECT_FALSE(table_exists(conn, "b"));
}

TEST(migrator, an_edited_applied_migration_is_refused_and_nothing_changes) {
  test_database db(false);
  pqxx::connection conn(db.url());
  migrate(conn, builtin_migrations());
  auto edited = builtin_migrations();
  edited[0] = make_migration(edited[0].name + ".sql", edited[0].sql + "\n-- an innocent edit\n");
  try {
    migrate(conn, edited);
    FAIL() << "edited migration accepted";
  } catch (const migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("was edited"), std::string::npos) << e.what();
  }
  EXPECT_EQ(applied_migrations(conn).size(), builtin_migrations().size());
}

TEST(migrator, a_failing_migration_rolls_back_whole_and_is_not_recorded) {
  test_database db(false);
  pqxx::connection conn(db.url());
  const std::vector<migration> list = {
      make_migration("0001_ok.sql", "CREATE TABLE ok (x int);"),
      make_migration("0002_bad.sql", "CREATE TABLE half (x int); SELECT no_such_function();")};
  try {
    migrate(conn, list);
    FAIL() << "bad migration accepted";
  } catch (const migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("0002_bad"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(table_exists(conn, "ok"));
  EXPECT_FALSE(table_exists(conn, "half"));
  ASSERT_EQ(applied_migrations(conn).size(), 1u);
}

TEST(migrator, a_database_from_a_newer_server_is_refused) {
  test_database db(false);
  pqxx::connection conn(db.url());
  auto newer = builtin_migrations();
  newer.push_back(make_migration("9999_future.sql", "SELECT 1;"));
  migrate(conn, newer);
  try {
    migrate(conn, builtin_migrations());
    FAIL() << "unknown applied migration accepted";
  } catch (const migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("9999_future"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace controlroom::server
