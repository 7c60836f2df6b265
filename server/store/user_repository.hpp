#pragma once

// The users table. Functions run inside a caller's transaction on a db
// thread; statements are prepared once per connection by prepare().

#include <optional>
#include <string>

#include "domain/records.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

class user_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Throws store_exception(conflict) when the name is taken.
  static user_record create(pqxx::transaction_base& tx, const std::string& name, bool admin);
  static std::optional<user_record> find_by_name(pqxx::transaction_base& tx,
                                                 const std::string& name);
  static std::optional<user_record> find(pqxx::transaction_base& tx, const std::string& id);
  /// The named user, created (as admin when `admin`) if missing; an existing
  /// user is promoted to admin when `admin` is set.
  static user_record ensure(pqxx::transaction_base& tx, const std::string& name, bool admin);
};

}  // namespace controlroom::server
