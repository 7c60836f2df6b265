#pragma once

// A blocking byte stream to the server, plain TCP or TLS, behind one small
// interface: the HTTP client is compiled once against it, and OpenSSL's
// stream stays in server_stream.cpp. It meets Asio's SyncReadStream and
// SyncWriteStream requirements, so Beast's blocking http::read/write take it.
//
// TLS verifies the server's certificate (the system's store, or
// server_address::trust.ca_file) and that it names the URL's host (a DNS
// name, or an IP address as given), unless trust.insecure says not to.
//
// Threading: one thread at a time, like the sockets it wraps.

#include <cstddef>
#include <memory>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include "connection.hpp"

namespace controlroom::cli {

class server_stream {
 public:
  virtual ~server_stream() = default;

  /// Some bytes into `into` (at least one, or an error; end of stream is
  /// boost::asio::error::eof).
  virtual std::size_t read_into(boost::asio::mutable_buffer into,
                                boost::system::error_code& ec) = 0;
  /// Some of `from` (at least one byte, or an error).
  virtual std::size_t write_from(boost::asio::const_buffer from, boost::system::error_code& ec) = 0;
  /// Ends the connection (TLS: close_notify, best effort).
  virtual void close() = 0;

  // Asio's SyncReadStream / SyncWriteStream: the first non-empty buffer of
  // a sequence is read into or written from (a partial transfer, which both
  // concepts allow).
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) {
        return read_into(b, ec);
      }
    }
    ec = {};
    return 0;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::const_buffer b(*it); b.size() > 0) {
        return write_from(b, ec);
      }
    }
    ec = {};
    return 0;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const auto n = read_some(buffers, ec);
    if (ec) {
      throw boost::system::system_error(ec);
    }
    return n;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    const auto n = write_some(buffers, ec);
    if (ec) {
      throw boost::system::system_error(ec);
    }
    return n;
  }
};

/// Connects to `server` (and, for https, completes a verified TLS
/// handshake). Throws cli_error naming the server and saying why when it
/// cannot: unreachable, an unreadable CA file, a refused certificate.
std::unique_ptr<server_stream> open_server_stream(const server_address& server);

}  // namespace controlroom::cli
