#include "store/session_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"

namespace controlroom::server {
namespace {

constexpr const char* session_columns =
    "id, studio_id, title, "
    "COALESCE((extract(epoch FROM scheduled_start) * 1000)::bigint, 0), "
    "(extract(epoch FROM created_at) * 1000)::bigint";

session_record from_row(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
          row[3].as<std::int64_t>(), row[4].as<std::int64_t>()};
}

}  // namespace

void session_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare(
      "sessions_insert",
      std::string("INSERT INTO sessions (studio_id, title, scheduled_start, created_by) "
                  "VALUES ($1, $2, CASE WHEN $3::bigint > 0 "
                  "THEN to_timestamp($3::bigint / 1000.0) END, NULLIF($4, '')::uuid) RETURNING ") +
          session_columns);
  conn.prepare("sessions_by_id",
               std::string("SELECT ") + session_columns + " FROM sessions WHERE id = $1");
  conn.prepare("session_members_upsert",
               "INSERT INTO session_members (session_id, user_id, roles) "
               "VALUES ($1, $2, $3::session_role[]) "
               "ON CONFLICT (session_id, user_id) DO UPDATE SET roles = "
               "ARRAY(SELECT DISTINCT unnest(session_members.roles || EXCLUDED.roles) ORDER BY 1)");
  conn.prepare("session_member_roles",
               "SELECT array_to_string(roles, ',') FROM session_members "
               "WHERE session_id = $1 AND user_id = $2");
}

session_record session_repository::create(pqxx::transaction_base& tx, const new_session& s) {
  session_record created;
  try {
    created = from_row(tx.exec_prepared1(
        "sessions_insert", s.studio_id.empty() ? std::string(default_studio_id) : s.studio_id,
        s.title, static_cast<long long>(s.scheduled_start_unix_ms), s.created_by));
  } catch (const pqxx::foreign_key_violation&) {
    throw store_exception(store_errc::not_found, "unknown studio '" + s.studio_id + "'");
  }
  for (const auto& member : s.members) {
    try {
      tx.exec_prepared0("session_members_upsert", created.id, member.user_id,
                        member.roles.to_pg_array());
    } catch (const pqxx::foreign_key_violation&) {
      throw store_exception(store_errc::not_found, "unknown user '" + member.user_id + "'");
    }
  }
  return created;
}

std::optional<session_record> session_repository::find(pqxx::transaction_base& tx,
                                                       const std::string& id) {
  const auto rows = tx.exec_prepared("sessions_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return from_row(rows[0]);
}

role_set session_repository::member_roles(pqxx::transaction_base& tx, const std::string& session_id,
                                          const std::string& user_id) {
  const auto rows = tx.exec_prepared("session_member_roles", session_id, user_id);
  if (rows.empty()) {
    return {};
  }
  return role_set::from_csv(rows[0][0].as<std::string>());
}

}  // namespace controlroom::server
