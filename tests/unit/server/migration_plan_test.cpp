#include "store/migration_plan.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

TEST(migration_plan, file_names_give_versions) {
  const auto m = make_migration("0007_add_takes.sql", "SELECT 1;");
  EXPECT_EQ(m.version, 7);
  EXPECT_EQ(m.name, "0007_add_takes");
  EXPECT_EQ(m.checksum, sha256_hex("SELECT 1;"));
  for (const char* bad : {"7_x.sql", "0001.sql", "0001_x.txt", "abcd_x.sql", "0000_zero.sql",
                          "0001-x.sql", "0001_.sql"}) {
    EXPECT_THROW(make_migration(bad, ""), migration_error) << bad;
  }
}

TEST(migration_plan, ordering_sorts_and_refuses_duplicates) {
  const auto ordered =
      order_migrations({make_migration("0003_c.sql", "c"), make_migration("0001_a.sql", "a"),
                        make_migration("0002_b.sql", "b")});
  ASSERT_EQ(ordered.size(), 3u);
  EXPECT_EQ(ordered[0].version, 1);
  EXPECT_EQ(ordered[2].version, 3);
  EXPECT_THROW(
      order_migrations({make_migration("0001_a.sql", "a"), make_migration("0001_b.sql", "b")}),
      migration_error);
}

TEST(migration_plan, pending_are_those_not_applied_in_order) {
  const auto known =
      order_migrations({make_migration("0001_a.sql", "a"), make_migration("0002_b.sql", "b"),
                        make_migration("0003_c.sql", "c")});
  EXPECT_EQ(pending_migrations(known, {}).size(), 3u);
  const auto rest = pending_migrations(known, {{1, "0001_a", sha256_hex("a")}});
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].name, "0002_b");
  EXPECT_EQ(rest[1].name, "0003_c");
  EXPECT_TRUE(pending_migrations(known, {{1, "0001_a", sha256_hex("a")},
                                         {2, "0002_b", sha256_hex("b")},
                                         {3, "0003_c", sha256_hex("c")}})
                  .empty());
}

TEST(migration_plan, an_edited_applied_migration_is_an_error) {
  const auto known = order_migrations({make_migration("0001_a.sql", "a -- edited")});
  try {
    pending_migrations(known, {{1, "0001_a", sha256_hex("a")}});
    FAIL() << "no error";
  } catch (const migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("0001_a was edited"), std::string::npos) << e.what();
  }
}

TEST(migration_plan, an_unknown_applied_version_is_an_error) {
  const auto known = order_migrations({make_migration("0001_a.sql", "a")});
  EXPECT_THROW(pending_migrations(known, {{1, "0001_a", sha256_hex("a")}, {2, "0002_new", "x"}}),
               migration_error);
}

TEST(migration_plan, loads_a_directory_and_ignores_other_files) {
  const auto dir = std::filesystem::temp_directory_path() / ("crmig_" + random_base64url(6));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "0002_second.sql") << "two";
  std::ofstream(dir / "0001_first.sql") << "one";
  std::ofstream(dir / "README") << "not a migration";
  const auto loaded = load_migrations_from(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].sql, "one");
  EXPECT_EQ(loaded[1].name, "0002_second");
  EXPECT_THROW(load_migrations_from(dir.string()), migration_error);
}

TEST(migration_plan, builtin_migrations_start_at_one_and_are_contiguous) {
  const auto& all = builtin_migrations();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i + 1)) << all[i].name;
    EXPECT_FALSE(all[i].sql.empty());
  }
}

}  // namespace
}  // namespace controlroom::server

namespace controlroom::server {
namespace {

TEST(migration_plan, builtin_migrations_are_the_files_in_migrations_dir) {
  const auto from_disk = load_migrations_from(CONTROLROOM_SOURCE_DIR "/migrations");
  const auto& built_in = builtin_migrations();
  ASSERT_EQ(from_disk.size(), built_in.size());
  for (std::size_t i = 0; i < built_in.size(); ++i) {
    EXPECT_EQ(from_disk[i].name, built_in[i].name);
    EXPECT_EQ(from_disk[i].checksum, built_in[i].checksum) << built_in[i].name;
  }
}

}  // namespace
}  // namespace controlroom::server
