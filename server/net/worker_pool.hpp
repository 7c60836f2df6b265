#pragma once

// The network workers: one io_context per thread, each single-threaded, so
// everything a worker owns (connections, rooms) needs no lock. With a
// realtime priority they run under SCHED_FIFO (util/realtime.hpp).

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "app/worker_set.hpp"

namespace controlroom::server {

class worker_pool final : public worker_set {
 public:
  explicit worker_pool(std::size_t count);
  ~worker_pool() override;

  std::size_t size() const override { return workers_.size(); }
  void post(std::size_t index, std::function<void()> fn) override;
  bool on_worker(std::size_t index) const override {
    return workers_[index]->ioc.get_executor().running_in_this_thread();
  }
  std::optional<std::size_t> current() const override;

  boost::asio::io_context& context(std::size_t index) { return workers_[index]->ioc; }

  /// Starts the threads; with `realtime_priority` (1..99) puts each under
  /// SCHED_FIFO at that priority before it serves anything. Where the
  /// system refuses, the worker runs normally scheduled and the reason is
  /// logged as a warning.
  void start(unsigned realtime_priority = 0);
  /// Workers running under SCHED_FIFO.
  std::size_t realtime_workers() const { return realtime_workers_; }
  /// Stops every io_context (pending handlers are dropped) and joins.
  void stop();

 private:
  struct worker {
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
        ioc.get_executor()};
    std::thread thread;
  };
  std::vector<std::unique_ptr<worker>> workers_;
  std::size_t realtime_workers_ = 0;  // written by start(), before anything reads it
};

}  // namespace controlroom::server
