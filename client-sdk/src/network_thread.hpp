#pragma once

// The client's one network thread. Everything that touches a socket, and
// every SDK callback, runs here.

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

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
  std::thread thread_;
  std::thread::id id_;
};

}  // namespace controlroom::detail
