#pragma once

// Disk reads for the network workers, which must never wait for a disk: a
// worker serves every connection and every datagram of its sessions, so a
// take download that stalled it on a cold file would stall live audio too.
// A read the page cache can serve is done at once on the worker
// (read_cached: preadv2 with RWF_NOWAIT); one that would wait for the
// device goes to a disk thread (disk_threads::run), and the worker serves
// its other connections meanwhile.
//
// Threading: read_cached() anywhere. run() from a coroutine on a worker:
// the work runs on a disk thread and the coroutine resumes on its own
// executor. Destroy disk_threads before the workers' io_contexts (it joins
// its threads, whose last completions go to those contexts).

#include <cstddef>
#include <optional>
#include <sys/types.h>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace controlroom::server {

/// Reads up to `n` bytes of `fd` at `at` from the page cache only: the
/// bytes read (fewer when only a part is cached; 0 at the end of the file),
/// -errno on an error, or nullopt when the first byte is not cached (or the
/// file system cannot read without waiting).
std::optional<ssize_t> read_cached(int fd, void* into, std::size_t n, off_t at);

/// pread(2) that may wait for the device: the bytes read, or -errno.
ssize_t read_waiting(int fd, void* into, std::size_t n, off_t at);

class disk_threads {
 public:
  explicit disk_threads(std::size_t threads) : pool_(threads) {}
  ~disk_threads() { pool_.join(); }
  disk_threads(const disk_threads&) = delete;
  disk_threads& operator=(const disk_threads&) = delete;

  /// Runs `work()` on a disk thread; the caller resumes with its result on
  /// its own executor.
  template <class Work>
  boost::asio::awaitable<std::invoke_result_t<Work>> run(Work work) {
    co_return co_await boost::asio::co_spawn(pool_, call(std::move(work)),
                                             boost::asio::use_awaitable);
  }

 private:
  // A coroutine that owns `work` in its frame (a lambda coroutine's
  // captures would live in the lambda object, gone before it runs).
  template <class Work>
  static boost::asio::awaitable<std::invoke_result_t<Work>> call(Work work) {
    co_return work();
  }

  boost::asio::thread_pool pool_;
};

}  // namespace controlroom::server
