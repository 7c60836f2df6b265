#pragma once

// Parses controlroomd's command line into a subcommand, its own options and
// configuration settings. Pure; loading the file and the environment happens
// in load_config so that tests can drive each layer alone.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace controlroom::server {

struct command_line {
  std::string command = "serve";  // serve | migrate | admin-token | help | version
  std::string config_file;        // --config FILE
  std::vector<std::pair<std::string, std::string>> settings;  // --key=value, in order
  std::map<std::string, std::string> options;                 // subcommand options (--user)
};

/// `args` excludes argv[0]. Throws config_error on a malformed argument.
command_line parse_command_line(const std::vector<std::string>& args);

/// defaults < file < environment < flags, then validate(). Throws config_error.
config load_config(const command_line& cmd, const std::vector<std::string>& env);

/// Text for --help.
std::string usage_text();

}  // namespace controlroom::server
