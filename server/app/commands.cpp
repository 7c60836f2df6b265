#include "app/commands.hpp"

#include <iostream>

#include <pqxx/pqxx>

#include "store/migrator.hpp"
#include "store/statements.hpp"
#include "store/token_repository.hpp"
#include "store/user_repository.hpp"

namespace controlroom::server {

std::vector<migration> configured_migrations(const config& cfg) {
  return cfg.migrations_dir.empty() ? builtin_migrations()
                                    : load_migrations_from(cfg.migrations_dir);
}

int run_migrate(const config& cfg) {
  pqxx::connection conn(cfg.database_url);
  const auto report = migrate(conn, configured_migrations(cfg));
  for (const auto& name : report.applied) {
    std::cout << "applied " << name << "\n";
  }
  std::cout << "database at version " << report.current_version
            << (report.applied.empty() ? " (nothing to do)" : "") << "\n";
  return 0;
}

int run_admin_token(const config& cfg, const std::string& user_name) {
  pqxx::connection conn(cfg.database_url);
  prepare_statements(conn);
  pqxx::work tx(conn);
  const auto user = user_repository::ensure(tx, user_name, true);
  const auto token = token_repository::issue(tx, user.id, "admin-token command");
  tx.commit();
  std::cout << token << "\n";
  return 0;
}

}  // namespace controlroom::server
