#include "store/event_repository.hpp"

#include <pqxx/pqxx>

#include "store/store_error.hpp"

namespace controlroom::server {
namespace {

template <class Message>
Message parse_bytea(const pqxx::field& field, const char* what) {
  const pqxx::binarystring bytes(field);
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw store_exception(store_errc::internal, std::string("corrupt ") + what + " in the log");
  }
  return message;
}

}  // namespace

std::string to_hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char ch : bytes) {
    out += digits[ch >> 4];
    out += digits[ch & 0x0f];
  }
  return out;
}

std::string pg_text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
      }
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

void event_repository::prepare(pqxx::connection_base& conn) {
  // One statement for a whole batch: the arrays are unnested into rows.
  conn.prepare("events_append",
               "INSERT INTO session_events (session_id, version, operation_id, author_id, event) "
               "SELECT s::uuid, v, o, NULLIF(a, '')::uuid, decode(e, 'hex') "
               "FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) "
               "AS t(s, v, o, a, e)");
  conn.prepare("snapshots_insert",
               "INSERT INTO session_snapshots (session_id, version, state) "
               "VALUES ($1, $2, decode($3, 'hex')) ON CONFLICT (session_id, version) DO NOTHING");
  conn.prepare("snapshots_latest",
               "SELECT state FROM session_snapshots WHERE session_id = $1 "
               "ORDER BY version DESC LIMIT 1");
  conn.prepare("events_after",
               "SELECT event FROM session_events WHERE session_id = $1 AND version > $2 "
               "ORDER BY version LIMIT $3");
  conn.prepare("events_operations",
               "SELECT operation_id, version FROM session_events WHERE session_id = $1");
}

void event_repository::append(pqxx::transaction_base& tx, const std::vector<event_row>& rows) {
  std::vector<std::string> sessions, versions, operations, authors, events;
  for (const auto& r : rows) {
    sessions.push_back(r.session_id);
    versions.push_back(std::to_string(r.version));
    operations.push_back(r.operation_id);
    authors.push_back(r.author_user_id);
    events.push_back(to_hex(r.event_bytes));
  }
  tx.exec_prepared0("events_append", pg_text_array(sessions), pg_text_array(versions),
                    pg_text_array(operations), pg_text_array(authors), pg_text_array(events));
}

void event_repository::write_snapshot(pqxx::transaction_base& tx, const std::string& session_id,
                                      const controlroom::v1::SessionState& state) {
  tx.exec_prepared0("snapshots_insert", session_id, static_cast<long long>(state.version()),
                    to_hex(state.SerializeAsString()));
}

stored_session event_repository::load(pqxx::transaction_base& tx, const std::string& session_id) {
  const auto snapshot = tx.exec_prepared("snapshots_latest", session_id);
  if (snapshot.empty()) {
    throw store_exception(store_errc::not_found, "session " + session_id + " has no state");
  }
  stored_session out;
  out.snapshot = parse_bytea<controlroom::v1::SessionState>(snapshot[0][0], "snapshot");
  out.events = events_after(tx, session_id, out.snapshot.version(),
                            std::numeric_limits<std::int32_t>::max());
  for (const auto& row : tx.exec_prepared("events_operations", session_id)) {
    out.operations.emplace(row[0].as<std::string>(), row[1].as<std::uint64_t>());
  }
  return out;
}

std::vector<controlroom::v1::Event> event_repository::events_after(pqxx::transaction_base& tx,
                                                                   const std::string& session_id,
                                                                   std::uint64_t after,
                                                                   std::size_t limit) {
  std::vector<controlroom::v1::Event> out;
  for (const auto& row : tx.exec_prepared("events_after", session_id, static_cast<long long>(after),
                                          static_cast<long long>(limit))) {
    out.push_back(parse_bytea<controlroom::v1::Event>(row[0], "event"));
  }
  return out;
}

}  // namespace controlroom::server
