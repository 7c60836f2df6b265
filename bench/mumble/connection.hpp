#pragma once

// One Mumble control connection: TLS over TCP (OpenSSL), framed messages
// (wire.hpp). The socket is non-blocking; set-up calls (open, read_one)
// wait with poll() and a deadline, and the event loop afterwards calls
// pump() when epoll says the socket is readable and flush() when a write
// is pending.
//
// Threading: one thread at a time (OpenSSL's SSL objects are not shared).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "wire.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace controlroom::bench::mumble {

/// A client TLS context that accepts the server's self-signed certificate
/// (a throwaway local server: there is nothing to verify it against).
ssl_ctx_st* make_client_tls_context();

class connection {
 public:
  using clock = std::chrono::steady_clock;
  using on_message = std::function<void(message_type, std::string_view)>;

  connection() = default;
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects and completes the TLS handshake; throws on failure.
  void open(ssl_ctx_st* tls, const std::string& host, std::uint16_t port,
            clock::time_point deadline);

  /// Queues one framed message and writes what the socket takes now.
  bool send(message_type type, std::string_view body);
  /// Writes queued bytes; false on a broken connection.
  bool flush();
  bool wants_write() const noexcept { return !out_.empty(); }
  std::size_t queued_bytes() const noexcept { return out_.size(); }

  /// Reads everything available and calls `f` for each whole message;
  /// false when the connection closed or failed.
  bool pump(const on_message& f);

  /// Waits (poll) until at least one whole message has been handled or the
  /// deadline passes; false on close, failure or timeout.
  bool pump_until(const on_message& f, const std::function<bool()>& done,
                  clock::time_point deadline);

  int fd() const noexcept { return fd_; }
  bool closed() const noexcept { return closed_; }
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  bool wait(short events, clock::time_point deadline);
  void parse(const on_message& f);

  int fd_ = -1;
  ssl_st* ssl_ = nullptr;
  std::string in_;
  std::size_t in_start_ = 0;
  std::string out_;
  bool closed_ = false;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace controlroom::bench::mumble
