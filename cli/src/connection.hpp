#pragma once

// What every command that talks to a server takes: the server's URL (http://
// or ws://, the same port serves both), a token, and --json; and the SDK
// client built from them.

#include <CLI/CLI.hpp>
#include <controlroom/client.hpp>
#include <memory>
#include <string>
#include <vector>

namespace controlroom::cli {

struct connection_options {
  std::string url;    ///< http://host:port or ws://host:port[/v1/control]
  std::string token;  ///< an API token (CONTROLROOM_TOKEN)
  bool json = false;  ///< machine-readable output on stdout
};

/// Adds URL (positional, or CONTROLROOM_URL), --token (or CONTROLROOM_TOKEN)
/// and --json to `cmd`.
void add_connection_options(CLI::App* cmd, connection_options& o);

/// host and port of the server's URL.
struct server_address {
  std::string host;
  std::string port;
  std::string ws_url() const { return "ws://" + host + ":" + port + "/v1/control"; }
  std::string http_url() const { return "http://" + host + ":" + port; }
};

/// Parses http://, ws:// or bare host:port; throws cli_error (usage) otherwise.
server_address parse_server_url(const std::string& url);

/// A connected, authenticated SDK client; throws cli_error on failure.
std::unique_ptr<controlroom::client> connect_client(const connection_options& o,
                                                    const std::string& client_name);

/// "engineer" -> role::engineer; throws cli_error (usage) for anything else.
controlroom::role parse_role(const std::string& name);

/// Seconds on the timeline ("12.5") to samples at 48 kHz.
std::int64_t seconds_to_samples(double seconds);

}  // namespace controlroom::cli
