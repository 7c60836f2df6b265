#pragma once

// The take_files table (recorded audio, one row per stream per take) and the
// audit_log entries its deletions leave.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

struct new_take_file {
  std::string session_id;
  std::string take_id;
  std::string song_id;
  std::string stream_kind;  // "program" or "cue"
  std::string participant_id;
  std::string user_id;
  std::string path;
  int channels = 2;
};

/// What the recorder knows when a file is closed.
struct take_file_outcome {
  std::string status = "complete";  // or "incomplete"
  std::optional<std::int64_t> start_position;
  std::uint32_t pre_skip = 0;
  std::uint64_t duration_samples = 0;
  std::uint64_t size_bytes = 0;
  std::string sha256;
  std::uint32_t healed_gaps = 0;
  std::uint32_t unhealed_gaps = 0;
  std::string path;  // the final path (after the rename)
};

struct take_file_record {
  std::string id;
  std::string session_id;
  std::string take_id;
  std::string song_id;
  std::string stream_kind;
  std::string participant_id;
  std::string user_id;
  std::string path;
  int channels = 2;
  std::optional<std::int64_t> start_position;
  std::uint32_t pre_skip = 0;
  std::uint64_t duration_samples = 0;
  std::uint64_t size_bytes = 0;
  std::string sha256;
  std::uint32_t healed_gaps = 0;
  std::uint32_t unhealed_gaps = 0;
  std::string status;
  std::int64_t started_unix_ms = 0;
  std::int64_t ended_unix_ms = 0;  // 0 while recording
};

class take_file_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Inserts the row (status 'recording') unless it exists. The id is the
  /// recorder's own, so start and finish may reach the database in either
  /// order (they run on different pool threads).
  static void create(pqxx::transaction_base& tx, const std::string& id, const new_take_file& f);
  /// Writes the outcome, inserting the row if the start has not landed yet.
  /// A row already finished is left alone.
  static void finish(pqxx::transaction_base& tx, const std::string& id, const new_take_file& f,
                     const take_file_outcome& outcome);
  /// Marks rows still 'recording' as 'incomplete': their writer died with a
  /// previous process. Returns how many.
  static std::size_t mark_interrupted(pqxx::transaction_base& tx);
  /// The files of a session (optionally one song's), not deleted, in take order.
  static std::vector<take_file_record> list(pqxx::transaction_base& tx,
                                            const std::string& session_id,
                                            const std::string& song_id);
  static std::optional<take_file_record> find(pqxx::transaction_base& tx, const std::string& id);
  /// Marks the file deleted and writes the audit entry.
  static void mark_deleted(pqxx::transaction_base& tx, const std::string& id,
                           const std::string& user_id);
};

}  // namespace controlroom::server
