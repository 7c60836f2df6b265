#include "store/take_file_repository.hpp"

#include <pqxx/pqxx>

namespace controlroom::server {
namespace {

constexpr const char* columns =
    "id, session_id, take_id, song_id, stream_kind, participant_id, COALESCE(user_id::text, ''), "
    "path, channels, start_position, pre_skip, duration_samples, size_bytes, "
    "COALESCE(sha256, ''), healed_gaps, unhealed_gaps, status, "
    "(extract(epoch FROM started_at) * 1000)::bigint, "
    "COALESCE((extract(epoch FROM ended_at) * 1000)::bigint, 0)";

take_file_record from_row(const pqxx::row& r) {
  take_file_record f;
  f.id = r[0].as<std::string>();
  f.session_id = r[1].as<std::string>();
  f.take_id = r[2].as<std::string>();
  f.song_id = r[3].as<std::string>();
  f.stream_kind = r[4].as<std::string>();
  f.participant_id = r[5].as<std::string>();
  f.user_id = r[6].as<std::string>();
  f.path = r[7].as<std::string>();
  f.channels = r[8].as<int>();
  if (!r[9].is_null()) {
    f.start_position = r[9].as<std::int64_t>();
  }
  f.pre_skip = r[10].as<std::uint32_t>();
  f.duration_samples = r[11].as<std::uint64_t>();
  f.size_bytes = r[12].as<std::uint64_t>();
  f.sha256 = r[13].as<std::string>();
  f.healed_gaps = r[14].as<std::uint32_t>();
  f.unhealed_gaps = r[15].as<std::uint32_t>();
  f.status = r[16].as<std::string>();
  f.started_unix_ms = r[17].as<std::int64_t>();
  f.ended_unix_ms = r[18].as<std::int64_t>();
  return f;
}

}  // namespace

void take_file_repository::prepare(pqxx::connection_base& conn) {
  conn.prepare("take_files_insert",
               "INSERT INTO take_files (id, session_id, take_id, song_id, stream_kind, "
               "participant_id, user_id, path, channels) "
               "VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, '')::uuid, $8, $9) "
               "ON CONFLICT (id) DO NOTHING");
  conn.prepare("take_files_finish",
               "INSERT INTO take_files (id, session_id, take_id, song_id, stream_kind, "
               "participant_id, user_id, channels, status, start_position, pre_skip, "
               "duration_samples, size_bytes, sha256, healed_gaps, unhealed_gaps, path, ended_at) "
               "VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, '')::uuid, $8, $9, $10::bigint, $11, "
               "$12, $13, NULLIF($14, ''), $15, $16, $17, now()) "
               "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "
               "start_position = EXCLUDED.start_position, pre_skip = EXCLUDED.pre_skip, "
               "duration_samples = EXCLUDED.duration_samples, size_bytes = EXCLUDED.size_bytes, "
               "sha256 = EXCLUDED.sha256, healed_gaps = EXCLUDED.healed_gaps, "
               "unhealed_gaps = EXCLUDED.unhealed_gaps, path = EXCLUDED.path, ended_at = now() "
               "WHERE take_files.status = 'recording'");
  conn.prepare("take_files_interrupted",
               "UPDATE take_files SET status = 'incomplete', ended_at = now() "
               "WHERE status = 'recording'");
  conn.prepare("take_files_list",
               std::string("SELECT ") + columns +
                   " FROM take_files WHERE session_id = $1 AND status <> 'deleted' "
                   "AND ($2 = '' OR song_id = $2) ORDER BY started_at, stream_kind");
  conn.prepare("take_files_by_id", std::string("SELECT ") + columns +
                                       " FROM take_files WHERE id = $1 AND status <> 'deleted'");
  conn.prepare("take_files_delete",
               "UPDATE take_files SET status = 'deleted', deleted_at = now(), "
               "deleted_by = NULLIF($2, '')::uuid WHERE id = $1");
  conn.prepare("audit_insert",
               "INSERT INTO audit_log (user_id, action, object_type, object_id, detail) "
               "VALUES (NULLIF($1, '')::uuid, $2, $3, $4, $5)");
}

void take_file_repository::create(pqxx::transaction_base& tx, const std::string& id,
                                  const new_take_file& f) {
  tx.exec_prepared0("take_files_insert", id, f.session_id, f.take_id, f.song_id, f.stream_kind,
                    f.participant_id, f.user_id, f.path, f.channels);
}

void take_file_repository::finish(pqxx::transaction_base& tx, const std::string& id,
                                  const new_take_file& f, const take_file_outcome& o) {
  // libpqxx 6 passes a null char pointer as SQL NULL.
  const auto start_text = o.start_position ? std::to_string(*o.start_position) : std::string();
  const char* start = o.start_position ? start_text.c_str() : nullptr;
  tx.exec_prepared0(
      "take_files_finish", id, f.session_id, f.take_id, f.song_id, f.stream_kind, f.participant_id,
      f.user_id, f.channels, o.status, start, static_cast<long long>(o.pre_skip),
      static_cast<long long>(o.duration_samples), static_cast<long long>(o.size_bytes), o.sha256,
      static_cast<long long>(o.healed_gaps), static_cast<long long>(o.unhealed_gaps), o.path);
}

std::size_t take_file_repository::mark_interrupted(pqxx::transaction_base& tx) {
  return tx.exec_prepared0("take_files_interrupted").affected_rows();
}

std::vector<take_file_record> take_file_repository::list(pqxx::transaction_base& tx,
                                                         const std::string& session_id,
                                                         const std::string& song_id) {
  std::vector<take_file_record> out;
  for (const auto& row : tx.exec_prepared("take_files_list", session_id, song_id)) {
    out.push_back(from_row(row));
  }
  return out;
}

std::optional<take_file_record> take_file_repository::find(pqxx::transaction_base& tx,
                                                           const std::string& id) {
  const auto rows = tx.exec_prepared("take_files_by_id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return from_row(rows[0]);
}

void take_file_repository::mark_deleted(pqxx::transaction_base& tx, const std::string& id,
                                        const std::string& user_id) {
  tx.exec_prepared0("take_files_delete", id, user_id);
  tx.exec_prepared0("audit_insert", user_id, std::string("delete"), std::string("take_file"), id,
                    std::string(""));
}

}  // namespace controlroom::server
