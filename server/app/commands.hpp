#pragma once

// The one-shot subcommands of controlroomd. Blocking; each opens its own
// database connection. Return the process exit code.

#include <string>
#include <vector>

#include "config/config.hpp"
#include "store/migration_plan.hpp"

namespace controlroom::server {

/// Loads the migrations the config names (built in, or migrations_dir).
/// Throws migration_error.
std::vector<migration> configured_migrations(const config& cfg);

/// Applies pending migrations and reports them on stdout.
int run_migrate(const config& cfg);

/// Ensures an admin user named `user_name` and prints a new token for it.
int run_admin_token(const config& cfg, const std::string& user_name);

}  // namespace controlroom::server
