#pragma once

/// @file
/// Error codes and the result types every blocking SDK call returns.
///
/// The SDK reports failures as values, never as exceptions: a call returns a
/// `result<T>` (a value or an error) or a `status` (nothing or an error). The
/// error is a `std::error_code` in the "controlroom" category plus a message
/// meant for logs and people (the server's own words when the server refused).

#include <cassert>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace controlroom {

/// What went wrong.
///
/// Values 1..12 mirror the server's `controlroom.v1.ErrorCode` number for
/// number: the call reached the server and the server refused it. Values from
/// 100 up are raised by the SDK itself.
enum class errc {
  malformed = 1,        ///< server: the request or one of its fields is invalid
  unsupported_version,  ///< server: no protocol version in common
  unauthenticated,      ///< server: missing, unknown, expired or revoked token
  forbidden,            ///< server: authenticated, but the roles do not allow it
  not_found,            ///< server: unknown session, user, ...
  failed_precondition,  ///< server: wrong order, not a member, ...
  too_large,            ///< server (or SDK, before sending): over a size limit
  rate_limited,         ///< server: too many requests; slow down
  unavailable,          ///< server: database unreachable or draining; retry later
  internal,             ///< server: a bug or an unexpected failure on the server
  stale_version,        ///< server: the state changed since the version an intent named
  moved,                ///< server: the session is live on another node (see the message)

  invalid_url = 100,  ///< client_config::url cannot be used
  connection_failed,  ///< name resolution or TCP connect failed
  handshake_failed,   ///< the WebSocket upgrade was refused or broken
  disconnected,       ///< the connection dropped (or was closed) during the call
  timeout,            ///< no answer within the configured timeout
  protocol_error,     ///< the server sent something unparseable or unexpected
  wrong_thread,       ///< a blocking call was made from an SDK callback
  not_connected,      ///< the call needs a connected client; call connect() first
  not_joined,         ///< the call needs a joined session; call join() first
};

}  // namespace controlroom

// Declared before anything converts an errc, so every conversion sees it.
template <>
struct std::is_error_code_enum<controlroom::errc> : std::true_type {};

namespace controlroom {

/// The "controlroom" error category. Thread-safe; the object lives forever.
const std::error_category& error_category() noexcept;

/// Wraps `e` in a `std::error_code` of the controlroom category.
/// Found by argument-dependent lookup, so `std::error_code ec = errc::timeout;` works.
std::error_code make_error_code(errc e) noexcept;

/// Either a `T` or an error (code and message).
///
/// Not thread-safe by itself: like any value, share it between threads only
/// with your own synchronization.
template <class T>
class [[nodiscard]] result {
 public:
  /// A successful result holding `value`.
  result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

  /// A failed result. Precondition: `ec` is an error (non-zero).
  /// An empty `message` is replaced by `ec.message()`.
  result(std::error_code ec, std::string message = {})  // NOLINT(google-explicit-constructor)
      : error_(ec), message_(message.empty() ? ec.message() : std::move(message)) {
    assert(ec && "a failed result needs an error code");
  }

  /// A failed result; see the `std::error_code` overload.
  result(errc e, std::string message = {})  // NOLINT(google-explicit-constructor)
      : result(make_error_code(e), std::move(message)) {}

  /// True when the result holds a value.
  bool ok() const noexcept { return value_.has_value(); }
  /// Same as ok().
  explicit operator bool() const noexcept { return ok(); }

  /// The value. Throws `std::system_error` (carrying error() and message()) if !ok().
  T& value() & {
    check();
    return *value_;
  }
  /// The value. Throws `std::system_error` (carrying error() and message()) if !ok().
  const T& value() const& {
    check();
    return *value_;
  }
  /// The value, moved out. Throws `std::system_error` if !ok().
  T&& value() && {
    check();
    return std::move(*value_);
  }

  /// The error; a default (zero) `std::error_code` when ok().
  const std::error_code& error() const noexcept { return error_; }
  /// What went wrong, for logs and people; empty when ok().
  const std::string& message() const noexcept { return message_; }

 private:
  void check() const {
    if (!value_)
      throw std::system_error(error_, message_);
  }

  std::optional<T> value_;
  std::error_code error_;
  std::string message_;
};

/// Success (nothing to return) or an error: what `result<void>` would be.
template <>
class [[nodiscard]] result<void> {
 public:
  /// Success.
  result() = default;

  /// A failure. A zero `ec` means success (and the message is dropped), so a
  /// status can be built straight from an I/O error code. An empty `message`
  /// is replaced by `ec.message()`.
  result(std::error_code ec, std::string message = {})  // NOLINT(google-explicit-constructor)
      : error_(ec) {
    if (ec)
      message_ = message.empty() ? ec.message() : std::move(message);
  }

  /// A failure; see the `std::error_code` overload.
  result(errc e, std::string message = {})  // NOLINT(google-explicit-constructor)
      : result(make_error_code(e), std::move(message)) {}

  /// True when there is no error.
  bool ok() const noexcept { return !error_; }
  /// Same as ok().
  explicit operator bool() const noexcept { return ok(); }

  /// The error; a default (zero) `std::error_code` when ok().
  const std::error_code& error() const noexcept { return error_; }
  /// What went wrong, for logs and people; empty when ok().
  const std::string& message() const noexcept { return message_; }

 private:
  std::error_code error_;
  std::string message_;
};

/// The outcome of a call that returns nothing.
using status = result<void>;

}  // namespace controlroom
