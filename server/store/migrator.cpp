#include "store/migrator.hpp"

#include <pqxx/pqxx>

namespace controlroom::server {
namespace {

// Any fixed number works; it only has to be the same for every controlroomd.
constexpr long long migration_lock_key = 0x636f6e74726f6cLL;  // "control"

void ensure_table(pqxx::connection_base& conn) {
  pqxx::work tx(conn);
  tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  tx.commit();
}

}  // namespace

std::vector<applied_migration> applied_migrations(pqxx::connection_base& conn) {
  pqxx::read_transaction tx(conn);
  const auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>()) {
    return {};
  }
  std::vector<applied_migration> out;
  for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations "
                                 "ORDER BY version")) {
    out.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return out;
}

migrate_report migrate(pqxx::connection_base& conn, const std::vector<migration>& known) {
  {
    pqxx::nontransaction lock(conn);
    lock.exec("SELECT pg_advisory_lock(" + std::to_string(migration_lock_key) + ")");
  }
  struct unlock_on_exit {
    pqxx::connection_base& conn;
    ~unlock_on_exit() {
      try {
        pqxx::nontransaction tx(conn);
        tx.exec("SELECT pg_advisory_unlock(" + std::to_string(migration_lock_key) + ")");
      } catch (...) {
        // The lock dies with the session anyway.
      }
    }
  } unlock{conn};

  ensure_table(conn);
  const auto todo = pending_migrations(known, applied_migrations(conn));
  migrate_report report;
  for (const auto& m : todo) {
    try {
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     m.version, m.name, m.checksum);
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      throw migration_error("migration " + m.name + " failed: " + e.what());
    }
    report.applied.push_back(m.name);
  }
  const auto applied = applied_migrations(conn);
  report.current_version = applied.empty() ? 0 : applied.back().version;
  return report;
}

}  // namespace controlroom::server
