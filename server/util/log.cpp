#include "util/log.hpp"

#include <atomic>
#include <memory>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <stdexcept>

#include "util/log_format.hpp"

namespace controlroom::server {
namespace {

constexpr std::array<std::string_view, 4> level_names = {"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, log_subsystem_count> subsystem_names = {
    "app", "net", "control", "session", "store", "media", "recording", "http", "keeper"};
static_assert(static_cast<std::size_t>(log_subsystem::keeper) + 1 == log_subsystem_count);

spdlog::level::level_enum to_spdlog(log_level level) {
  switch (level) {
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      break;
  }
  return spdlog::level::err;
}

log_level from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return log_level::debug;
    case spdlog::level::info:
      return log_level::info;
    case spdlog::level::warn:
      return log_level::warn;
    default:
      return log_level::error;
  }
}

// spdlog's pattern language cannot escape the message, so the fields are
// rendered by log_format.cpp: the logger's payload already holds the
// session, conn and msg fields, and this adds ts, level and logger around it.
class line_formatter final : public spdlog::formatter {
 public:
  explicit line_formatter(log_format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(64 + msg.payload.size());
    append_log_prefix(line, format_, msg.time, from_spdlog(msg.level),
                      {msg.logger_name.data(), msg.logger_name.size()});
    line.append(msg.payload.data(), msg.payload.size());
    append_log_suffix(line, format_);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(format_);
  }

 private:
  log_format format_;
};

struct loggers {
  // One sink, so lines of all subsystems and threads come out whole and in
  // order: it writes each line under its mutex and flushes it.
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink =
      std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::array<std::shared_ptr<spdlog::logger>, log_subsystem_count> by_subsystem;
  std::atomic<log_format> format{log_format::logfmt};

  loggers() {
    sink->set_formatter(std::make_unique<line_formatter>(log_format::logfmt));
    for (std::size_t i = 0; i < log_subsystem_count; ++i) {
      by_subsystem[i] = std::make_shared<spdlog::logger>(std::string(subsystem_names[i]), sink);
      by_subsystem[i]->set_level(spdlog::level::info);
      by_subsystem[i]->flush_on(spdlog::level::trace);
    }
  }
};

loggers& all() {
  static loggers instance;
  return instance;
}

spdlog::logger& logger_of(log_subsystem subsystem) {
  return *all().by_subsystem[static_cast<std::size_t>(subsystem)];
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string subsystem_list() {
  std::string list;
  for (const auto name : subsystem_names) {
    list.append(list.empty() ? "" : ", ").append(name);
  }
  return list;
}

}  // namespace

std::string_view to_string(log_level level) {
  return level_names[static_cast<std::size_t>(level)];
}

std::string_view to_string(log_subsystem subsystem) {
  return subsystem_names[static_cast<std::size_t>(subsystem)];
}

std::optional<log_level> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (text == level_names[i]) {
      return static_cast<log_level>(i);
    }
  }
  return std::nullopt;
}

std::optional<log_subsystem> parse_log_subsystem(std::string_view text) {
  for (std::size_t i = 0; i < subsystem_names.size(); ++i) {
    if (text == subsystem_names[i]) {
      return static_cast<log_subsystem>(i);
    }
  }
  return std::nullopt;
}

std::optional<log_format> parse_log_format(std::string_view text) {
  if (text == "logfmt") {
    return log_format::logfmt;
  }
  if (text == "json") {
    return log_format::json;
  }
  return std::nullopt;
}

log_level_overrides parse_log_level_overrides(std::string_view text) {
  log_level_overrides result{};
  if (trim(text).empty()) {
    return result;
  }
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw std::invalid_argument("expected subsystem=level, got '" + std::string(item) + "'");
    }
    const auto name = trim(item.substr(0, eq));
    const auto level_text = trim(item.substr(eq + 1));
    const auto subsystem = parse_log_subsystem(name);
    if (!subsystem) {
      throw std::invalid_argument("unknown subsystem '" + std::string(name) + "' (one of " +
                                  subsystem_list() + ")");
    }
    const auto level = parse_log_level(level_text);
    if (!level) {
      throw std::invalid_argument("unknown level '" + std::string(level_text) + "' for " +
                                  std::string(name) + " (debug, info, warn or error)");
    }
    auto& slot = result[static_cast<std::size_t>(*subsystem)];
    if (slot) {
      throw std::invalid_argument("subsystem " + std::string(name) + " given twice");
    }
    slot = level;
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  return result;
}

void configure_logging(log_level level, const log_level_overrides& overrides, log_format format) {
  auto& l = all();
  for (std::size_t i = 0; i < log_subsystem_count; ++i) {
    l.by_subsystem[i]->set_level(to_spdlog(overrides[i].value_or(level)));
  }
  if (l.format.exchange(format) != format) {
    l.sink->set_formatter(std::make_unique<line_formatter>(format));
  }
}

void configure_logging(std::string_view level, std::string_view overrides,
                       std::string_view format) {
  const auto parsed_level = parse_log_level(level);
  if (!parsed_level) {
    throw std::invalid_argument("unknown log level '" + std::string(level) + "'");
  }
  const auto parsed_format = parse_log_format(format);
  if (!parsed_format) {
    throw std::invalid_argument("unknown log format '" + std::string(format) + "'");
  }
  configure_logging(*parsed_level, parse_log_level_overrides(overrides), *parsed_format);
}

void set_log_level(log_level level) {
  for (auto& logger : all().by_subsystem) {
    logger->set_level(to_spdlog(level));
  }
}

bool log_enabled(log_subsystem subsystem, log_level level) {
  return logger_of(subsystem).should_log(to_spdlog(level));
}

void log_write(log_subsystem subsystem, log_level level, const log_context& ids,
               std::string_view message) {
  std::string fields;
  fields.reserve(48 + message.size());
  append_log_fields(fields, all().format.load(), ids, message);
  logger_of(subsystem).log(to_spdlog(level), spdlog::string_view_t(fields.data(), fields.size()));
}

}  // namespace controlroom::server
