#include "store/invite_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

constexpr const char* invite_columns =
    "id, session_id, role::text, label, max_uses, uses, "
    "(extract(epoch FROM expires_at) * 1000)::bigint, revoked_at IS NOT NULL, "
    "COALESCE(created_by::text, ''), (extract(epoch FROM created_at) * 1000)::bigint";

invite_record from_row(const pqxx::row& row) {
  invite_record r;
  r.id = row[0].as<std::string>();
  r.session_id = row[1].as<std::string>();
  r.invited_as = role_from_string(row[2].as<std::string>()).value_or(role::listener);
  r.label = row[3].as<std::string>();
  r.max_uses = row[4].as<int>();
  r.uses = row[5].as<int>();
  r.expires_unix_ms = row[6].as<std::int64_t>();
  r.revoked = row[7].as<bool>();
  r.created_by = row[8].as<std::string>();
  r.created_unix_ms = row[9].as<std::int64_t>();
  return r;
}

std::string with_columns(const std::string& head, const std::string& tail) {
  return head + invite_columns + tail;
}

}  // namespace

void invite_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("invites_insert",
               with_columns("INSERT INTO invites (session_id, code_sha256, role, label, max_uses, "
                            "expires_at, created_by) VALUES ($1, $2, $3::session_role, $4, $5, "
                            "now() + make_interval(secs => $6::bigint), NULLIF($7, '')::uuid) "
                            "RETURNING ",
                            ""));
  conn.prepare("invites_by_session",
               with_columns("SELECT ", " FROM invites WHERE session_id = $1 ORDER BY created_at"));
  conn.prepare("invites_by_id", with_columns("SELECT ", " FROM invites WHERE id = $1"));
  conn.prepare("invites_revoke",
               "UPDATE invites SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1");
  conn.prepare("invites_use",
               with_columns("UPDATE invites SET uses = uses + 1 WHERE code_sha256 = $1 "
                            "AND uses < max_uses AND revoked_at IS NULL AND expires_at > now() "
                            "RETURNING ",
                            ""));
  conn.prepare("invites_why_not",
               "SELECT revoked_at IS NOT NULL, expires_at <= now(), uses >= max_uses "
               "FROM invites WHERE code_sha256 = $1");
}

std::pair<invite_record, std::string> invite_repository::create(pqxx::transaction_base& tx,
                                                                const new_invite& invite) {
  auto code = "cri_" + random_base64url(32);
  try {
    auto row =
        tx.exec_prepared1("invites_insert", invite.session_id, sha256_hex(code),
                          std::string(to_string(invite.invited_as)), invite.label, invite.max_uses,
                          static_cast<long long>(invite.lifetime.count()), invite.created_by);
    return {from_row(row), std::move(code)};
  } catch (const pqxx::foreign_key_violation&) {
    throw store_exception(store_errc::not_found, "no such session");
  }
}

std::vector<invite_record> invite_repository::list(pqxx::transaction_base& tx,
                                                   const std::string& session_id) {
  std::vector<invite_record> out;
  for (const auto& row : tx.exec_prepared("invites_by_session", session_id)) {
    out.push_back(from_row(row));
  }
  return out;
}

std::optional<invite_record> invite_repository::find(pqxx::transaction_base& tx,
                                                     const std::string& id) {
  const auto rows = tx.exec_prepared("invites_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return from_row(rows[0]);
}

bool invite_repository::revoke(pqxx::transaction_base& tx, const std::string& id) {
  return tx.exec_prepared("invites_revoke", id).affected_rows() > 0;
}

std::optional<invite_record> invite_repository::use(pqxx::transaction_base& tx,
                                                    const std::string& code, invite_refusal& why) {
  const auto hash = sha256_hex(code);
  const auto used = tx.exec_prepared("invites_use", hash);
  if (!used.empty()) {
    return from_row(used[0]);
  }
  const auto rows = tx.exec_prepared("invites_why_not", hash);
  if (rows.empty()) {
    why = invite_refusal::unknown;
  } else if (rows[0][0].as<bool>()) {
    why = invite_refusal::revoked;
  } else if (rows[0][1].as<bool>()) {
    why = invite_refusal::expired;
  } else {
    why = invite_refusal::used_up;
  }
  return std::nullopt;
}

void invite_repository::admit(pqxx::transaction_base& tx, const std::string& session_id,
                              const std::string& user_id, role r) {
  // session_repository prepares this upsert; its roles are merged, not
  // replaced, so an invite never takes a role away.
  tx.exec_prepared0("session_members_upsert", session_id, user_id, role_set{r}.to_pg_array());
}

}  // namespace controlroom::server
