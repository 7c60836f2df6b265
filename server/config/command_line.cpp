#include "config/command_line.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace controlroom::server {
namespace {

const std::set<std::string>& commands() {
  static const std::set<std::string> names = {"serve", "migrate", "admin-token", "help", "version"};
  return names;
}

// Options that belong to a subcommand rather than to the configuration.
bool is_command_option(const std::string& command, const std::string& name) {
  return command == "admin-token" && name == "user";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw config_error("cannot read config file '" + path + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

command_line parse_command_line(const std::vector<std::string>& args) {
  command_line out;
  std::size_t i = 0;
  if (i < args.size() && !args[i].starts_with("-")) {
    if (!commands().contains(args[i])) {
      throw config_error("unknown command '" + args[i] +
                         "' (expected serve, migrate, admin-token, help or version)");
    }
    out.command = args[i++];
  }
  for (; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.command = "help";
      continue;
    }
    if (arg == "--version") {
      out.command = "version";
      continue;
    }
    if (!arg.starts_with("--") || arg.size() == 2) {
      throw config_error("unexpected argument '" + arg + "' (options look like --key=value)");
    }
    std::string name;
    std::string value;
    const auto eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(2, eq - 2);
      value = arg.substr(eq + 1);
    } else {
      name = arg.substr(2);
      if (i + 1 >= args.size()) {
        throw config_error("option --" + name + " needs a value");
      }
      value = args[++i];
    }
    if (name == "config") {
      out.config_file = value;
    } else if (is_command_option(out.command, name)) {
      out.options[name] = value;
    } else {
      out.settings.emplace_back(name, value);
    }
  }
  return out;
}

config load_config(const command_line& cmd, const std::vector<std::string>& env) {
  config cfg;
  if (!cmd.config_file.empty()) {
    apply_config_text(cfg, read_file(cmd.config_file), cmd.config_file);
  }
  apply_config_env(cfg, env);
  for (const auto& [key, value] : cmd.settings) {
    set_config_value(cfg, key, value, "flag --" + key);
  }
  validate(cfg);
  return cfg;
}

std::string usage_text() {
  std::ostringstream out;
  out << "usage: controlroomd [COMMAND] [--config FILE] [--key=value ...]\n\n"
         "commands:\n"
         "  serve        run the server (default)\n"
         "  migrate      apply pending database migrations and exit\n"
         "  admin-token  create the admin user if needed (--user NAME, default 'admin')\n"
         "               and print a new API token for it\n"
         "  version      print the version\n\n"
         "configuration (file 'key = value', environment CONTROLROOMD_KEY, flag --key=value;\n"
         "later sources win):\n";
  for (const auto& [key, help] : config_keys()) {
    out << "  " << key << std::string(key.size() < 22 ? 22 - key.size() : 1, ' ') << help << "\n";
  }
  return out.str();
}

}  // namespace controlroom::server
