#include "store/lease_repository.hpp"

#include <pqxx/pqxx>

namespace controlroom::server {

namespace {

// A text[] literal for ANY($n::text[]); ids are UUIDs, so no quoting issues.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "\"" : ",\"") + items[i] + "\"";
  }
  return out + "}";
}

}  // namespace

void lease_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare(
      "nodes_heartbeat",
      "INSERT INTO nodes (node_id, url, heartbeat_at, draining) VALUES ($1, $2, now(), $3) "
      "ON CONFLICT (node_id) DO UPDATE SET url = EXCLUDED.url, heartbeat_at = now(), "
      "draining = EXCLUDED.draining");
  // Taken when free, expired, or already ours; otherwise untouched.
  conn.prepare("leases_acquire",
               "INSERT INTO session_leases (session_id, node_id, expires_at) "
               "VALUES ($1, $2, now() + $3 * interval '1 millisecond') "
               "ON CONFLICT (session_id) DO UPDATE SET node_id = EXCLUDED.node_id, "
               "expires_at = EXCLUDED.expires_at, acquired_at = CASE WHEN "
               "session_leases.node_id = EXCLUDED.node_id THEN session_leases.acquired_at "
               "ELSE now() END "
               "WHERE session_leases.node_id = EXCLUDED.node_id "
               "OR session_leases.expires_at < now() RETURNING node_id");
  // A draining owner is about to release the session: sending a client
  // there would bounce it back, so it gets no URL ("retry shortly").
  conn.prepare("leases_owner_url",
               "SELECT CASE WHEN n.draining THEN '' ELSE COALESCE(n.url, '') END "
               "FROM session_leases l "
               "LEFT JOIN nodes n ON n.node_id = l.node_id WHERE l.session_id = $1");
  conn.prepare("leases_renew",
               "UPDATE session_leases SET expires_at = now() + $2 * interval '1 millisecond' "
               "WHERE node_id = $1 AND session_id = ANY($3::uuid[])");
  conn.prepare("leases_lost",
               "SELECT s::text FROM unnest($2::uuid[]) AS s WHERE NOT EXISTS ("
               "SELECT 1 FROM session_leases l WHERE l.session_id = s AND l.node_id = $1)");
  conn.prepare("leases_release_others",
               "DELETE FROM session_leases WHERE node_id = $1 "
               "AND NOT (session_id = ANY($2::uuid[]))");
  conn.prepare("leases_release_all", "DELETE FROM session_leases WHERE node_id = $1");
  conn.prepare("nodes_other",
               "SELECT url FROM nodes WHERE node_id <> $1 AND NOT draining "
               "AND heartbeat_at > now() - $2 * interval '1 millisecond' "
               "ORDER BY heartbeat_at DESC LIMIT 1");
}

void lease_repository::heartbeat(pqxx::transaction_base& tx, const std::string& node_id,
                                 const std::string& url, bool draining) {
  tx.exec_prepared0("nodes_heartbeat", node_id, url, draining);
}

std::optional<std::string> lease_repository::acquire(pqxx::transaction_base& tx,
                                                     const std::string& session_id,
                                                     const std::string& node_id,
                                                     std::int64_t lease_ms) {
  const auto taken =
      tx.exec_prepared("leases_acquire", session_id, node_id, static_cast<long long>(lease_ms));
  if (!taken.empty()) {
    return std::nullopt;
  }
  const auto owner = tx.exec_prepared("leases_owner_url", session_id);
  return owner.empty() ? std::string() : owner[0][0].as<std::string>();
}

std::vector<std::string> lease_repository::renew(pqxx::transaction_base& tx,
                                                 const std::string& node_id,
                                                 const std::vector<std::string>& live,
                                                 std::int64_t lease_ms) {
  const auto ids = text_array(live);
  tx.exec_prepared0("leases_renew", node_id, static_cast<long long>(lease_ms), ids);
  tx.exec_prepared0("leases_release_others", node_id, ids);
  std::vector<std::string> lost;
  for (const auto& row : tx.exec_prepared("leases_lost", node_id, ids)) {
    lost.push_back(row[0].as<std::string>());
  }
  return lost;
}

void lease_repository::release_all(pqxx::transaction_base& tx, const std::string& node_id) {
  tx.exec_prepared0("leases_release_all", node_id);
}

std::optional<std::string> lease_repository::other_node(pqxx::transaction_base& tx,
                                                        const std::string& node_id,
                                                        std::int64_t fresh_ms) {
  const auto rows = tx.exec_prepared("nodes_other", node_id, static_cast<long long>(fresh_ms));
  if (rows.empty()) {
    return std::nullopt;
  }
  return rows[0][0].as<std::string>();
}

}  // namespace controlroom::server
