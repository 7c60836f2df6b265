#include "net/worker_pool.hpp"

#include <latch>

#include <boost/asio/post.hpp>

#include "util/log.hpp"
#include "util/realtime.hpp"

namespace controlroom::server {

namespace {

// Which pool's worker this thread is (tests run several servers, and so
// several pools, in one process).
struct worker_identity {
  const worker_pool* pool = nullptr;
  std::size_t index = 0;
};
thread_local worker_identity this_worker;

}  // namespace

worker_pool::worker_pool(std::size_t count) {
  workers_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>());
  }
}

worker_pool::~worker_pool() {
  stop();
}

std::optional<std::size_t> worker_pool::current() const {
  if (this_worker.pool != this) {
    return std::nullopt;
  }
  return this_worker.index;
}

void worker_pool::post(std::size_t index, std::function<void()> fn) {
  boost::asio::post(workers_[index]->ioc, std::move(fn));
}

void worker_pool::start(unsigned realtime_priority) {
  bool warned = false;
  // Each thread waits until its scheduling is set: nothing a worker serves
  // is ever served at the wrong priority.
  auto scheduled = std::make_shared<std::latch>(1);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto& w = *workers_[i];
    w.thread = std::thread([this, &w, i, scheduled] {
      this_worker = {this, i};
      scheduled->wait();
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
    if (realtime_priority == 0) {
      continue;
    }
    if (auto why = make_realtime(w.thread, static_cast<int>(realtime_priority)); why.empty()) {
      ++realtime_workers_;
    } else if (!warned) {
      warned = true;  // the same reason for every worker: said once
      log::warn(log_subsystem::net, {}, "realtime_priority ", realtime_priority,
                ": the network workers stay normally scheduled: ", why);
    }
  }
  scheduled->count_down();
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
