#include "metrics/registry.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace controlroom::server {
namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string format_labels(const metric_labels& labels,
                          const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) {
    return {};
  }
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::pair<std::string, std::string>& kv) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += kv.first + "=\"" + escape_label(kv.second) + "\"";
  };
  for (const auto& kv : labels) {
    add(kv);
  }
  if (extra != nullptr) {
    add(*extra);
  }
  return out + "}";
}

std::string format_number(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

bool valid_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == ':';
  });
}

}  // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::invalid_argument("histogram bounds must be sorted");
  }
}

void histogram::observe(double value) noexcept {
  const auto idx = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  auto old_bits = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(
      old_bits, std::bit_cast<std::uint64_t>(std::bit_cast<double>(old_bits) + value),
      std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

double histogram::sum() const noexcept {
  return std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed));
}

metrics_registry::family& metrics_registry::family_for(const std::string& name,
                                                       const std::string& help, kind type) {
  if (!valid_name(name)) {
    throw std::invalid_argument("invalid metric name '" + name + "'");
  }
  auto [it, inserted] = families_.try_emplace(name, family{help, type, {}});
  if (!inserted && it->second.type != type) {
    throw std::invalid_argument("metric '" + name + "' registered with two types");
  }
  return it->second;
}

counter& metrics_registry::add_counter(const std::string& name, const std::string& help,
                                       metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family_for(name, help, kind::counter);
  auto& c = counters_.emplace_back();
  fam.members.push_back(series{std::move(labels), &c, nullptr, nullptr, {}});
  return c;
}

gauge& metrics_registry::add_gauge(const std::string& name, const std::string& help,
                                   metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family_for(name, help, kind::gauge);
  auto& g = gauges_.emplace_back();
  fam.members.push_back(series{std::move(labels), nullptr, &g, nullptr, {}});
  return g;
}

histogram& metrics_registry::add_histogram(const std::string& name, const std::string& help,
                                           std::vector<double> bounds, metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family_for(name, help, kind::histogram);
  auto& h = histograms_.emplace_back(std::move(bounds));
  fam.members.push_back(series{std::move(labels), nullptr, nullptr, &h, {}});
  return h;
}

void metrics_registry::add_gauge_callback(const std::string& name, const std::string& help,
                                          std::function<double()> read, metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family_for(name, help, kind::gauge);
  fam.members.push_back(series{std::move(labels), nullptr, nullptr, nullptr, std::move(read)});
}

std::string metrics_registry::render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, fam] : families_) {
    static const char* type_names[] = {"counter", "gauge", "histogram"};
    out << "# HELP " << name << ' ' << fam.help << '\n';
    out << "# TYPE " << name << ' ' << type_names[static_cast<int>(fam.type)] << '\n';
    for (const auto& s : fam.members) {
      if (s.c != nullptr) {
        out << name << format_labels(s.labels) << ' ' << s.c->value() << '\n';
      } else if (s.g != nullptr) {
        out << name << format_labels(s.labels) << ' ' << s.g->value() << '\n';
      } else if (s.read) {
        out << name << format_labels(s.labels) << ' ' << format_number(s.read()) << '\n';
      } else if (s.h != nullptr) {
        const auto counts = s.h->bucket_counts();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          const std::pair<std::string, std::string> le{
              "le", i < s.h->bounds().size() ? format_number(s.h->bounds()[i]) : "+Inf"};
          out << name << "_bucket" << format_labels(s.labels, &le) << ' ' << cumulative << '\n';
        }
        out << name << "_sum" << format_labels(s.labels) << ' ' << format_number(s.h->sum())
            << '\n';
        out << name << "_count" << format_labels(s.labels) << ' ' << cumulative << '\n';
      }
    }
  }
  return out.str();
}

}  // namespace controlroom::server
