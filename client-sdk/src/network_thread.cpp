#include "network_thread.hpp"

#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace controlroom::detail {

struct network_thread::impl {
  boost::asio::io_context context{1};
  // Keeps run() going while idle between requests; reset to let it end.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      context.get_executor()};

  void run() noexcept {
    // Every spawned task has its own catch-all; this only keeps the thread
    // serving if a completion handler itself throws.
    for (;;) {
      try {
        context.run();
        return;
      } catch (...) {
      }
    }
  }
};

network_thread::network_thread() : impl_(std::make_shared<impl>()) {
  // The thread shares ownership so that a detached thread keeps its io_context.
  thread_ = std::thread([state = impl_] { state->run(); });
  id_ = thread_.get_id();
}

network_thread::~network_thread() {
  // Through the queue, so that tasks posted before (a graceful close) still run.
  boost::asio::post(impl_->context, [state = impl_] { state->work.reset(); });
  if (on_this_thread()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void network_thread::post(std::function<void()> task) {
  boost::asio::post(impl_->context, std::move(task));
}

boost::asio::io_context& network_thread::context() noexcept {
  return impl_->context;
}

}  // namespace controlroom::detail
