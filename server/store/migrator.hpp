#pragma once

// Applies migrations to a database: each pending one in its own transaction,
// recorded with its checksum in schema_migrations. A session-level advisory
// lock serializes concurrent migrators (several nodes starting at once).
// Blocking; call from main or a db thread, never a network worker.

#include <string>
#include <vector>

#include "store/migration_plan.hpp"

namespace pqxx {
class connection_base;
}

namespace controlroom::server {

struct migrate_report {
  std::vector<std::string> applied;  // names applied by this call
  int current_version = 0;
};

/// Throws migration_error (edited or unknown applied migration) or the
/// underlying pqxx exception with the failing migration's name prefixed.
migrate_report migrate(pqxx::connection_base& conn, const std::vector<migration>& known);

/// What the database has applied, in version order (empty before the first run).
std::vector<applied_migration> applied_migrations(pqxx::connection_base& conn);

}  // namespace controlroom::server
