#pragma once

// The sessions and session_members tables.

#include <optional>
#include <string>

#include "domain/records.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

class session_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Inserts the session and its members. Throws store_exception: not_found
  /// for an unknown studio or member user, invalid for a bad title.
  static session_record create(pqxx::transaction_base& tx, const new_session& s);
  static std::optional<session_record> find(pqxx::transaction_base& tx, const std::string& id);
  /// The roles `user_id` holds in the session; empty when not a member.
  static role_set member_roles(pqxx::transaction_base& tx, const std::string& session_id,
                               const std::string& user_id);
};

}  // namespace controlroom::server
