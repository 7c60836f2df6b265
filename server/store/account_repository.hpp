#pragma once

// Administration of users and their API tokens, for the admin HTTP API:
// listing, disabling, deleting, issuing and revoking by id. Authentication
// itself stays in token_repository.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/records.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

struct account_record {
  user_record user;
  bool disabled = false;
  bool guest = false;
  std::int64_t created_unix_ms = 0;
};

/// A token as its owner and admins see it: never its secret.
struct token_record {
  std::string id;
  std::string user_id;
  std::string label;
  std::int64_t created_unix_ms = 0;
  std::int64_t expires_unix_ms = 0;    // 0: never
  std::int64_t last_used_unix_ms = 0;  // 0: never used
  bool revoked = false;
};

class account_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Throws store_exception(conflict) when the name is taken.
  static account_record create(pqxx::transaction_base& tx, const std::string& name, bool admin,
                               bool guest);
  static std::vector<account_record> list(pqxx::transaction_base& tx);
  static std::optional<account_record> find(pqxx::transaction_base& tx, const std::string& id);
  /// Disables the user and revokes every token of theirs; false when unknown.
  static bool disable(pqxx::transaction_base& tx, const std::string& id);
  /// Deletes the user with their tokens and memberships; what they authored
  /// stays, without an author. False when unknown.
  static bool remove(pqxx::transaction_base& tx, const std::string& id);

  /// Issues a token; `expires_unix_ms` 0 never expires. Returns the record
  /// and the clear text, which is never stored.
  static std::pair<token_record, std::string> issue_token(pqxx::transaction_base& tx,
                                                          const std::string& user_id,
                                                          const std::string& label,
                                                          std::chrono::seconds lifetime);
  static std::vector<token_record> tokens(pqxx::transaction_base& tx, const std::string& user_id);
  static std::optional<token_record> find_token(pqxx::transaction_base& tx, const std::string& id);
  /// The record of a token given in clear (the one a request came with).
  static std::optional<token_record> token_by_secret(pqxx::transaction_base& tx,
                                                     const std::string& token);
  static bool revoke_token(pqxx::transaction_base& tx, const std::string& id);
};

}  // namespace controlroom::server
