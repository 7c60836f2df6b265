#include "net/socket_bio.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/socket.h>

#include <openssl/bio.h>

namespace controlroom::server {

namespace {

int fd_of(BIO* b) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
}

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

int bio_write(BIO* b, const char* data, int length) {
  BIO_clear_retry_flags(b);
  const auto n = ::send(fd_of(b), data, static_cast<std::size_t>(length), MSG_NOSIGNAL);
  if (n < 0 && would_block(errno)) {
    BIO_set_retry_write(b);
  }
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* into, int length) {
  BIO_clear_retry_flags(b);
  const auto n = ::recv(fd_of(b), into, static_cast<std::size_t>(length), 0);
  if (n == 0 && length > 0) {
    BIO_set_flags(b, BIO_FLAGS_IN_EOF);
  } else if (n < 0 && would_block(errno)) {
    BIO_set_retry_read(b);
  }
  return static_cast<int>(n);
}

int bio_puts(BIO* b, const char* text) {
  int length = 0;
  while (text[length] != '\0') {
    ++length;
  }
  return bio_write(b, text, length);
}

long bio_ctrl(BIO* b, int command, long, void* out) {
  switch (command) {
    case BIO_CTRL_EOF:
      return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_FLUSH:  // nothing is buffered here
    case BIO_CTRL_DUP:
      return 1;
    case BIO_C_GET_FD:
      if (out != nullptr) {
        *static_cast<int*>(out) = fd_of(b);
      }
      return fd_of(b);
    default:
      return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_data(b, reinterpret_cast<void*>(static_cast<std::intptr_t>(-1)));
  BIO_set_init(b, 1);
  return 1;
}

// The descriptor belongs to the caller's socket object: nothing to close.
int bio_destroy(BIO*) {
  return 1;
}

// Made once, on first use, and kept for the process's life (OpenSSL's own
// methods are static too).
BIO_METHOD* method() {
  static BIO_METHOD* const m = [] {
    BIO_METHOD* made =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                     "controlroom socket (MSG_NOSIGNAL)");
    if (made != nullptr) {
      BIO_meth_set_write(made, bio_write);
      BIO_meth_set_read(made, bio_read);
      BIO_meth_set_puts(made, bio_puts);
      BIO_meth_set_ctrl(made, bio_ctrl);
      BIO_meth_set_create(made, bio_create);
      BIO_meth_set_destroy(made, bio_destroy);
    }
    return made;
  }();
  return m;
}

}  // namespace

bio_st* new_socket_bio(int fd) {
  BIO_METHOD* m = method();
  BIO* b = m != nullptr ? BIO_new(m) : nullptr;
  if (b != nullptr) {
    BIO_set_data(b, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  }
  return b;
}

}  // namespace controlroom::server
