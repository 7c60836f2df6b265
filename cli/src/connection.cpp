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
  add_tls_options(cmd, o.trust);
  add_timeout_option(cmd, o.timeout_seconds);
}

void add_timeout_option(CLI::App* cmd, double& seconds) {
  cmd->add_option("--timeout", seconds,
                  "HTTP requests and downloads: give up when the server has not answered (or "
                  "sent more) for this many seconds (default 30; 0: wait forever)")
      ->envname("CONTROLROOM_TIMEOUT")
      ->check(CLI::Range(0.0, 86400.0));
}

void add_tls_options(CLI::App* cmd, tls_trust& trust) {
  cmd->add_option("--ca-file", trust.ca_file,
                  "https/wss: PEM certificate authorities to trust instead of the system's")
      ->envname("CONTROLROOM_CA_FILE");
  cmd->add_flag("--insecure", trust.insecure,
                "https/wss: accept any certificate (FOR TESTING ONLY: no protection against an "
                "impostor or eavesdropper)");
}

server_address parse_server_url(const std::string& url) {
  std::string rest = url;
  server_address a;
  std::string default_port = "80";
  for (const auto& [scheme, tls] : {std::pair<std::string, bool>{"http://", false},
                                    {"ws://", false},
                                    {"https://", true},
                                    {"wss://", true}}) {
    if (rest.rfind(scheme, 0) == 0) {
      rest = rest.substr(scheme.size());
      a.tls = tls;
      default_port = tls ? "443" : "80";
      break;
    }
  }
  rest = rest.substr(0, rest.find('/'));
  rest = rest.substr(0, rest.find('?'));
  std::string::size_type colon;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    a.host = close == std::string::npos ? "" : rest.substr(1, close - 1);
    colon = close == std::string::npos || close + 1 >= rest.size() ? std::string::npos : close + 1;
    if (colon != std::string::npos && rest[colon] != ':') {
      a.host.clear();
    }
  } else {
    colon = rest.rfind(':');
    a.host = rest.substr(0, colon);
  }
  a.port = colon == std::string::npos ? default_port : rest.substr(colon + 1);
  if (a.host.empty() || a.port.empty() || a.host.find_first_of(" /@") != std::string::npos ||
      a.port.find_first_not_of("0123456789") != std::string::npos) {
    throw cli_error(
        "not a server URL: '" + url + "' (expected http://HOST:PORT or https://HOST:PORT)",
        exit_usage);
  }
  return a;
}

std::string timeout_text(std::chrono::milliseconds t) {
  const auto ms = t.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

server_address server_of(const connection_options& o) {
  auto a = parse_server_url(o.url);
  a.trust = o.trust;
  a.io_timeout = std::chrono::milliseconds(std::llround(o.timeout_seconds * 1000));
  return a;
}

namespace {

// What the server takes as a session id in the hint (protocol §1); anything
// else would be ignored there, so it is not sent.
bool hintable(const std::string& session) {
  return !session.empty() && session.size() <= 64 &&
         session.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
             "0123456789-_") == std::string::npos;
}

}  // namespace

std::unique_ptr<controlroom::client> connect_client(const connection_options& o,
                                                    const std::string& client_name,
                                                    const std::string& session) {
  controlroom::client_config config;
  const auto server = server_of(o);
  config.url = server.ws_url();
  if (hintable(session)) {
    config.url += "?session=" + session;
  }
  config.token = o.token;
  config.ca_file = server.trust.ca_file;
  config.insecure_skip_verify = server.trust.insecure;
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
