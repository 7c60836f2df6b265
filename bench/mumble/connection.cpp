#include "connection.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace controlroom::bench::mumble {

ssl_ctx_st* make_client_tls_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    throw std::runtime_error("SSL_CTX_new failed");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

connection::~connection() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool connection::wait(short events, clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  if (left <= 0) {
    return false;
  }
  pollfd p{fd_, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) > 0;
}

void connection::open(ssl_ctx_st* tls, const std::string& host, std::uint16_t port,
                      clock::time_point deadline) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    throw std::invalid_argument("the Mumble host must be an IPv4 address: " + host);
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS) {
    throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
  }
  if (!wait(POLLOUT, deadline)) {
    throw std::runtime_error("connect timed out");
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    throw std::runtime_error("connect: " + std::string(std::strerror(err)));
  }
  ssl_ = SSL_new(tls);
  SSL_set_fd(ssl_, fd_);
  for (;;) {
    const int r = SSL_connect(ssl_);
    if (r == 1) {
      return;
    }
    const int e = SSL_get_error(ssl_, r);
    if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
        !wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
      char text[256] = "timed out";
      if (const auto code = ERR_get_error(); code != 0) {
        ERR_error_string_n(code, text, sizeof text);
      }
      throw std::runtime_error(std::string("TLS handshake: ") + text);
    }
  }
}

bool connection::send(message_type type, std::string_view body) {
  append_frame(out_, type, body);
  return flush();
}

bool connection::flush() {
  while (!out_.empty() && !closed_) {
    const int r = SSL_write(ssl_, out_.data(), static_cast<int>(out_.size()));
    if (r > 0) {
      out_.erase(0, static_cast<std::size_t>(r));
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
      return true;
    }
    closed_ = true;
  }
  return !closed_;
}

void connection::parse(const on_message& f) {
  for (;;) {
    const std::string_view view(in_.data() + in_start_, in_.size() - in_start_);
    if (view.size() < frame_header_size) {
      break;
    }
    const auto u = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<std::uint8_t>(view[i]));
    };
    const auto type = static_cast<message_type>((u(0) << 8) | u(1));
    const std::size_t len = (u(2) << 24) | (u(3) << 16) | (u(4) << 8) | u(5);
    if (len > max_message_size) {
      closed_ = true;
      return;
    }
    if (view.size() < frame_header_size + len) {
      break;
    }
    in_start_ += frame_header_size + len;
    f(type, view.substr(frame_header_size, len));
  }
  if (in_start_ == in_.size()) {
    in_.clear();
    in_start_ = 0;
  } else if (in_start_ > (64u << 10)) {
    in_.erase(0, in_start_);
    in_start_ = 0;
  }
}

bool connection::pump(const on_message& f) {
  char buf[16384];
  while (!closed_) {
    const int r = SSL_read(ssl_, buf, sizeof buf);
    if (r > 0) {
      bytes_read_ += static_cast<std::uint64_t>(r);
      in_.append(buf, static_cast<std::size_t>(r));
      parse(f);
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      break;
    }
    closed_ = true;
  }
  return !closed_;
}

bool connection::pump_until(const on_message& f, const std::function<bool()>& done,
                            clock::time_point deadline) {
  while (!done()) {
    if (!flush() || !pump(f)) {
      return false;
    }
    if (done()) {
      return true;
    }
    if (!wait(static_cast<short>(POLLIN | (wants_write() ? POLLOUT : 0)), deadline)) {
      return false;
    }
  }
  return true;
}

}  // namespace controlroom::bench::mumble
