#include "server_stream.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "cli_error.hpp"

namespace controlroom::cli {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Runs one asynchronous operation on `io` to its end, or until `timeout`
// passes (zero: no limit); then closes `socket`, which ends the operation,
// and reports asio::error::timed_out. `start(handler)` starts it. Every
// blocking step of a stream goes through here, so a server that stops
// answering cannot hang the command.
template <class Start>
std::size_t run_bounded(asio::io_context& io, tcp::socket& socket,
                        std::chrono::milliseconds timeout, boost::system::error_code& ec,
                        Start start) {
  bool done = false;
  std::size_t bytes = 0;
  start([&](boost::system::error_code e, std::size_t n = 0) {
    done = true;
    ec = e;
    bytes = n;
  });
  io.restart();
  if (timeout.count() > 0) {
    io.run_for(timeout);
  } else {
    io.run();
  }
  if (done) {
    return bytes;
  }
  boost::system::error_code ignored;
  socket.close(ignored);
  io.restart();
  io.run();  // the operation ends (aborted) before its state goes away
  ec = asio::error::timed_out;
  return 0;
}

tcp::socket connect_tcp(asio::io_context& io, const server_address& s) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(s.host, s.port, ec);
  tcp::socket socket(io);
  if (!ec) {
    run_bounded(io, socket, s.io_timeout, ec, [&](auto handler) {
      asio::async_connect(
          socket, results,
          [handler](boost::system::error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
  }
  if (ec == asio::error::timed_out) {
    throw cli_error("cannot reach " + s.http_url() + ": no connection within " +
                    timeout_text(s.io_timeout) + " (--timeout)");
  }
  if (ec) {
    throw cli_error("cannot reach " + s.http_url() + ": " + ec.message());
  }
  return socket;
}

class plain_stream final : public server_stream {
 public:
  explicit plain_stream(const server_address& s)
      : socket_(connect_tcp(io_, s)), timeout_(s.io_timeout) {}

  std::size_t read_into(asio::mutable_buffer into, boost::system::error_code& ec) override {
    return run_bounded(io_, socket_, timeout_, ec,
                       [&](auto handler) { socket_.async_read_some(into, handler); });
  }
  std::size_t write_from(asio::const_buffer from, boost::system::error_code& ec) override {
    return run_bounded(io_, socket_, timeout_, ec,
                       [&](auto handler) { socket_.async_write_some(from, handler); });
  }
  void close() override {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::chrono::milliseconds timeout_;
};

ssl::context make_context(const server_address& s) {
  ssl::context context(ssl::context::tls_client);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (s.trust.insecure) {
    context.set_verify_mode(ssl::verify_none);
    return context;
  }
  context.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (s.trust.ca_file.empty()) {
    context.set_default_verify_paths(ec);
    if (ec) {
      throw cli_error("cannot load the system's certificate authorities: " + ec.message());
    }
  } else {
    context.load_verify_file(s.trust.ca_file, ec);
    if (ec) {
      throw cli_error("cannot load --ca-file " + s.trust.ca_file + ": " + ec.message());
    }
  }
  return context;
}

class tls_stream final : public server_stream {
 public:
  explicit tls_stream(const server_address& s)
      : context_(make_context(s)), stream_(connect_tcp(io_, s), context_), timeout_(s.io_timeout) {
    handshake(s);
  }

  std::size_t read_into(asio::mutable_buffer into, boost::system::error_code& ec) override {
    return run_bounded(io_, stream_.next_layer(), timeout_, ec,
                       [&](auto handler) { stream_.async_read_some(into, handler); });
  }
  std::size_t write_from(asio::const_buffer from, boost::system::error_code& ec) override {
    return run_bounded(io_, stream_.next_layer(), timeout_, ec,
                       [&](auto handler) { stream_.async_write_some(from, handler); });
  }
  void close() override {
    // close_notify, then the socket; a server that already went away (or
    // cut the TCP connection after its reply, or does not answer the
    // close_notify) is not an error here.
    boost::system::error_code ignored;
    const auto shutdown_limit = std::chrono::milliseconds(1000);
    run_bounded(io_, stream_.next_layer(),
                timeout_.count() > 0 ? std::min(timeout_, shutdown_limit) : shutdown_limit, ignored,
                [&](auto handler) { stream_.async_shutdown(handler); });
    stream_.lowest_layer().close(ignored);
  }

 private:
  void handshake(const server_address& s) {
    SSL* handle = stream_.native_handle();
    boost::system::error_code not_ip;
    asio::ip::make_address(s.host, not_ip);
    // RFC 6066: SNI carries host names only, never address literals.
    if (not_ip) {
      SSL_set_tlsext_host_name(handle, s.host.c_str());
    }
    if (!s.trust.insecure) {
      // OpenSSL checks the name during the handshake: subjectAltName DNS
      // entries for a name, IP entries for an address.
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, s.host.c_str(), s.host.size())
                             : X509_VERIFY_PARAM_set1_ip_asc(param, s.host.c_str());
      if (set != 1) {
        throw cli_error("cannot check a certificate for " + s.host);
      }
    }
    boost::system::error_code ec;
    run_bounded(io_, stream_.next_layer(), timeout_, ec,
                [&](auto handler) { stream_.async_handshake(ssl::stream_base::client, handler); });
    if (!ec) {
      return;
    }
    if (ec == asio::error::timed_out) {
      throw cli_error("TLS handshake with " + s.http_url() + ": no answer within " +
                      timeout_text(timeout_) + " (--timeout)");
    }
    const long verdict = SSL_get_verify_result(handle);
    if (!s.trust.insecure && verdict != X509_V_OK) {
      throw cli_error("the certificate of " + s.http_url() +
                      " was refused: " + X509_verify_cert_error_string(verdict) +
                      " (--ca-file names the authority to trust)");
    }
    throw cli_error("TLS handshake with " + s.http_url() + " failed: " + ec.message());
  }

  asio::io_context io_;
  ssl::context context_;
  ssl::stream<tcp::socket> stream_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<server_stream> open_server_stream(const server_address& server) {
  if (server.tls) {
    return std::make_unique<tls_stream>(server);
  }
  return std::make_unique<plain_stream>(server);
}

}  // namespace controlroom::cli
