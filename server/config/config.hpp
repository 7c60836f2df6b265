#pragma once

// controlroomd's configuration: one plain struct, filled in layers
// (defaults < file < environment < command-line flags) and validated once.
// Pure: no I/O beyond reading the named file; every error is a config_error
// whose message names the offending key and source.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace controlroom::server {

struct config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 7700;       // 0: any free port (tests)
  unsigned workers = 0;            // network workers; 0: one per core
  unsigned realtime_priority = 0;  // network workers under SCHED_FIFO (1..99); 0: off
  // Participants a worker takes before new sessions go to the next (fill
  // the workers in order); 0: spread sessions over the least loaded.
  unsigned worker_fill = 512;
  std::string database_url;            // libpq URL; required
  unsigned db_pool_size = 2;           // database connections, one thread each
  std::size_t db_queue_limit = 10000;  // pending database jobs before requests fail fast
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_http_body_bytes = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  std::size_t send_queue_limit = 1024;  // queued outbound frames per connection
  // Requests (all but MediaFrame) per connection: a token bucket. 0: no limit.
  unsigned max_requests_per_second = 100;
  unsigned request_burst = 200;
  unsigned rate_limit_close_after = 100;  // refusals in a row before the close
  // Open TCP connections (HTTP and WebSocket). 0: no limit.
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_address = 128;
  // UDP media: worker i listens on media_port + i (0: any free port each).
  std::uint16_t media_port = 7700;
  std::string media_public_host;           // announced in MediaOpened; empty: the client's host
  std::size_t media_queue_limit = 64;      // MediaFrames queued per WebSocket receiver
  std::size_t udp_buffer_bytes = 4 << 20;  // SO_RCVBUF / SO_SNDBUF of each media socket
  // TLS (https/wss) on the control port when both are set (PEM files).
  std::string tls_cert_file;  // certificate chain
  std::string tls_key_file;   // its private key
  // Several nodes on one database (docs/operations.md).
  std::string node_id;     // empty: "<hostname>-<port>"
  std::string public_url;  // WebSocket URL clients use for this node; empty: from address/port
  std::chrono::milliseconds lease{10'000};          // session ownership lease
  std::chrono::milliseconds drain_timeout{10'000};  // SIGTERM: longest graceful stop
  std::string recordings_dir = "recordings";        // take files: <dir>/<session id>/
  std::chrono::milliseconds heal_window{2000};      // a recording waits this long for a lost frame
  std::size_t commit_queue_limit = 100'000;         // events waiting for the group commit
  std::size_t commit_batch_limit = 2000;            // events per group-commit transaction
  std::uint64_t snapshot_every = 500;               // committed events between snapshots
  std::size_t resume_window = 2048;                 // recent events kept to resume replicas
  // Logs (docs/operations.md): the least severe level written, overrides per
  // subsystem ("media=debug,store=warn"), and logfmt or json lines.
  std::string log_level = "info";
  std::string log_levels;
  std::string log_format = "logfmt";
  std::string server_name = "controlroomd";
  std::string migrations_dir;  // empty: the migrations built into the binary
};

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Sets one key from its text form. Keys use underscores; dashes are accepted
/// as synonyms (`--database-url`). `source` names where the value came from,
/// for the error message. Throws config_error on an unknown key or bad value.
void set_config_value(config& cfg, std::string key, const std::string& value,
                      const std::string& source);

/// Applies a `key = value` file body (`#` comments, blank lines, optional
/// double quotes around the value).
void apply_config_text(config& cfg, const std::string& text, const std::string& source_name);

/// Applies every CONTROLROOMD_<KEY> variable of `env` (NAME=VALUE strings).
/// An unknown CONTROLROOMD_ variable is an error, like an unknown key.
void apply_config_env(config& cfg, const std::vector<std::string>& env);

/// Checks cross-field rules (required keys, ranges). Throws config_error.
void validate(const config& cfg);

/// Key/value listing for the start-up banner; secrets in database_url masked.
std::vector<std::pair<std::string, std::string>> describe(const config& cfg);

/// All keys with a one-line description, for --help.
std::vector<std::pair<std::string, std::string>> config_keys();

/// The database URL with any password replaced by "***".
std::string mask_password(const std::string& url);

}  // namespace controlroom::server
