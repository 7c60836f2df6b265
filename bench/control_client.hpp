#pragma once

// One control-plane WebSocket of the load generators: connect (ws:// or
// wss://), Hello, Authenticate, then request/reply during set-up and a plain
// frame reader afterwards. Threading: every call runs on the io_context's one
// thread. Beast and OpenSSL stay in control_client.cpp: this header is
// included by every load generator's source.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "controlroom/v1/control.pb.h"

namespace controlroom::bench {

/// How wss:// connections check the server's certificate.
struct tls_options {
  /// PEM file of the CA certificates to trust (a self-signed server's own
  /// certificate); empty: the system's store.
  std::string ca_file;
  /// No certificate or host name check at all: only for a throwaway local
  /// pair whose certificate the generator was not given.
  bool insecure = false;
};

/// One OpenSSL client context (TLS 1.2 or later, the trust of tls_options),
/// shared by every connection to one address; defined in control_client.cpp.
class tls_client_context;

/// ws[s]://host:port/path, split.
struct server_address {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string path = "/v1/control";
  /// Set for wss:// URLs.
  std::shared_ptr<tls_client_context> tls;
};

/// Splits `url`; a wss:// URL also gets its TLS context. Throws
/// std::runtime_error when `tls.ca_file` cannot be read, or for a scheme
/// other than ws:// and wss://.
server_address parse_ws_url(const std::string& url, const tls_options& tls = {});

class control_client {
 public:
  explicit control_client(boost::asio::io_context& ioc);
  ~control_client();
  control_client(const control_client&) = delete;
  control_client& operator=(const control_client&) = delete;

  /// Connects (and for wss:// completes the TLS handshake: SNI, certificate
  /// and host name checked unless insecure), says Hello and authenticates;
  /// throws on any failure.
  boost::asio::awaitable<void> open(const server_address& address, const std::string& token);

  /// Sends `env` with a fresh request id and returns its reply. Unsolicited
  /// frames read meanwhile (MediaStreams, Presence, media) are skipped.
  boost::asio::awaitable<controlroom::v1::ServerEnvelope> request(
      controlroom::v1::ClientEnvelope env);

  /// Like request(), but throws unless the reply has the wanted body.
  boost::asio::awaitable<controlroom::v1::ServerEnvelope> expect(
      controlroom::v1::ClientEnvelope env, controlroom::v1::ServerEnvelope::BodyCase body,
      const char* what);

  /// One binary frame; open() must have succeeded.
  boost::asio::awaitable<boost::system::error_code> send_bytes(const std::string& bytes);

  /// Reads one frame; an error code instead of an exception, because a
  /// connection closing mid-run is a figure to report, not a crash.
  boost::asio::awaitable<boost::system::error_code> receive(controlroom::v1::ServerEnvelope& env);

  /// The local endpoint of the TCP connection (its address is the one the
  /// media sockets bind to, so the server sees one host per participant).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  boost::asio::ip::tcp::endpoint remote_endpoint() const;

  /// The stream under the WebSocket: plain TCP or TLS over TCP.
  class stream;

 private:
  boost::asio::io_context& ioc_;
  std::unique_ptr<stream> stream_;
  std::uint64_t next_id_ = 0;
};

}  // namespace controlroom::bench
