#include "cli_error.hpp"

namespace controlroom::cli {

int exit_status_for(const std::error_code& ec) {
  if (ec == controlroom::errc::unauthenticated || ec == controlroom::errc::forbidden) {
    return exit_auth;
  }
  if (ec == controlroom::errc::not_found) {
    return exit_not_found;
  }
  return exit_failed;
}

void fail(const std::string& what, const std::error_code& ec, const std::string& message) {
  throw cli_error(what + ": " + message, exit_status_for(ec));
}

}  // namespace controlroom::cli
