#include "network_thread.hpp"

#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

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

struct network_thread::timer::state {
  // Shares the io_context so that the timer may be destroyed after the thread.
  std::shared_ptr<network_thread::impl> owner;
  boost::asio::steady_timer timer;
  // An expired wait cannot be cancelled any more (Asio then completes it with
  // success), so each start gets its own flag that cancel() lowers.
  std::shared_ptr<bool> armed;

  explicit state(std::shared_ptr<network_thread::impl> o)
      : owner(std::move(o)), timer(owner->context) {}
};

network_thread::timer::timer(network_thread& thread)
    : state_(std::make_unique<state>(thread.impl_)) {}

network_thread::timer::~timer() {
  cancel();
}

void network_thread::timer::start(std::chrono::milliseconds delay, std::function<void()> task) {
  cancel();
  auto armed = std::make_shared<bool>(true);
  state_->armed = armed;
  state_->timer.expires_after(delay);
  state_->timer.async_wait([armed, task = std::move(task)](boost::system::error_code ec) {
    if (!ec && *armed) {
      *armed = false;
      task();
    }
  });
}

void network_thread::timer::cancel() noexcept {
  if (state_->armed) {
    *state_->armed = false;
    state_->armed.reset();
  }
  state_->timer.cancel();
}

}  // namespace controlroom::detail
