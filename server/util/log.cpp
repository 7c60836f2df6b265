#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <unistd.h>

namespace controlroom::server {
namespace {
std::atomic<int> min_level{static_cast<int>(log_level::info)};
constexpr const char* level_names[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_log_level(log_level level) {
  min_level.store(static_cast<int>(level));
}

void set_log_level(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == level_names[i]) {
      set_log_level(static_cast<log_level>(i));
    }
  }
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) >= min_level.load();
}

void log_line(log_level level, std::string_view subsystem, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line;
  line.reserve(message.size() + 64);
  line.append(stamp).append(" ").append(level_names[static_cast<int>(level)]).append(" [");
  line.append(subsystem).append("] ").append(message).append("\n");
  // One write per line keeps lines from different threads whole.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace controlroom::server
