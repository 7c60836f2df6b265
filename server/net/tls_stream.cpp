#include "net/tls_stream.hpp"

#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/socket_bio.hpp"

namespace controlroom::server {

namespace asio = boost::asio;
using boost::system::error_code;

namespace detail_tls {

namespace {

// Why a call that touched the socket cannot be made: it is closed.
error_code closed_error(bool timed_out) {
  return timed_out ? error_code(boost::beast::error::timeout)
                   : error_code(asio::error::bad_descriptor);
}

// What an OpenSSL I/O call's result means for the operation that made it.
// `saved_errno`: errno right after the call, before anything can touch it.
attempt outcome(ssl_st* ssl, int ret, std::size_t bytes, int saved_errno) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_NONE:
      return {want::done, bytes, {}};
    case SSL_ERROR_WANT_READ:
      return {want::read, 0, {}};
    case SSL_ERROR_WANT_WRITE:
      return {want::write, 0, {}};
    case SSL_ERROR_ZERO_RETURN:  // close_notify: the peer ended the stream cleanly
      return {want::done, 0, asio::error::eof};
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (saved_errno == 0) {  // the TCP stream ended without close_notify
        return {want::done, 0, asio::ssl::error::stream_truncated};
      }
      return {want::done, 0, error_code(saved_errno, boost::system::system_category())};
    default: {
      const auto code = ERR_get_error();
      ERR_clear_error();
      if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return {want::done, 0, asio::ssl::error::stream_truncated};
      }
      return {want::done, 0, error_code(static_cast<int>(code), asio::error::get_ssl_category())};
    }
  }
}

// One OpenSSL call on the stream: `call(bytes)` returns 1 on success (a
// read or write setting `bytes`), else the value SSL_get_error() reads.
// Never on a closed socket: its descriptor's number may belong to another
// connection by now.
template <class Call>
attempt try_call(state& s, Call call) {
  if (!s.socket.is_open()) {
    return {want::done, 0, closed_error(s.timed_out)};
  }
  // SSL_get_error() reads the thread's error queue: it must start empty.
  // (Peeking first: clearing walks every slot of the queue, and the queue
  // is nearly always empty already.)
  if (ERR_peek_error() != 0) {
    ERR_clear_error();
  }
  errno = 0;
  std::size_t bytes = 0;
  const int ret = call(bytes);
  const int saved_errno = errno;
  return ret == 1 ? attempt{want::done, bytes, {}} : outcome(s.ssl, ret, 0, saved_errno);
}

}  // namespace

state::state(asio::ip::tcp::socket s, ssl_ctx_st* ctx)
    : socket(std::move(s)), timer(socket.get_executor()), ssl(SSL_new(ctx)) {
  if (ssl == nullptr) {
    throw std::runtime_error("SSL_new failed: " + std::to_string(ERR_get_error()));
  }
  // OpenSSL reads and writes the descriptor itself, so it must never block,
  // and through our BIO, so that a write to a connection the peer has gone
  // from fails with EPIPE instead of raising SIGPIPE.
  socket.non_blocking(true);
  BIO* bio = new_socket_bio(socket.native_handle());
  if (bio == nullptr) {
    SSL_free(ssl);
    throw std::runtime_error("BIO_new failed: " + std::to_string(ERR_get_error()));
  }
  SSL_set_bio(ssl, bio, bio);
  SSL_set_accept_state(ssl);
  // TLS 1.2 renegotiation is refused (OpenSSL 3 refuses a client's by
  // default; this keeps it so whatever the library's defaults): it lets a
  // client make the server redo a handshake's public-key work at will, and
  // without it a write never has to wait for something to read.
  SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
  // Read whole socket buffers, not a record header then its body: one
  // recv(2) for the records that arrived together.
  SSL_set_read_ahead(ssl, 1);
  // A write may end after some records (the rest is the caller's next
  // write); a retried write's buffer may move (it is gathered again); an
  // idle connection gives its record buffers back (until keep_buffers()).
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                        SSL_MODE_RELEASE_BUFFERS);
}

state::state(asio::ip::tcp::socket s, ssl_st* adopted)
    : socket(std::move(s)), timer(socket.get_executor()), ssl(adopted) {
  socket.non_blocking(true);
}

state::~state() {
  SSL_free(ssl);
}

attempt state::handshake() {
  return try_call(*this, [this](std::size_t&) { return SSL_do_handshake(ssl); });
}

attempt state::read(asio::mutable_buffer into) {
  if (into.size() == 0 && socket.is_open()) {
    return {};
  }
  return try_call(*this, [this, into](std::size_t& n) {
    return SSL_read_ex(ssl, into.data(), into.size(), &n);
  });
}

attempt state::write(asio::const_buffer from) {
  if (owed) {
    const auto r = write_record(asio::buffer(owed_bytes));
    if (r.next != want::done || r.ec) {
      return r;
    }
    owed = false;
  }
  if (from.size() == 0 && socket.is_open()) {
    return {};
  }
  return write_record(from);
}

attempt state::write_record(asio::const_buffer from) {
  const auto r = try_call(*this, [this, from](std::size_t& n) {
    return SSL_write_ex(ssl, from.data(), from.size(), &n);
  });
  write_blocked = r.next != want::done;
  return r;
}

bool state::has_pending_input() const {
  return SSL_has_pending(ssl) == 1;
}

void state::keep_buffers() {
  if (ssl != nullptr) {  // null once released to another stream
    SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  }
}

bool state::keeps_buffers() const {
  return ssl != nullptr && (SSL_get_mode(ssl) & SSL_MODE_RELEASE_BUFFERS) == 0;
}

void finish_owed(const std::shared_ptr<state>& s, want wait_for) {
  // Weak: a stream that is gone closes its socket, and this wait ends.
  s->socket.async_wait(
      wait_for == want::read ? asio::ip::tcp::socket::wait_read : asio::ip::tcp::socket::wait_write,
      [weak = std::weak_ptr<state>(s)](error_code ec) {
        const auto s = weak.lock();
        if (ec || s == nullptr || !s->owed) {
          return;  // closed, gone, or a later write finished it
        }
        const auto r = s->write_record(asio::buffer(s->owed_bytes));
        if (r.ec) {
          s->close();
        } else if (r.next != want::done) {
          finish_owed(s, r.next);
        } else {
          s->owed = false;
        }
      });
}

attempt state::shutdown() {
  // 0: our close_notify is out; the peer's is not awaited.
  return try_call(*this, [this](std::size_t&) {
    const int ret = SSL_shutdown(ssl);
    return ret >= 0 ? 1 : ret;
  });
}

error_code state::wait_failed(error_code ec) const {
  return timed_out ? error_code(boost::beast::error::timeout) : ec;
}

void state::close() {
  error_code ignored;
  socket.close(ignored);
}

}  // namespace detail_tls

tls_stream::tls_stream(asio::ip::tcp::socket socket, ssl_ctx_st* ctx)
    : s_(std::make_shared<detail_tls::state>(std::move(socket), ctx)) {}

void tls_stream::expires_after(std::chrono::steady_clock::duration after) {
  const auto generation = ++s_->deadline_generation;
  s_->timer.expires_after(after);
  s_->timer.async_wait([weak = std::weak_ptr<detail_tls::state>(s_), generation](error_code ec) {
    const auto s = weak.lock();
    if (ec || s == nullptr || s->deadline_generation != generation) {
      return;  // cancelled, moved on, or the stream is gone
    }
    s->timed_out = true;
    s->close();
  });
}

tls_stream::tls_stream(const executor_type& executor, released connection)
    : s_(std::make_shared<detail_tls::state>(
          asio::ip::tcp::socket(executor, connection.protocol_, connection.fd_), connection.ssl_)) {
  connection.fd_ = -1;
  connection.ssl_ = nullptr;
}

tls_stream::released tls_stream::release() {
  expires_never();
  error_code ec;
  const auto endpoint = s_->socket.local_endpoint(ec);
  const auto protocol = ec ? asio::ip::tcp::v4() : endpoint.protocol();
  const int fd = s_->socket.release(ec);
  released out(ec ? -1 : fd, s_->ssl, protocol);
  s_->ssl = nullptr;
  return out;
}

tls_stream::released::released(released&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      protocol_(other.protocol_) {}

tls_stream::released::~released() {
  SSL_free(ssl_);
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

tls_stream::write_now tls_stream::try_write(asio::const_buffer header, asio::const_buffer payload) {
  auto& s = *s_;
  if (s.owed || s.write_blocked || !s.socket.is_open() ||
      header.size() + payload.size() > record_bytes) {
    return write_now::not_now;
  }
  auto& bytes = s.owed_bytes;
  bytes.resize(header.size() + payload.size());
  asio::buffer_copy(asio::buffer(bytes), std::array{header, payload});
  const auto r = s.write_record(asio::buffer(bytes));
  if (r.ec) {
    s.close();
    return write_now::failed;
  }
  if (r.next != detail_tls::want::done) {
    s.owed = true;
    detail_tls::finish_owed(s_, r.next);
    return write_now::finishing;
  }
  return write_now::written;
}

void tls_stream::shutdown_now() {
  s_->shutdown();
}

void tls_stream::expires_never() {
  ++s_->deadline_generation;
  s_->timer.cancel();
}

void beast_close_socket(tls_stream& stream) {
  stream.close();
}

void teardown(boost::beast::role_type, tls_stream& stream, error_code& ec) {
  // Best effort, never blocking: close_notify if the socket takes it now.
  stream.shutdown_now();
  stream.close();
  ec = {};
}

}  // namespace controlroom::server
