#pragma once

// The client's one network thread. Everything that touches a socket, and
// every SDK callback, runs here.

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace controlroom::detail {

/// An io_context run by one thread, started by the constructor.
///
/// post() and on_this_thread() may be called from any thread; context() is for
/// creating I/O objects that live on this thread.
class network_thread {
 public:
  /// Starts the thread. Throws std::system_error if it cannot.
  network_thread();
  /// Lets the thread finish every task and operation still outstanding, then
  /// joins it. Called on the thread itself (a callback destroying its owner),
  /// it detaches instead: the thread then winds down by itself.
  ~network_thread();

  network_thread(const network_thread&) = delete;
  network_thread& operator=(const network_thread&) = delete;

  /// Queues `task` to run on the thread, after every task queued before it.
  void post(std::function<void()> task);

  /// True when called on the network thread.
  bool on_this_thread() const noexcept { return std::this_thread::get_id() == id_; }

  /// The io_context; it outlives this object until the thread has ended.
  boost::asio::io_context& context() noexcept;

  /// Shares ownership of the io_context: I/O objects that may be destroyed
  /// after this object (and its thread) hold one, as timer does.
  std::shared_ptr<void> context_owner() const noexcept { return impl_; }

  class timer;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
  std::thread thread_;
  std::thread::id id_;
};

/// A one-shot timer on a network thread: runs a task there after a delay
/// unless cancelled first. Create, start, cancel and destroy it on that
/// thread only, or after the thread has ended. An armed timer keeps the
/// thread alive: cancel it before the thread is to wind down.
class network_thread::timer {
 public:
  explicit timer(network_thread& thread);
  /// Cancels: the task does not run.
  ~timer();

  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  /// Runs `task` on the thread after `delay`, replacing (cancelling) any
  /// task started earlier.
  void start(std::chrono::milliseconds delay, std::function<void()> task);
  /// The task started last does not run, even if it is already due.
  void cancel() noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace controlroom::detail
