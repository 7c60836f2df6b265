#pragma once

// A file on disk whose pages are not in the page cache: written, flushed to
// the device (fsync) and dropped from the cache (POSIX_FADV_DONTNEED), then
// checked with mincore(2), so a test that needs a read to wait for the disk
// knows it will. Write it on a disk-backed file system (the tests' working
// directory, in the build tree): tmpfs keeps every page in memory.

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace controlroom::testing {

/// Writes `bytes` to `path` and evicts it; returns why it could not, or "".
inline std::string write_cold_file(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return "open " + path + ": " + std::strerror(errno);
  }
  std::string why;
  if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
      ::fsync(fd) != 0 || ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
    why = "write, fsync or fadvise " + path + ": " + std::strerror(errno);
  } else if (void* map = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd, 0);
             map == MAP_FAILED) {
    why = "mmap " + path + ": " + std::strerror(errno);
  } else {
    const long page = ::sysconf(_SC_PAGESIZE);
    std::vector<unsigned char> resident((bytes.size() + page - 1) / page);
    if (::mincore(map, bytes.size(), resident.data()) != 0) {
      why = "mincore " + path + ": " + std::strerror(errno);
    } else {
      for (const auto r : resident) {
        if ((r & 1) != 0) {
          why = "the page cache kept " + path + " (a memory file system such as tmpfs?)";
          break;
        }
      }
    }
    ::munmap(map, bytes.size());
  }
  ::close(fd);
  return why;
}

}  // namespace controlroom::testing
