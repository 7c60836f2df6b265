#pragma once

// The studios table, and the catalogue of sessions in them (the rows, not
// their state: that lives in the session log).

#include <optional>
#include <string>
#include <vector>

#include "domain/records.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

struct studio_record {
  std::string id;
  std::string name;
  std::int64_t created_unix_ms = 0;
};

class studio_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Throws store_exception(conflict) when the name is taken.
  static studio_record create(pqxx::transaction_base& tx, const std::string& name);
  static std::vector<studio_record> list(pqxx::transaction_base& tx);

  /// Sessions, newest first; `studio_id` empty: every studio; `member_id`
  /// set: only the sessions that user is a member of.
  static std::vector<session_record> sessions(pqxx::transaction_base& tx,
                                              const std::string& studio_id,
                                              const std::string& member_id);
};

}  // namespace controlroom::server
