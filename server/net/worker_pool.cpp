#include "net/worker_pool.hpp"

#include <boost/asio/post.hpp>

#include "util/log.hpp"

namespace controlroom::server {

worker_pool::worker_pool(std::size_t count) {
  workers_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>());
  }
}

worker_pool::~worker_pool() {
  stop();
}

void worker_pool::post(std::size_t index, std::function<void()> fn) {
  boost::asio::post(workers_[index]->ioc, std::move(fn));
}

void worker_pool::start() {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto& w = *workers_[i];
    w.thread = std::thread([&w, i] {
      // Handlers catch their own errors; anything escaping is a bug worth
      // logging, and the worker keeps serving its other connections.
      for (;;) {
        try {
          w.ioc.run();
          return;
        } catch (const std::exception& e) {
          log::error(log_subsystem::net, {}, "worker ", i, ": unhandled exception: ", e.what());
        }
      }
    });
  }
}

void worker_pool::stop() {
  for (auto& w : workers_) {
    w->guard.reset();
    w->ioc.stop();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) {
      w->thread.join();
    }
  }
}

}  // namespace controlroom::server
