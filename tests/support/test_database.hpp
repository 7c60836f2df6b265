#pragma once

// A throwaway PostgreSQL database for one test, created in the cluster named
// by CONTROLROOM_TEST_DATABASE_URL (scripts/test.sh starts that cluster) and
// dropped afterwards. There is no fallback: without the variable the test
// fails with a message saying how to run it.

#include <string>

namespace controlroom::testing {

/// The admin URL from the environment; throws std::runtime_error when unset.
std::string admin_database_url();

/// The database name in a URL made by with_database().
std::string with_database_name(const std::string& url);

/// `url` with its database name replaced by `name`.
std::string with_database(const std::string& url, const std::string& name);

class test_database {
 public:
  /// Creates an empty database; with `migrated`, applies the built-in migrations.
  explicit test_database(bool migrated = true);
  ~test_database();
  test_database(const test_database&) = delete;
  test_database& operator=(const test_database&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace controlroom::testing
