#include "controlroom/errors.hpp"

#include <string>

namespace controlroom {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "controlroom"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::malformed:
        return "malformed request";
      case errc::unsupported_version:
        return "no common protocol version";
      case errc::unauthenticated:
        return "not authenticated";
      case errc::forbidden:
        return "forbidden";
      case errc::not_found:
        return "not found";
      case errc::failed_precondition:
        return "failed precondition";
      case errc::too_large:
        return "too large";
      case errc::rate_limited:
        return "rate limited";
      case errc::unavailable:
        return "server unavailable";
      case errc::internal:
        return "internal server error";
      case errc::stale_version:
        return "stale session version";
      case errc::moved:
        return "the session is on another node";
      case errc::invalid_url:
        return "invalid URL";
      case errc::connection_failed:
        return "connection failed";
      case errc::handshake_failed:
        return "WebSocket handshake failed";
      case errc::disconnected:
        return "disconnected";
      case errc::timeout:
        return "timed out";
      case errc::protocol_error:
        return "protocol error";
      case errc::wrong_thread:
        return "blocking call from the SDK's callback thread";
      case errc::not_connected:
        return "not connected";
      case errc::not_joined:
        return "not in a session";
    }
    return "unknown controlroom error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace controlroom
