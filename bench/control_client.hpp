#pragma once

// One control-plane WebSocket of the media load generator: connect, Hello,
// Authenticate, then request/reply during set-up and a plain frame reader
// afterwards. Threading: every call runs on the io_context's one thread.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "controlroom/v1/control.pb.h"

namespace controlroom::bench {

/// ws://host:port/path, split.
struct server_address {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string path = "/v1/control";
};

server_address parse_ws_url(const std::string& url);

class control_client {
 public:
  explicit control_client(boost::asio::io_context& ioc);

  /// Connects, says Hello and authenticates; throws on any failure.
  boost::asio::awaitable<void> open(const server_address& address, const std::string& token);

  /// Sends `env` with a fresh request id and returns its reply. Unsolicited
  /// frames read meanwhile (MediaStreams, Presence, media) are skipped.
  boost::asio::awaitable<controlroom::v1::ServerEnvelope> request(
      controlroom::v1::ClientEnvelope env);

  /// Like request(), but throws unless the reply has the wanted body.
  boost::asio::awaitable<controlroom::v1::ServerEnvelope> expect(
      controlroom::v1::ClientEnvelope env, controlroom::v1::ServerEnvelope::BodyCase body,
      const char* what);

  boost::asio::awaitable<boost::system::error_code> send_bytes(const std::string& bytes);

  /// Reads one frame; an error code instead of an exception, because a
  /// connection closing mid-run is a figure to report, not a crash.
  boost::asio::awaitable<boost::system::error_code> receive(controlroom::v1::ServerEnvelope& env);

  /// The local endpoint of the TCP connection (its address is the one the
  /// media sockets bind to, so the server sees one host per participant).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  boost::asio::ip::tcp::endpoint remote_endpoint() const;

 private:
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::uint64_t next_id_ = 0;
};

}  // namespace controlroom::bench
