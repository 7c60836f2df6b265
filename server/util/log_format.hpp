#pragma once

// How one log line is rendered, apart from spdlog so that it can be tested
// byte for byte. Included by log.cpp and the tests only.
//
// logfmt:
//   ts=2026-11-24T21:52:03.120Z level=warn logger=net session=- conn=Qm9vc2Rl msg="..."
// JSON lines:
//   {"ts":"2026-11-24T21:52:03.120Z","level":"warn","logger":"net","session":null,
//    "conn":"Qm9vc2Rl","msg":"..."}   (on one line)
//
// A line is always one line of valid UTF-8, whatever the message or the ids
// hold: control characters, quotes and backslashes are escaped, bytes that
// are not UTF-8 become U+FFFD.

#include <chrono>
#include <string>
#include <string_view>

#include "util/log.hpp"

namespace controlroom::server {

/// `ts=... level=... logger=... ` or `{"ts":...,"level":...,"logger":...,`.
void append_log_prefix(std::string& out, log_format format,
                       std::chrono::system_clock::time_point time, log_level level,
                       std::string_view logger);
/// `session=... conn=... msg="..."` or `"session":...,"conn":...,"msg":"..."`.
void append_log_fields(std::string& out, log_format format, const log_context& ids,
                       std::string_view message);
/// `\n` or `}\n`.
void append_log_suffix(std::string& out, log_format format);

/// The three parts: one whole line, newline included.
std::string format_log_line(log_format format, std::chrono::system_clock::time_point time,
                            log_level level, std::string_view logger, const log_context& ids,
                            std::string_view message);

}  // namespace controlroom::server
