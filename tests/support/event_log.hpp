#pragma once

// Collects events delivered on another thread (SDK callbacks) and lets a
// test wait for one with a deadline: no sleeps, and a missing event fails
// the test instead of hanging it.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace controlroom::testing {

template <class T>
class event_log {
 public:
  void push(T event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }

  /// Removes and returns the first event matching `pred`, waiting up to
  /// `timeout` for it.
  std::optional<T> wait_for(const std::function<bool(const T&)>& pred,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    std::optional<T> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (pred(*it)) {
          found = std::move(*it);
          events_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> events_;
};

}  // namespace controlroom::testing
