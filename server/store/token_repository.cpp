#include "store/token_repository.hpp"

#include <pqxx/pqxx>

#include "util/crypto.hpp"

namespace controlroom::server {

void token_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("tokens_insert",
               "INSERT INTO api_tokens (user_id, token_sha256, label, expires_at) "
               "VALUES ($1, $2, $3, CASE WHEN $4::bigint > 0 "
               "THEN now() + make_interval(secs => $4::bigint) END)");
  conn.prepare("tokens_authenticate",
               "UPDATE api_tokens t SET last_used_at = now() FROM users u "
               "WHERE t.token_sha256 = $1 AND t.user_id = u.id AND t.revoked_at IS NULL "
               "AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL "
               "RETURNING u.id, u.name, u.admin");
  conn.prepare("tokens_revoke",
               "UPDATE api_tokens SET revoked_at = now() "
               "WHERE token_sha256 = $1 AND revoked_at IS NULL");
}

std::string token_repository::issue(pqxx::transaction_base& tx, const std::string& user_id,
                                    const std::string& label, std::chrono::seconds lifetime) {
  auto token = new_api_token();
  tx.exec_prepared0("tokens_insert", user_id, sha256_hex(token), label,
                    static_cast<long long>(lifetime.count()));
  return token;
}

std::optional<user_record> token_repository::authenticate(pqxx::transaction_base& tx,
                                                          const std::string& token) {
  const auto rows = tx.exec_prepared("tokens_authenticate", sha256_hex(token));
  if (rows.empty()) {
    return std::nullopt;
  }
  return user_record{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                     rows[0][2].as<bool>()};
}

bool token_repository::revoke(pqxx::transaction_base& tx, const std::string& token) {
  return tx.exec_prepared("tokens_revoke", sha256_hex(token)).affected_rows() > 0;
}

}  // namespace controlroom::server
