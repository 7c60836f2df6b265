#include "store/studio_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"

namespace controlroom::server {

void studio_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("studios_insert",
               "INSERT INTO studios (name) VALUES ($1) "
               "RETURNING id, name, (extract(epoch FROM created_at) * 1000)::bigint");
  conn.prepare("studios_list",
               "SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint "
               "FROM studios ORDER BY name");
  // NULLIF turns "no filter" into NULL, which matches every row.
  conn.prepare("studio_sessions",
               "SELECT s.id, s.studio_id, s.title, "
               "COALESCE((extract(epoch FROM s.scheduled_start) * 1000)::bigint, 0), "
               "(extract(epoch FROM s.created_at) * 1000)::bigint FROM sessions s "
               "WHERE (NULLIF($1, '') IS NULL OR s.studio_id = NULLIF($1, '')::uuid) "
               "AND (NULLIF($2, '') IS NULL OR EXISTS (SELECT 1 FROM session_members m "
               "WHERE m.session_id = s.id AND m.user_id = NULLIF($2, '')::uuid)) "
               "ORDER BY s.created_at DESC, s.id LIMIT 1000");
}

studio_record studio_repository::create(pqxx::transaction_base& tx, const std::string& name) {
  try {
    const auto row = tx.exec_prepared1("studios_insert", name);
    return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>()};
  } catch (const pqxx::unique_violation&) {
    throw store_exception(store_errc::conflict, "a studio named '" + name + "' exists already");
  }
}

std::vector<studio_record> studio_repository::list(pqxx::transaction_base& tx) {
  std::vector<studio_record> out;
  for (const auto& row : tx.exec_prepared("studios_list")) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>()});
  }
  return out;
}

std::vector<session_record> studio_repository::sessions(pqxx::transaction_base& tx,
                                                        const std::string& studio_id,
                                                        const std::string& member_id) {
  std::vector<session_record> out;
  for (const auto& row : tx.exec_prepared("studio_sessions", studio_id, member_id)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::int64_t>(), row[4].as<std::int64_t>()});
  }
  return out;
}

}  // namespace controlroom::server
