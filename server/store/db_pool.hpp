#pragma once

// The database thread pool. libpqxx blocks, so every query runs here, never
// on a network worker. Each thread owns one pqxx::connection_base, opened lazily
// and reopened after a failure; jobs wait in one bounded queue.
//
// Threading: submit()/run() may be called from any thread. Jobs and their
// completions run on a pool thread; a caller that needs its own thread posts
// from the completion (see control/services.hpp).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/store_error.hpp"

namespace pqxx {
class connection_base;
}

namespace controlroom::server {

struct server_metrics;

class db_pool {
 public:
  /// Prepares statements on each new connection.
  using prepare_fn = std::function<void(pqxx::connection_base&)>;

  db_pool(std::string url, unsigned threads, std::size_t queue_limit, prepare_fn prepare,
          server_metrics* metrics = nullptr);
  ~db_pool();
  db_pool(const db_pool&) = delete;
  db_pool& operator=(const db_pool&) = delete;

  /// Runs `work(connection)` on a pool thread, then `done(result)` on the same
  /// thread. Exceptions from `work` become store_errors. If the queue is full
  /// or the pool stopped, `done` runs at once on the caller's thread with
  /// store_errc::unavailable.
  template <class Work, class Done>
  void run(Work work, Done done) {
    using value_type = std::invoke_result_t<Work, pqxx::connection_base&>;
    auto shared_done = std::make_shared<Done>(std::move(done));
    // Returns false, without calling done, to ask for one more try on a
    // fresh connection: a connection found dead (the database restarted)
    // broke before anything committed, so running the work again is safe.
    const bool queued =
        enqueue([work = std::move(work), shared_done](pqxx::connection_base* conn,
                                                      const store_error* failed, bool may_retry) {
          if (failed != nullptr) {
            (*shared_done)(store_result<value_type>(*failed));
            return true;
          }
          store_error error;
          if constexpr (std::is_void_v<value_type>) {
            if (guarded(
                    *conn, [&] { work(*conn); }, error)) {
              (*shared_done)(store_result<bool>(true));
              return true;
            }
            if (may_retry && error.connection_lost) {
              return false;
            }
            (*shared_done)(store_result<bool>(error));
          } else {
            std::optional<value_type> value;
            if (guarded(
                    *conn, [&] { value.emplace(work(*conn)); }, error)) {
              (*shared_done)(store_result<value_type>(std::move(*value)));
              return true;
            }
            if (may_retry && error.connection_lost) {
              return false;
            }
            (*shared_done)(store_result<value_type>(error));
          }
          return true;
        });
    if (!queued) {
      using reported = std::conditional_t<std::is_void_v<value_type>, bool, value_type>;
      (*shared_done)(store_result<reported>(
          store_error{store_errc::unavailable, "the database queue is full or stopped"}));
    }
  }

  /// Stops taking jobs, finishes the queued ones, joins the threads.
  void stop();

  std::size_t queue_depth() const;
  std::size_t queue_limit() const noexcept { return queue_limit_; }
  unsigned busy_threads() const;

 private:
  // A job receives its connection, or nullptr plus the reason none could be
  // opened, and whether it may ask for a retry; it returns false to ask.
  using job = std::function<bool(pqxx::connection_base*, const store_error*, bool may_retry)>;

  bool enqueue(job j);
  void thread_main();
  // Runs fn, translating exceptions into `error`; drops the connection when
  // it broke. Returns true on success.
  static bool guarded(pqxx::connection_base& conn, const std::function<void()>& fn,
                      store_error& error);

  const std::string url_;
  const std::size_t queue_limit_;
  const prepare_fn prepare_;
  server_metrics* const metrics_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<job, std::chrono::steady_clock::time_point>> queue_;
  bool stopping_ = false;
  unsigned busy_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace controlroom::server
