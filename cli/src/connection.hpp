#pragma once

// What every command that talks to a server takes: the server's URL (http://
// or ws://, the same port serves both; https:// or wss:// for a server with
// TLS), a token, --json, and whom to trust for TLS; and the SDK client built
// from them.

#include <CLI/CLI.hpp>
#include <chrono>
#include <controlroom/client.hpp>
#include <memory>
#include <string>
#include <vector>

namespace controlroom::cli {

/// Whom to trust for https:// and wss://. The default is the system's
/// certificate authorities, and the certificate must name the URL's host.
struct tls_trust {
  std::string ca_file;    ///< PEM certificate authorities to trust instead
  bool insecure = false;  ///< accept any certificate: for testing only
};

struct connection_options {
  std::string url;    ///< http(s)://host:port or ws(s)://host:port[/v1/control]
  std::string token;  ///< an API token (CONTROLROOM_TOKEN)
  bool json = false;  ///< machine-readable output on stdout
  tls_trust trust;
  double timeout_seconds = 30;  ///< HTTP: the longest wait for the server (0: none)
};

/// Adds URL (positional, or CONTROLROOM_URL), --token (or CONTROLROOM_TOKEN),
/// --json and the TLS options to `cmd`.
void add_connection_options(CLI::App* cmd, connection_options& o);
/// Adds --ca-file (or CONTROLROOM_CA_FILE) and --insecure to `cmd`.
void add_tls_options(CLI::App* cmd, tls_trust& trust);
/// Adds --timeout SECONDS (or CONTROLROOM_TIMEOUT) to `cmd`.
void add_timeout_option(CLI::App* cmd, double& seconds);

/// How to reach the server: host, port, whether over TLS and whom to trust.
struct server_address {
  std::string host;
  std::string port;
  bool tls = false;
  tls_trust trust;
  /// The longest an HTTP request waits on one step (connecting, the TLS
  /// handshake, each read or write: a download that keeps arriving is
  /// never cut); zero: no limit.
  std::chrono::milliseconds io_timeout{30'000};
  std::string ws_url() const { return (tls ? "wss://" : "ws://") + host_port() + "/v1/control"; }
  std::string http_url() const { return (tls ? "https://" : "http://") + host_port(); }
  std::string host_port() const {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  }
};

/// Parses http://, https://, ws://, wss:// or bare host:port (plain; the
/// port defaults to 80, or 443 with TLS); throws cli_error (usage) otherwise.
server_address parse_server_url(const std::string& url);
/// "30 s", "1500 ms": a timeout as messages show it.
std::string timeout_text(std::chrono::milliseconds t);

/// The server of `o.url`, with `o.trust` and `o.timeout_seconds`.
server_address server_of(const connection_options& o);

/// A connected, authenticated SDK client; throws cli_error on failure.
/// `session`, when the command is about to join it, is named in the upgrade
/// (`?session=`, docs/protocol.md §1) so that the server serves the
/// connection on that session's thread.
std::unique_ptr<controlroom::client> connect_client(const connection_options& o,
                                                    const std::string& client_name,
                                                    const std::string& session = {});

/// "engineer" -> role::engineer; throws cli_error (usage) for anything else.
controlroom::role parse_role(const std::string& name);

/// Seconds on the timeline ("12.5") to samples at 48 kHz.
std::int64_t seconds_to_samples(double seconds);

}  // namespace controlroom::cli
