#pragma once

// The network workers as the rest of the server sees them: a fixed number of
// single-threaded executors. Implemented by net/worker_pool (one io_context
// per thread); tests may run everything inline.

#include <cstddef>
#include <functional>
#include <optional>

namespace controlroom::server {

class worker_set {
 public:
  virtual ~worker_set() = default;
  virtual std::size_t size() const = 0;
  /// Runs `fn` on worker `index`'s thread, after what is already queued there
  /// (posts from one thread to one worker keep their order).
  virtual void post(std::size_t index, std::function<void()> fn) = 0;
  /// True when called on worker `index`'s thread.
  virtual bool on_worker(std::size_t index) const = 0;
  /// The worker whose thread calls, if it is one of these.
  virtual std::optional<std::size_t> current() const = 0;
};

}  // namespace controlroom::server
