#pragma once

// The api_tokens table. A token is shown to its owner once, when issued;
// the table keeps only its SHA-256.

#include <chrono>
#include <optional>
#include <string>

#include "domain/records.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

class token_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Issues a new token for `user_id` and returns its clear text.
  /// `lifetime` zero means it never expires.
  static std::string issue(pqxx::transaction_base& tx, const std::string& user_id,
                           const std::string& label,
                           std::chrono::seconds lifetime = std::chrono::seconds::zero());

  /// The user a live (not revoked, not expired) token belongs to, recording
  /// its use; nullopt for anything else.
  static std::optional<user_record> authenticate(pqxx::transaction_base& tx,
                                                 const std::string& token);

  /// Revokes a token by its clear text. Returns false when it was unknown.
  static bool revoke(pqxx::transaction_base& tx, const std::string& token);
};

}  // namespace controlroom::server
