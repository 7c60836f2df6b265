#pragma once

// The invites table: codes that let their holder join one session in one
// role, a bounded number of times, until they expire or are revoked. The
// code is shown once, when created; the table keeps only its SHA-256.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/role.hpp"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

struct invite_record {
  std::string id;
  std::string session_id;
  role invited_as = role::listener;
  std::string label;
  int max_uses = 1;
  int uses = 0;
  std::int64_t expires_unix_ms = 0;
  bool revoked = false;
  std::string created_by;  // user id; empty once that user is gone
  std::int64_t created_unix_ms = 0;
};

struct new_invite {
  std::string session_id;
  role invited_as = role::listener;
  std::string label;
  int max_uses = 1;
  std::chrono::seconds lifetime{0};
  std::string created_by;
};

/// Why a code did not redeem. Distinguished so that a person holding a dead
/// link learns whether to ask for a new one.
enum class invite_refusal { unknown, expired, used_up, revoked };

class invite_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Creates an invite; returns it and its clear-text code ("cri_" + 256
  /// random bits, base64url).
  static std::pair<invite_record, std::string> create(pqxx::transaction_base& tx,
                                                      const new_invite& invite);
  static std::vector<invite_record> list(pqxx::transaction_base& tx, const std::string& session_id);
  static std::optional<invite_record> find(pqxx::transaction_base& tx, const std::string& id);
  /// Revokes an invite (idempotent); false when there is no such invite.
  static bool revoke(pqxx::transaction_base& tx, const std::string& id);

  /// Uses the code once if it is live: one UPDATE whose WHERE clause holds
  /// every rule, so concurrent redeemers serialize on the row lock and
  /// never exceed max_uses. nullopt when it is not live; then `why` says
  /// why, and nothing changed.
  static std::optional<invite_record> use(pqxx::transaction_base& tx, const std::string& code,
                                          invite_refusal& why);

  /// Makes `user_id` a member of the session with `r` added to any roles
  /// they hold there already.
  static void admit(pqxx::transaction_base& tx, const std::string& session_id,
                    const std::string& user_id, role r);
};

}  // namespace controlroom::server
