#pragma once

// Operation ids for intents: unique per client object, so that the server's
// exactly-once check never mistakes two changes for one, and stable across
// reconnects, so that a re-sent intent is recognised as the same change.

#include <cstdint>
#include <string>

namespace controlroom::detail {

/// "<client id as 16 hex digits>-<counter>", e.g. "9f2c0a7e11d3b845-17":
/// 18..37 bytes, within the protocol's 1..100. One thread at a time.
class operation_ids {
 public:
  /// Ids under `client_id`; give each client object its own random one.
  explicit operation_ids(std::uint64_t client_id) : client_id_(client_id) {}

  /// A fresh id: the counter starts at 1 and never repeats.
  std::string next();

  /// 64 bits from std::random_device: two clients (of one user, in one
  /// session) colliding is as likely as guessing a 64-bit key.
  static std::uint64_t random_client_id();

 private:
  std::uint64_t client_id_;
  std::uint64_t counter_ = 0;
};

}  // namespace controlroom::detail
