#include "store/account_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

constexpr const char* account_columns =
    "id, name, admin, disabled_at IS NOT NULL, guest, "
    "(extract(epoch FROM created_at) * 1000)::bigint";

constexpr const char* token_columns =
    "id, user_id, label, (extract(epoch FROM created_at) * 1000)::bigint, "
    "COALESCE((extract(epoch FROM expires_at) * 1000)::bigint, 0), "
    "COALESCE((extract(epoch FROM last_used_at) * 1000)::bigint, 0), revoked_at IS NOT NULL";

account_record account_from(const pqxx::row& row) {
  return {{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>()},
          row[3].as<bool>(),
          row[4].as<bool>(),
          row[5].as<std::int64_t>()};
}

token_record token_from(const pqxx::row& row) {
  return {row[0].as<std::string>(),  row[1].as<std::string>(),  row[2].as<std::string>(),
          row[3].as<std::int64_t>(), row[4].as<std::int64_t>(), row[5].as<std::int64_t>(),
          row[6].as<bool>()};
}

std::string sql(const std::string& head, const char* columns, const std::string& tail) {
  return head + columns + tail;
}

}  // namespace

void account_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("accounts_insert", sql("INSERT INTO users (name, admin, guest) VALUES ($1, $2, $3) "
                                      "RETURNING ",
                                      account_columns, ""));
  conn.prepare("accounts_list", sql("SELECT ", account_columns, " FROM users ORDER BY name"));
  conn.prepare("accounts_by_id", sql("SELECT ", account_columns, " FROM users WHERE id = $1"));
  conn.prepare("accounts_disable",
               "UPDATE users SET disabled_at = COALESCE(disabled_at, now()) WHERE id = $1");
  conn.prepare(
      "accounts_revoke_all",
      "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL");
  conn.prepare("accounts_delete", "DELETE FROM users WHERE id = $1");
  conn.prepare("account_tokens_insert",
               sql("INSERT INTO api_tokens (user_id, token_sha256, label, expires_at) "
                   "VALUES ($1, $2, $3, CASE WHEN $4::bigint > 0 "
                   "THEN now() + make_interval(secs => $4::bigint) END) RETURNING ",
                   token_columns, ""));
  conn.prepare("account_tokens_by_user", sql("SELECT ", token_columns,
                                             " FROM api_tokens WHERE user_id = $1 "
                                             "ORDER BY created_at"));
  conn.prepare("account_tokens_by_id",
               sql("SELECT ", token_columns, " FROM api_tokens WHERE id = $1"));
  conn.prepare("account_tokens_by_secret",
               sql("SELECT ", token_columns, " FROM api_tokens WHERE token_sha256 = $1"));
  conn.prepare("account_tokens_revoke",
               "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1");
}

account_record account_repository::create(pqxx::transaction_base& tx, const std::string& name,
                                          bool admin, bool guest) {
  try {
    return account_from(tx.exec_prepared1("accounts_insert", name, admin, guest));
  } catch (const pqxx::unique_violation&) {
    throw store_exception(store_errc::conflict, "a user named '" + name + "' exists already");
  }
}

std::vector<account_record> account_repository::list(pqxx::transaction_base& tx) {
  std::vector<account_record> out;
  for (const auto& row : tx.exec_prepared("accounts_list")) {
    out.push_back(account_from(row));
  }
  return out;
}

std::optional<account_record> account_repository::find(pqxx::transaction_base& tx,
                                                       const std::string& id) {
  const auto rows = tx.exec_prepared("accounts_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return account_from(rows[0]);
}

bool account_repository::disable(pqxx::transaction_base& tx, const std::string& id) {
  if (tx.exec_prepared("accounts_disable", id).affected_rows() == 0) {
    return false;
  }
  tx.exec_prepared0("accounts_revoke_all", id);
  return true;
}

bool account_repository::remove(pqxx::transaction_base& tx, const std::string& id) {
  return tx.exec_prepared("accounts_delete", id).affected_rows() > 0;
}

std::pair<token_record, std::string> account_repository::issue_token(
    pqxx::transaction_base& tx, const std::string& user_id, const std::string& label,
    std::chrono::seconds lifetime) {
  auto token = new_api_token();
  auto row = tx.exec_prepared1("account_tokens_insert", user_id, sha256_hex(token), label,
                               static_cast<long long>(lifetime.count()));
  return {token_from(row), std::move(token)};
}

std::vector<token_record> account_repository::tokens(pqxx::transaction_base& tx,
                                                     const std::string& user_id) {
  std::vector<token_record> out;
  for (const auto& row : tx.exec_prepared("account_tokens_by_user", user_id)) {
    out.push_back(token_from(row));
  }
  return out;
}

std::optional<token_record> account_repository::find_token(pqxx::transaction_base& tx,
                                                           const std::string& id) {
  const auto rows = tx.exec_prepared("account_tokens_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return token_from(rows[0]);
}

std::optional<token_record> account_repository::token_by_secret(pqxx::transaction_base& tx,
                                                                const std::string& token) {
  const auto rows = tx.exec_prepared("account_tokens_by_secret", sha256_hex(token));
  if (rows.empty()) {
    return std::nullopt;
  }
  return token_from(rows[0]);
}

bool account_repository::revoke_token(pqxx::transaction_base& tx, const std::string& id) {
  return tx.exec_prepared("account_tokens_revoke", id).affected_rows() > 0;
}

}  // namespace controlroom::server
