#include "store/event_writer.hpp"

#include <pqxx/pqxx>

#include "metrics/server_metrics.hpp"
#include "store/statements.hpp"
#include "util/log.hpp"

namespace controlroom::server {

event_writer::event_writer(std::string url, std::size_t queue_limit, std::size_t max_batch,
                           server_metrics* metrics)
    : url_(std::move(url)),
      queue_limit_(queue_limit),
      max_batch_(max_batch),
      metrics_(metrics),
      thread_([this] { thread_main(); }) {}

event_writer::~event_writer() {
  stop();
}

bool event_writer::append(event_row row, std::uint64_t epoch, completion done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      return false;
    }
    queue_.push_back(item{std::move(row), epoch, std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void event_writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::size_t event_writer::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void event_writer::thread_main() {
  std::unique_ptr<pqxx::connection> conn;
  std::vector<item> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;
      }
      while (!queue_.empty() && batch.size() < max_batch_) {
        auto& front = queue_.front();
        const auto failed = failed_epoch_.find(front.row.session_id);
        if (failed != failed_epoch_.end()) {
          if (front.epoch <= failed->second) {
            // A gap would follow an event that did not land: refuse it too.
            auto doomed = std::move(front);
            queue_.pop_front();
            lock.unlock();
            doomed.done(false, "an earlier event of this session failed to commit");
            lock.lock();
            continue;
          }
          failed_epoch_.erase(failed);
        }
        batch.push_back(std::move(front));
        queue_.pop_front();
      }
    }
    if (batch.empty()) {
      continue;
    }

    std::string error;
    const auto started = std::chrono::steady_clock::now();
    std::vector<event_row> rows;
    rows.reserve(batch.size());
    for (const auto& it : batch) {
      rows.push_back(it.row);
    }
    // A connection found dead (the database restarted) broke before the
    // commit, so one more try on a new connection cannot apply anything
    // twice; a commit whose outcome is unknown is never retried here.
    for (int attempt = 1; attempt <= 2; ++attempt) {
      error.clear();
      try {
        if (!conn || !conn->is_open()) {
          conn = std::make_unique<pqxx::connection>(url_);
          prepare_statements(*conn);
        }
        pqxx::work tx(*conn);
        event_repository::append(tx, rows);
        tx.commit();
        break;
      } catch (const pqxx::in_doubt_error& e) {
        error = e.what();
        conn.reset();
        break;
      } catch (const pqxx::broken_connection& e) {
        error = e.what();
        conn.reset();
      } catch (const std::exception& e) {
        error = e.what();
        if (conn && !conn->is_open()) {
          conn.reset();
        }
        break;
      }
    }

    if (!error.empty()) {
      log::warn(log_subsystem::store, {}, "group commit of ", batch.size(),
                " events failed: ", error);
      std::lock_guard lock(mutex_);
      for (const auto& it : batch) {
        auto& epoch = failed_epoch_[it.row.session_id];
        epoch = std::max(epoch, it.epoch);
      }
    }
    if (metrics_ != nullptr) {
      metrics_->commit_batches.inc();
      metrics_->commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      metrics_->commit_batch_events.observe(static_cast<double>(batch.size()));
      if (!error.empty()) {
        metrics_->commit_failures.inc();
      }
    }
    for (auto& it : batch) {
      it.done(error.empty(), error);
    }
  }
}

}  // namespace controlroom::server
