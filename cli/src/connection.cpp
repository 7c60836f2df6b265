#include "connection.hpp"

#include <cmath>
#include <controlroom/audio.hpp>
#include <cstdlib>

#include "cli_error.hpp"

namespace controlroom::cli {

void add_connection_options(CLI::App* cmd, connection_options& o) {
  cmd->add_option("url", o.url, "server URL, e.g. http://127.0.0.1:7700")
      ->envname("CONTROLROOM_URL")
      ->required();
  cmd->add_option("--token", o.token, "API token (default: $CONTROLROOM_TOKEN)")
      ->envname("CONTROLROOM_TOKEN")
      ->required();
  cmd->add_flag("--json", o.json, "print machine-readable JSON on stdout");
}

server_address parse_server_url(const std::string& url) {
  std::string rest = url;
  std::string default_port = "80";
  for (const char* scheme : {"http://", "ws://"}) {
    if (rest.rfind(scheme, 0) == 0) {
      rest = rest.substr(std::string(scheme).size());
    }
  }
  if (rest.rfind("https://", 0) == 0 || rest.rfind("wss://", 0) == 0) {
    throw cli_error("TLS URLs (https://, wss://) are not supported yet: " + url, exit_usage);
  }
  rest = rest.substr(0, rest.find('/'));
  server_address a;
  auto colon = rest.rfind(':');
  a.host = rest.substr(0, colon);
  a.port = colon == std::string::npos ? default_port : rest.substr(colon + 1);
  if (a.host.empty() || a.port.empty() ||
      a.port.find_first_not_of("0123456789") != std::string::npos) {
    throw cli_error("not a server URL: '" + url + "' (expected http://HOST:PORT)", exit_usage);
  }
  return a;
}

std::unique_ptr<controlroom::client> connect_client(const connection_options& o,
                                                    const std::string& client_name) {
  controlroom::client_config config;
  config.url = parse_server_url(o.url).ws_url();
  config.token = o.token;
  config.client_name = client_name;
  auto c = std::make_unique<controlroom::client>(std::move(config));
  check(c->connect(), "connect to " + o.url);
  return c;
}

controlroom::role parse_role(const std::string& name) {
  for (auto r : {role::engineer, role::producer, role::artist, role::listener}) {
    if (to_string(r) == name) {
      return r;
    }
  }
  throw cli_error("unknown role '" + name + "' (engineer, producer, artist, listener)", exit_usage);
}

std::int64_t seconds_to_samples(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * controlroom::audio_sample_rate));
}

}  // namespace controlroom::cli
