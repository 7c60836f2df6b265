#pragma once

// How a command fails: a message for people and the process exit status,
// which scripts branch on (documented in `controlroom --help`).

#include <controlroom/errors.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace controlroom::cli {

/// Exit statuses. Scripts rely on them: never renumber.
enum exit_status : int {
  exit_ok = 0,
  exit_failed = 1,     ///< the server refused, the network failed, a file failed
  exit_usage = 2,      ///< bad command line
  exit_auth = 3,       ///< the token does not authenticate, or the role may not do it
  exit_not_found = 4,  ///< no such session, take, user ...
  exit_interrupted = 130,
};

class cli_error : public std::runtime_error {
 public:
  cli_error(std::string message, int status = exit_failed)
      : std::runtime_error(std::move(message)), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

/// The exit status for an SDK error code (controlroom::errc).
int exit_status_for(const std::error_code& ec);

/// Throws cli_error for a failed SDK call, naming `what` was attempted.
[[noreturn]] void fail(const std::string& what, const std::error_code& ec,
                       const std::string& message);

/// Throws cli_error if an SDK call that returns nothing failed.
inline void check(const controlroom::status& st, const std::string& what) {
  if (!st) {
    fail(what, st.error(), st.message());
  }
}

/// The value of an SDK result, or a cli_error naming what failed.
template <class T>
T checked(controlroom::result<T> r, const std::string& what) {
  if (!r) {
    fail(what, r.error(), r.message());
  }
  return std::move(r).value();
}

}  // namespace controlroom::cli
