#pragma once

// A strict reader of the Prometheus text exposition format 0.0.4, for
// tests: every sample must belong to a family announced by # HELP and
// # TYPE before it, names and labels must be well formed, label values
// correctly escaped, values numbers, no series twice, counters named
// *_total, histograms complete (_bucket with increasing le up to +Inf,
// cumulative counts, _sum, _count equal to the +Inf bucket). Any breach is
// reported with its line.

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace controlroom::testing {

struct prometheus_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct prometheus_family {
  std::string help;
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::vector<prometheus_sample> samples;
};

inline double prometheus_number(const std::string& text, const std::string& where) {
  if (text == "+Inf")
    return INFINITY;
  if (text == "-Inf")
    return -INFINITY;
  if (text == "NaN")
    return NAN;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || text.empty()) {
    throw std::runtime_error(where + ": '" + text + "' is not a number");
  }
  return v;
}

/// Parses `text`; throws std::runtime_error naming the first problem.
inline std::map<std::string, prometheus_family> parse_prometheus(const std::string& text) {
  static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex label_re("[a-zA-Z_][a-zA-Z0-9_]*");
  std::map<std::string, prometheus_family> families;
  std::set<std::string> seen_series;
  std::string current;  // the family whose samples may follow
  std::istringstream in(text);
  std::string line;
  int number = 0;
  if (text.empty() || text.back() != '\n') {
    throw std::runtime_error("the exposition must end with a newline");
  }
  auto family_of = [&](const std::string& sample_name) {
    for (const auto* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (sample_name.size() > s.size() &&
          sample_name.compare(sample_name.size() - s.size(), s.size(), s) == 0) {
        const auto base = sample_name.substr(0, sample_name.size() - s.size());
        if (families.contains(base) && families[base].type == "histogram") {
          return base;
        }
      }
    }
    return sample_name;
  };
  while (std::getline(in, line)) {
    ++number;
    const auto where = "line " + std::to_string(number) + " '" + line + "'";
    if (line.empty())
      continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const bool help = line[2] == 'H';
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      const auto name = rest.substr(0, space);
      if (!std::regex_match(name, name_re))
        throw std::runtime_error(where + ": bad metric name");
      auto& f = families[name];
      if (help) {
        if (!f.help.empty())
          throw std::runtime_error(where + ": second HELP");
        f.help = space == std::string::npos ? "" : rest.substr(space + 1);
        if (f.help.empty())
          throw std::runtime_error(where + ": empty HELP");
      } else {
        if (!f.type.empty())
          throw std::runtime_error(where + ": second TYPE");
        if (!f.samples.empty())
          throw std::runtime_error(where + ": TYPE after samples");
        f.type = rest.substr(space + 1);
        static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary",
                                                    "untyped"};
        if (!types.contains(f.type))
          throw std::runtime_error(where + ": unknown type");
      }
      current = name;
      continue;
    }
    if (line[0] == '#')
      continue;  // other comments are allowed
    // name{label="value",...} value
    std::size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ')
      ++pos;
    prometheus_sample sample;
    sample.name = line.substr(0, pos);
    if (!std::regex_match(sample.name, name_re))
      throw std::runtime_error(where + ": bad name");
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        const auto eq = line.find('=', pos);
        if (eq == std::string::npos)
          throw std::runtime_error(where + ": label without '='");
        const auto label = line.substr(pos, eq - pos);
        if (!std::regex_match(label, label_re))
          throw std::runtime_error(where + ": bad label");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') {
          throw std::runtime_error(where + ": unquoted label value");
        }
        std::string value;
        pos = eq + 2;
        for (;; ++pos) {
          if (pos >= line.size())
            throw std::runtime_error(where + ": unterminated label value");
          if (line[pos] == '\\') {
            ++pos;
            if (pos >= line.size())
              throw std::runtime_error(where + ": dangling escape");
            if (line[pos] == 'n')
              value += '\n';
            else if (line[pos] == '\\' || line[pos] == '"')
              value += line[pos];
            else
              throw std::runtime_error(where + ": bad escape");
            continue;
          }
          if (line[pos] == '"')
            break;
          value += line[pos];
        }
        if (!sample.labels.emplace(label, value).second) {
          throw std::runtime_error(where + ": label twice");
        }
        ++pos;
        if (pos < line.size() && line[pos] == ',')
          ++pos;
      }
      if (pos >= line.size())
        throw std::runtime_error(where + ": unterminated labels");
      ++pos;
    }
    if (pos >= line.size() || line[pos] != ' ')
      throw std::runtime_error(where + ": no value");
    sample.value = prometheus_number(line.substr(pos + 1), where);
    const auto family = family_of(sample.name);
    if (family != current || !families.contains(family)) {
      throw std::runtime_error(where + ": sample outside its family's block");
    }
    auto& f = families[family];
    if (f.help.empty() || f.type.empty()) {
      throw std::runtime_error(where + ": family without HELP and TYPE");
    }
    std::string key = sample.name;
    for (const auto& [k, v] : sample.labels)
      key += "|" + k + "=" + v;
    if (!seen_series.insert(key).second)
      throw std::runtime_error(where + ": series twice");
    f.samples.push_back(sample);
  }
  for (const auto& [name, f] : families) {
    if (f.type == "counter" &&
        (name.size() <= 6 || name.compare(name.size() - 6, 6, "_total") != 0)) {
      throw std::runtime_error(name + ": a counter's name must end in _total");
    }
    if (f.type != "histogram")
      continue;
    // Per label set (without le): increasing bounds, cumulative counts.
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;
    std::map<std::string, double> counts;
    std::map<std::string, int> sums;
    for (const auto& s : f.samples) {
      auto labels = s.labels;
      const auto le = labels.find("le");
      std::string key;
      if (s.name == name + "_bucket") {
        if (le == labels.end())
          throw std::runtime_error(name + ": bucket without le");
        const auto bound = prometheus_number(le->second, name);
        labels.erase("le");
        for (const auto& [k, v] : labels)
          key += k + "=" + v + ",";
        buckets[key].emplace_back(bound, s.value);
      } else {
        for (const auto& [k, v] : labels)
          key += k + "=" + v + ",";
        if (s.name == name + "_count")
          counts[key] = s.value;
        if (s.name == name + "_sum")
          ++sums[key];
      }
    }
    for (const auto& [key, list] : buckets) {
      for (std::size_t i = 1; i < list.size(); ++i) {
        if (!(list[i].first > list[i - 1].first) || list[i].second < list[i - 1].second) {
          throw std::runtime_error(name + ": buckets not increasing and cumulative");
        }
      }
      if (list.empty() || !std::isinf(list.back().first)) {
        throw std::runtime_error(name + ": no +Inf bucket");
      }
      if (!counts.contains(key) || counts[key] != list.back().second || sums[key] != 1) {
        throw std::runtime_error(name + ": _count must equal the +Inf bucket, with one _sum");
      }
    }
  }
  return families;
}

}  // namespace controlroom::testing
