#pragma once

// An OpenSSL BIO over a connected stream socket: what OpenSSL's own socket
// BIO (SSL_set_fd) does, except that it writes with send(MSG_NOSIGNAL). A
// write to a connection the peer has closed or reset then fails with EPIPE,
// which the caller handles like any other error, instead of raising SIGPIPE,
// whose default action ends the whole process: one client hanging up while
// the server wrote to it must never take the server down.
//
// Like OpenSSL's: a read or write the socket cannot take now (EAGAIN) sets
// the BIO's retry flags, errno is left as the call left it, and a read of
// end of stream sets the BIO's EOF state (BIO_eof), which OpenSSL reads to
// tell a connection cut without close_notify.
//
// Threading: a BIO is used by one thread at a time, like its SSL object.

struct bio_st;

namespace controlroom::server {

/// A new BIO on `fd`, which it does not own: freeing the BIO leaves the
/// descriptor open. nullptr if OpenSSL cannot allocate one.
bio_st* new_socket_bio(int fd);

}  // namespace controlroom::server
