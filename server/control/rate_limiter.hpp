#pragma once

// A token bucket for the requests of one connection: `rate_per_second`
// tokens flow in, at most `burst` are held, each request takes one. It also
// counts how many requests in a row it refused, so the caller can tell a
// client that backs off from one that keeps flooding.
//
// Pure: the caller passes the time. Not thread-safe (one per connection, on
// its thread).

#include <chrono>
#include <cstdint>

namespace controlroom::server {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  struct decision {
    bool allowed = true;
    /// When refused: how long until a request would be allowed again.
    std::chrono::milliseconds retry_after{0};
    /// Requests refused in a row, this one included (0 when allowed).
    std::uint32_t consecutive_refusals = 0;
  };

  /// `rate_per_second` 0: no limit (every request is allowed). The bucket
  /// starts full. Precondition: burst >= 1 when rate_per_second > 0.
  rate_limiter(double rate_per_second, double burst, clock::time_point now);

  /// Takes one token if there is one.
  decision take(clock::time_point now);

  /// Tokens held now (after the refill up to `now`), for tests and logs.
  double tokens(clock::time_point now);

 private:
  void refill(clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
  std::uint32_t refusals_ = 0;
};

}  // namespace controlroom::server
