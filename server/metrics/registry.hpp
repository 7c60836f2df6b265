#pragma once

// A small Prometheus metrics registry. Series are registered at start-up
// (under a mutex) and updated lock-free from any thread afterwards; render()
// produces the text exposition format (version 0.0.4).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace controlroom::server {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// Cumulative histogram with fixed upper bounds (seconds, bytes, ...).
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double value) noexcept;
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Per-bucket (non-cumulative) counts; the last one is +Inf.
  std::vector<std::uint64_t> bucket_counts() const;
  double sum() const noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_bits_{0};  // a double, updated by CAS
};

class metrics_registry {
 public:
  counter& add_counter(const std::string& name, const std::string& help, metric_labels labels = {});
  gauge& add_gauge(const std::string& name, const std::string& help, metric_labels labels = {});
  histogram& add_histogram(const std::string& name, const std::string& help,
                           std::vector<double> bounds, metric_labels labels = {});
  /// A gauge read when rendering (queue depths owned by other objects). The
  /// callback runs on the thread that renders and must be thread-safe.
  void add_gauge_callback(const std::string& name, const std::string& help,
                          std::function<double()> read, metric_labels labels = {});

  std::string render() const;

 private:
  enum class kind { counter, gauge, histogram };
  struct series {
    metric_labels labels;
    counter* c = nullptr;
    gauge* g = nullptr;
    histogram* h = nullptr;
    std::function<double()> read;
  };
  struct family {
    std::string help;
    kind type;
    std::vector<series> members;
  };
  family& family_for(const std::string& name, const std::string& help, kind type);

  mutable std::mutex mutex_;
  std::map<std::string, family> families_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
  std::deque<histogram> histograms_;
};

}  // namespace controlroom::server
