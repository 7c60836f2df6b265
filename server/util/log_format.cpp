#include "util/log_format.hpp"

#include <cstdio>
#include <ctime>

namespace controlroom::server {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at the start of `s` (lead byte
// >= 0x80), 0 if it is not one (RFC 3629: no overlongs, no surrogates).
std::size_t utf8_sequence(std::string_view s) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto c = at(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (s.size() < n || at(1) < lo || at(1) > hi) {
    return 0;
  }
  for (std::size_t i = 2; i < n; ++i) {
    if (!continuation(at(i))) {
      return 0;
    }
  }
  return n;
}

// A double-quoted string that both JSON and logfmt readers (Go's strconv
// rules) take back to the original text.
void append_quoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const auto n = utf8_sequence(text.substr(i));
      if (n == 0) {
        out.append(replacement);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out.append(escaped);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

// Ids are ours (base64url, UUIDs), but a session id may come from a client
// before it is checked: quote anything that is not plainly an id.
bool bare_id(std::string_view id) {
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@' ||
                    c == '+';
    if (!ok) {
      return false;
    }
  }
  return !id.empty() && id != "-";
}

void append_id(std::string& out, log_format format, std::string_view id) {
  if (id.empty()) {
    out.append(format == log_format::json ? "null" : "-");
  } else if (format == log_format::logfmt && bare_id(id)) {
    out.append(id);
  } else {
    append_quoted(out, id);
  }
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto secs =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(ms));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[80];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.time_since_epoch().count() % 1000));
  out.append(stamp);
}

}  // namespace

void append_log_prefix(std::string& out, log_format format,
                       std::chrono::system_clock::time_point time, log_level level,
                       std::string_view logger) {
  if (format == log_format::json) {
    out.append("{\"ts\":\"");
    append_timestamp(out, time);
    out.append("\",\"level\":\"").append(to_string(level)).append("\",\"logger\":");
    append_quoted(out, logger);
    out.push_back(',');
  } else {
    out.append("ts=");
    append_timestamp(out, time);
    out.append(" level=").append(to_string(level)).append(" logger=").append(logger);
    out.push_back(' ');
  }
}

void append_log_fields(std::string& out, log_format format, const log_context& ids,
                       std::string_view message) {
  const bool json = format == log_format::json;
  out.append(json ? "\"session\":" : "session=");
  append_id(out, format, ids.session);
  out.append(json ? ",\"conn\":" : " conn=");
  append_id(out, format, ids.conn);
  out.append(json ? ",\"msg\":" : " msg=");
  append_quoted(out, message);
}

void append_log_suffix(std::string& out, log_format format) {
  out.append(format == log_format::json ? "}\n" : "\n");
}

std::string format_log_line(log_format format, std::chrono::system_clock::time_point time,
                            log_level level, std::string_view logger, const log_context& ids,
                            std::string_view message) {
  std::string line;
  line.reserve(96 + message.size());
  append_log_prefix(line, format, time, level, logger);
  append_log_fields(line, format, ids, message);
  append_log_suffix(line, format);
  return line;
}

}  // namespace controlroom::server
