#include "store/db_pool.hpp"

#include <pqxx/pqxx>

#include "metrics/server_metrics.hpp"
#include "util/log.hpp"

namespace controlroom::server {

db_pool::db_pool(std::string url, unsigned threads, std::size_t queue_limit, prepare_fn prepare,
                 server_metrics* metrics)
    : url_(std::move(url)),
      queue_limit_(queue_limit),
      prepare_(std::move(prepare)),
      metrics_(metrics) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { thread_main(); });
  }
}

db_pool::~db_pool() {
  stop();
}

void db_pool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

bool db_pool::enqueue(job j) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      return false;
    }
    queue_.emplace_back(std::move(j), std::chrono::steady_clock::now());
  }
  wake_.notify_one();
  return true;
}

std::size_t db_pool::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

unsigned db_pool::busy_threads() const {
  std::lock_guard lock(mutex_);
  return busy_;
}

bool db_pool::guarded(pqxx::connection_base& conn, const std::function<void()>& fn,
                      store_error& error) {
  try {
    fn();
    return true;
  } catch (const store_exception& e) {
    error = {e.code(), e.what()};
  } catch (const pqxx::broken_connection& e) {
    error = {store_errc::unavailable, std::string("lost the database connection: ") + e.what(),
             true};
  } catch (const pqxx::unique_violation& e) {
    error = {store_errc::conflict, e.what()};
  } catch (const pqxx::foreign_key_violation& e) {
    error = {store_errc::not_found, e.what()};
  } catch (const pqxx::check_violation& e) {
    error = {store_errc::invalid, e.what()};
  } catch (const pqxx::data_exception& e) {
    error = {store_errc::invalid, e.what()};
  } catch (const pqxx::in_doubt_error& e) {
    error = {store_errc::unavailable, std::string("commit outcome unknown: ") + e.what()};
  } catch (const std::exception& e) {
    error = {store_errc::internal, e.what()};
  }
  return false;
}

namespace {

// Opens (and prepares) a connection, or says why it could not.
std::unique_ptr<pqxx::connection> open_connection(const std::string& url,
                                                  const db_pool::prepare_fn& prepare,
                                                  store_error& error) {
  try {
    auto conn = std::make_unique<pqxx::connection>(url);
    if (prepare) {
      prepare(*conn);
    }
    return conn;
  } catch (const std::exception& e) {
    error = {store_errc::unavailable, std::string("cannot connect to the database: ") + e.what()};
    log::warn(log_subsystem::store, {}, error.message);
    return nullptr;
  }
}

}  // namespace

void db_pool::thread_main() {
  std::unique_ptr<pqxx::connection> conn;
  for (;;) {
    job next;
    std::chrono::steady_clock::time_point queued_at;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and everything queued has run
      }
      next = std::move(queue_.front().first);
      queued_at = queue_.front().second;
      queue_.pop_front();
      ++busy_;
    }

    if (conn && !conn->is_open()) {
      conn.reset();
    }
    store_error connect_error;
    if (!conn) {
      conn = open_connection(url_, prepare_, connect_error);
    }
    if (!next(conn.get(), conn ? nullptr : &connect_error, conn != nullptr)) {
      // The connection was dead (a database restart): one more try on a new one.
      conn = open_connection(url_, prepare_, connect_error);
      next(conn.get(), conn ? nullptr : &connect_error, false);
    }

    if (metrics_ != nullptr) {
      metrics_->db_jobs.inc();
      if (!conn || !conn->is_open()) {
        metrics_->db_failures.inc();
      }
      metrics_->db_job_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - queued_at).count());
    }
    {
      std::lock_guard lock(mutex_);
      --busy_;
    }
  }
}

}  // namespace controlroom::server
