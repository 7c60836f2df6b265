#include "net/disk_reads.hpp"

#include <cerrno>
#include <sys/uio.h>
#include <unistd.h>

namespace controlroom::server {

std::optional<ssize_t> read_cached(int fd, void* into, std::size_t n, off_t at) {
  iovec piece{into, n};
  for (;;) {
    const auto got = ::preadv2(fd, &piece, 1, at, RWF_NOWAIT);
    if (got >= 0) {
      return got;
    }
    if (errno == EINTR) {
      continue;
    }
    // EAGAIN: not in the page cache; EOPNOTSUPP: a file system (or kernel)
    // that cannot tell without waiting.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EOPNOTSUPP) {
      return std::nullopt;
    }
    return -errno;
  }
}

ssize_t read_waiting(int fd, void* into, std::size_t n, off_t at) {
  for (;;) {
    const auto got = ::pread(fd, into, n, at);
    if (got >= 0) {
      return got;
    }
    if (errno != EINTR) {
      return -errno;
    }
  }
}

}  // namespace controlroom::server
