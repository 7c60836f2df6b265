#pragma once

// Structured logging: one line per event on stderr, one spdlog logger per
// subsystem, all sharing one sink. Every line carries the session and the
// connection (participant) id, `-` when the event has none, so that an
// operator can follow one connection or one session with grep. The format
// (logfmt or JSON lines) is described in docs/operations.md.
//
//   log::warn(log_subsystem::net, log_ids(*peer), "send queue full (", n, " frames)");
//   log::info(log_subsystem::app, {}, "listening on ", address);
//
// The arguments are streamed (operator<<) into the message only when the
// subsystem's level lets the line through. spdlog and fmt stay in log.cpp:
// this header is included everywhere and must stay cheap to compile.
//
// Threading: every function may be called from any thread. configure_logging
// is meant for start-up; changing levels while others log is safe, changing
// the format then may give one line in each format.

#include <array>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace controlroom::server {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

/// One logger each; the name (to_string) is the `logger` field of a line.
enum class log_subsystem { app, net, control, session, store, media, recording, http, keeper };
inline constexpr std::size_t log_subsystem_count = 9;

enum class log_format { logfmt, json };

/// The ids a line is about. Empty: the event has none (printed as `-`).
struct log_context {
  std::string_view session = {};  // session id
  std::string_view conn = {};     // connection id, which is also the participant id
};

std::string_view to_string(log_level level);
std::string_view to_string(log_subsystem subsystem);
std::optional<log_level> parse_log_level(std::string_view text);
std::optional<log_subsystem> parse_log_subsystem(std::string_view text);
std::optional<log_format> parse_log_format(std::string_view text);

/// Per-subsystem levels; nullopt: the global level.
using log_level_overrides = std::array<std::optional<log_level>, log_subsystem_count>;

/// Parses `media=debug, store=warn` (empty: no overrides). Throws
/// std::invalid_argument naming the unknown subsystem or level, or the
/// subsystem given twice.
log_level_overrides parse_log_level_overrides(std::string_view text);

/// Sets every logger's level (`level`, or its override) and the line format.
void configure_logging(log_level level, const log_level_overrides& overrides = {},
                       log_format format = log_format::logfmt);
/// The same from configuration text (config keys log_level, log_levels,
/// log_format); throws std::invalid_argument on a bad value.
void configure_logging(std::string_view level, std::string_view overrides, std::string_view format);
/// One level for every subsystem, overrides dropped (tests, fuzzers).
void set_log_level(log_level level);

bool log_enabled(log_subsystem subsystem, log_level level);
/// Writes one line; `message` may hold anything (it is escaped).
void log_write(log_subsystem subsystem, log_level level, const log_context& ids,
               std::string_view message);

namespace log {

template <class... Args>
void write(log_level level, log_subsystem subsystem, const log_context& ids, const Args&... args) {
  if (!log_enabled(subsystem, level)) {
    return;
  }
  std::ostringstream out;
  (out << ... << args);
  log_write(subsystem, level, ids, out.str());
}

template <class... Args>
void debug(log_subsystem subsystem, const log_context& ids, const Args&... args) {
  write(log_level::debug, subsystem, ids, args...);
}
template <class... Args>
void info(log_subsystem subsystem, const log_context& ids, const Args&... args) {
  write(log_level::info, subsystem, ids, args...);
}
template <class... Args>
void warn(log_subsystem subsystem, const log_context& ids, const Args&... args) {
  write(log_level::warn, subsystem, ids, args...);
}
template <class... Args>
void error(log_subsystem subsystem, const log_context& ids, const Args&... args) {
  write(log_level::error, subsystem, ids, args...);
}

}  // namespace log

}  // namespace controlroom::server
