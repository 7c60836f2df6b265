#pragma once

// The network workers: one io_context per thread, each single-threaded, so
// everything a worker owns (connections, rooms) needs no lock.

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

  boost::asio::io_context& context(std::size_t index) { return workers_[index]->ioc; }

  /// Starts the threads.
  void start();
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
};

}  // namespace controlroom::server
