#pragma once

// Minimal leveled logging to stderr, one line per call, tagged with the
// subsystem ("net", "store", ...) and, where there is one, the connection id.
// Thread-safe: each line is written with a single write.

#include <sstream>
#include <string>
#include <string_view>

namespace controlroom::server {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

void set_log_level(log_level level);
void set_log_level(std::string_view name);
bool log_enabled(log_level level);
void log_line(log_level level, std::string_view subsystem, std::string_view message);

template <class... Args>
void log(log_level level, std::string_view subsystem, const Args&... args) {
  if (!log_enabled(level)) {
    return;
  }
  std::ostringstream out;
  (out << ... << args);
  log_line(level, subsystem, out.str());
}

}  // namespace controlroom::server
