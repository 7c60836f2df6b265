#pragma once

// A logfmt reader as an operator's tooling has one (Go's go-logfmt, Loki):
// `key=value` pairs separated by one space, values bare or double-quoted with
// backslash escapes (\" \\ \n \r \t \uXXXX below U+0100). Throws
// std::runtime_error on anything else, so a test that parses every line of a
// log proves the lines are well-formed.

#include <map>
#include <stdexcept>
#include <string>

namespace controlroom::testing {

inline std::map<std::string, std::string> parse_logfmt(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto eq = line.find('=', i);
    if (eq == std::string::npos || eq == i) {
      throw std::runtime_error("no key=value at '" + line.substr(i) + "'");
    }
    const auto key = line.substr(i, eq - i);
    if (key.find_first_of(" \"") != std::string::npos) {
      throw std::runtime_error("bad key '" + key + "'");
    }
    std::string value;
    i = eq + 1;
    if (i < line.size() && line[i] == '"') {
      for (++i; line.at(i) != '"'; ++i) {
        if (line[i] != '\\') {
          value.push_back(line[i]);
          continue;
        }
        const char e = line.at(++i);
        if (e == 'n') {
          value.push_back('\n');
        } else if (e == 'r') {
          value.push_back('\r');
        } else if (e == 't') {
          value.push_back('\t');
        } else if (e == 'u') {
          value.push_back(static_cast<char>(std::stoi(line.substr(i + 1, 4), nullptr, 16)));
          i += 4;
        } else if (e == '"' || e == '\\') {
          value.push_back(e);
        } else {
          throw std::runtime_error(std::string("unknown escape \\") + e);
        }
      }
      ++i;
    } else {
      const auto end = line.find(' ', i);
      value = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
      if (value.empty() || value.find('"') != std::string::npos) {
        throw std::runtime_error("bad bare value for " + key);
      }
      i += value.size();
    }
    if (!out.emplace(key, value).second) {
      throw std::runtime_error("key " + key + " twice");
    }
    if (i < line.size() && line[i] != ' ') {
      throw std::runtime_error("garbage after " + key);
    }
    ++i;
  }
  return out;
}

}  // namespace controlroom::testing
