#include "store/user_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"

namespace controlroom::server {
namespace {
user_record from_row(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>()};
}
}  // namespace

void user_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("users_insert",
               "INSERT INTO users (name, admin) VALUES ($1, $2) RETURNING id, name, admin");
  conn.prepare("users_by_name", "SELECT id, name, admin FROM users WHERE name = $1");
  conn.prepare("users_by_id", "SELECT id, name, admin FROM users WHERE id = $1");
  conn.prepare("users_ensure",
               "INSERT INTO users (name, admin) VALUES ($1, $2) "
               "ON CONFLICT (name) DO UPDATE SET admin = users.admin OR EXCLUDED.admin "
               "RETURNING id, name, admin");
}

user_record user_repository::create(pqxx::transaction_base& tx, const std::string& name,
                                    bool admin) {
  try {
    return from_row(tx.exec_prepared1("users_insert", name, admin));
  } catch (const pqxx::unique_violation&) {
    throw store_exception(store_errc::conflict, "a user named '" + name + "' exists already");
  }
}

std::optional<user_record> user_repository::find_by_name(pqxx::transaction_base& tx,
                                                         const std::string& name) {
  const auto rows = tx.exec_prepared("users_by_name", name);
  if (rows.empty()) {
    return std::nullopt;
  }
  return from_row(rows[0]);
}

std::optional<user_record> user_repository::find(pqxx::transaction_base& tx,
                                                 const std::string& id) {
  const auto rows = tx.exec_prepared("users_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return from_row(rows[0]);
}

user_record user_repository::ensure(pqxx::transaction_base& tx, const std::string& name,
                                    bool admin) {
  return from_row(tx.exec_prepared1("users_ensure", name, admin));
}

}  // namespace controlroom::server
