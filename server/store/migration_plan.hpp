#pragma once

// Which migrations to apply, decided without a database: parsing of
// NNNN_name.sql file names, ordering, checksums, and the comparison with what
// a database says it has applied. The migrator does the I/O.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace controlroom::server {

struct migration {
  int version = 0;   // NNNN
  std::string name;  // file name without ".sql", e.g. "0001_initial"
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
};

struct applied_migration {
  int version = 0;
  std::string name;
  std::string checksum;
};

class migration_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds a migration from a file name and its contents. Throws
/// migration_error unless the name is NNNN_word.sql (four or more digits,
/// version >= 1).
migration make_migration(const std::string& file_name, std::string sql);

/// Sorts by version; throws migration_error on duplicate versions.
std::vector<migration> order_migrations(std::vector<migration> migrations);

/// The migrations still to apply, in order. Throws migration_error if an
/// applied migration's checksum differs from the known one (it was edited
/// after being applied) or if the database holds a version this list does not
/// know (a newer server migrated it).
std::vector<migration> pending_migrations(const std::vector<migration>& known,
                                          const std::vector<applied_migration>& applied);

/// Reads every *.sql file in `dir` (non-recursive). Throws migration_error.
std::vector<migration> load_migrations_from(const std::string& dir);

/// The migrations compiled into this binary from migrations/.
const std::vector<migration>& builtin_migrations();

}  // namespace controlroom::server
