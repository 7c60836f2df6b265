#include "test_database.hpp"

#include <cstdlib>
#include <stdexcept>

#include <pqxx/pqxx>

#include "store/migration_plan.hpp"
#include "store/migrator.hpp"
#include "util/crypto.hpp"

namespace controlroom::testing {

std::string admin_database_url() {
  const char* url = std::getenv("CONTROLROOM_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "CONTROLROOM_TEST_DATABASE_URL is not set: these tests need the PostgreSQL cluster "
        "that scripts/test.sh starts (run the suite with scripts/test.sh)");
  }
  return url;
}

std::string with_database(const std::string& url, const std::string& name) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    throw std::runtime_error("expected a postgresql:// URL, got " + url);
  }
  const auto slash = url.find('/', scheme + 3);
  const auto query = url.find('?', scheme + 3);
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    // No database in the URL: insert one before the query.
    const auto at = query == std::string::npos ? url.size() : query;
    return url.substr(0, at) + "/" + name + url.substr(at);
  }
  const auto end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + name + url.substr(end);
}

std::string with_database_name(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme + 3);
  const auto query = url.find('?', slash);
  return url.substr(slash + 1, (query == std::string::npos ? url.size() : query) - slash - 1);
}

test_database::test_database(bool migrated) {
  const auto admin = admin_database_url();
  std::string suffix;
  for (char ch : server::random_base64url(9)) {
    suffix +=
        std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  }
  name_ = "crtest_" + suffix;
  {
    pqxx::connection conn(admin);
    pqxx::nontransaction tx(conn);
    tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  }
  url_ = with_database(admin, name_);
  if (migrated) {
    pqxx::connection conn(url_);
    server::migrate(conn, server::builtin_migrations());
  }
}

test_database::~test_database() {
  try {
    pqxx::connection conn(admin_database_url());
    pqxx::nontransaction tx(conn);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away at the end of the run anyway.
  }
}

}  // namespace controlroom::testing
