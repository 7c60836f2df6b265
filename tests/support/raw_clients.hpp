#pragma once

// Deliberately low-level clients for the tests that must say things the SDK
// never would: garbage frames, text frames, oversize frames, plain HTTP.
// Blocking, with socket timeouts so a missing answer fails instead of hangs.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "controlroom/v1/control.pb.h"

namespace controlroom::testing {

struct http_result {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;  // by lower-case name
};

/// GET (or another method) on 127.0.0.1:port, with extra request headers
/// and a body (sent as application/json unless the headers say otherwise).
http_result http_request(std::uint16_t port, const std::string& target,
                         const std::string& method = "GET", const std::string& bearer = {},
                         const std::map<std::string, std::string>& headers = {},
                         const std::string& body = {});

class raw_ws {
 public:
  explicit raw_ws(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~raw_ws();

  void send_binary(const std::string& bytes);
  void send_text(const std::string& text);
  void send(const controlroom::v1::ClientEnvelope& envelope);

  /// The next message, parsed; nullopt when the connection closed (see
  /// close_code()). Throws on timeout.
  std::optional<controlroom::v1::ServerEnvelope> receive();

  /// The close code the server sent, once receive() returned nullopt.
  int close_code() const;
  /// The close frame's reason text, once receive() returned nullopt.
  std::string close_reason() const;

  /// Hello + Authenticate; returns the Authenticated reply's user name.
  std::string handshake(const std::string& token);

  /// Sends `envelope` with a fresh request id and returns the reply to it;
  /// unsolicited messages that arrive first are kept for next_event().
  controlroom::v1::ServerEnvelope request(controlroom::v1::ClientEnvelope envelope);

  /// The next unsolicited message (request_id 0), waiting for it.
  controlroom::v1::ServerEnvelope next_event();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace controlroom::testing
