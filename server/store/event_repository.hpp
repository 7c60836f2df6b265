#pragma once

// The session_events and session_snapshots tables: the durable log of every
// session. Events and states are stored as serialized protobuf.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "controlroom/v1/state.pb.h"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

/// One event to append, already serialized.
struct event_row {
  std::string session_id;
  std::uint64_t version = 0;
  std::string operation_id;
  std::string author_user_id;  // empty: the server
  std::string event_bytes;     // serialized v1::Event
};

/// A session as stored: the latest snapshot and the events after it.
struct stored_session {
  controlroom::v1::SessionState snapshot;
  std::vector<controlroom::v1::Event> events;                 // version order, after the snapshot
  std::unordered_map<std::string, std::uint64_t> operations;  // every operation id -> version
};

class event_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Appends many events (of any sessions) with one statement.
  static void append(pqxx::transaction_base& tx, const std::vector<event_row>& rows);

  static void write_snapshot(pqxx::transaction_base& tx, const std::string& session_id,
                             const controlroom::v1::SessionState& state);

  /// Throws store_exception(not_found) when the session has no snapshot.
  static stored_session load(pqxx::transaction_base& tx, const std::string& session_id);

  /// Events with version > after, at most `limit`, in order.
  static std::vector<controlroom::v1::Event> events_after(pqxx::transaction_base& tx,
                                                          const std::string& session_id,
                                                          std::uint64_t after, std::size_t limit);
};

/// Hex of arbitrary bytes (for bytea parameters).
std::string to_hex(const std::string& bytes);

/// A PostgreSQL array literal of text elements, quoted and escaped.
std::string pg_text_array(const std::vector<std::string>& items);

}  // namespace controlroom::server
