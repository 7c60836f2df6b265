#pragma once

// Domain errors of the store: what a caller can act on, with libpqxx's
// exceptions already translated (see db_pool.cpp).

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace controlroom::server {

enum class store_errc {
  unavailable,  // cannot reach the database, or the job queue is full
  not_found,
  conflict,  // a uniqueness or foreign-key rule refused the change
  invalid,   // the database refused a value (check constraint, bad input)
  internal,
};

struct store_error {
  store_errc code = store_errc::internal;
  std::string message;
  bool connection_lost = false;  // the connection broke before the work committed
};

/// Thrown by repository code for a domain failure; caught by the pool.
class store_exception : public std::runtime_error {
 public:
  store_exception(store_errc code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  store_errc code() const noexcept { return code_; }

 private:
  store_errc code_;
};

/// The outcome of a database job: a value or a store_error.
template <class T>
class store_result {
 public:
  store_result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  store_result(store_error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return value_.has_value(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  const store_error& error() const { return error_; }

 private:
  std::optional<T> value_;
  store_error error_;
};

}  // namespace controlroom::server
