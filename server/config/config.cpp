#include "config/config.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "util/log.hpp"

namespace controlroom::server {
namespace {

struct key_spec {
  const char* name;
  const char* help;
  std::function<void(config&, const std::string&)> set;
  std::function<std::string(const config&)> get;
};

template <class Int>
Int parse_int(const std::string& text, Int min, Int max) {
  Int value{};
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    throw config_error("expected an integer, got '" + text + "'");
  }
  if (value < min || value > max) {
    throw config_error("value " + text + " out of range [" + std::to_string(min) + ", " +
                       std::to_string(max) + "]");
  }
  return value;
}

std::chrono::milliseconds parse_ms(const std::string& text) {
  return std::chrono::milliseconds(parse_int<std::int64_t>(text, 1, 24LL * 3600 * 1000));
}

const std::vector<key_spec>& specs() {
  static const std::vector<key_spec> table = {
      {"listen_address", "address to bind the HTTP/WebSocket port to",
       [](config& c, const std::string& v) { c.listen_address = v; },
       [](const config& c) { return c.listen_address; }},
      {"port", "TCP port for HTTP and the WebSocket control plane (0: any free port)",
       [](config& c, const std::string& v) { c.port = parse_int<std::uint16_t>(v, 0, 65535); },
       [](const config& c) { return std::to_string(c.port); }},
      {"workers", "network worker threads (0: one per core)",
       [](config& c, const std::string& v) { c.workers = parse_int<unsigned>(v, 0, 256); },
       [](const config& c) { return std::to_string(c.workers); }},
      {"worker_fill",
       "participants a network worker takes before new sessions go to the next one; filling "
       "workers in order costs less CPU per packet than spreading (0: spread sessions over the "
       "least loaded workers)",
       [](config& c, const std::string& v) {
         c.worker_fill = parse_int<unsigned>(v, 0, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.worker_fill); }},
      {"realtime_priority",
       "run the network workers under SCHED_FIFO at this priority, 1-99 (0: normal scheduling); "
       "needs CAP_SYS_NICE or RLIMIT_RTPRIO",
       [](config& c, const std::string& v) { c.realtime_priority = parse_int<unsigned>(v, 0, 99); },
       [](const config& c) { return std::to_string(c.realtime_priority); }},
      {"database_url", "PostgreSQL connection URL (libpq syntax); required",
       [](config& c, const std::string& v) { c.database_url = v; },
       [](const config& c) { return mask_password(c.database_url); }},
      {"db_pool_size", "database connections, each on its own thread",
       [](config& c, const std::string& v) { c.db_pool_size = parse_int<unsigned>(v, 1, 64); },
       [](const config& c) { return std::to_string(c.db_pool_size); }},
      {"db_queue_limit", "database jobs allowed to wait before requests fail with 'unavailable'",
       [](config& c, const std::string& v) {
         c.db_queue_limit = parse_int<std::size_t>(v, 1, 10'000'000);
       },
       [](const config& c) { return std::to_string(c.db_queue_limit); }},
      {"max_frame_bytes", "largest WebSocket message accepted from a client",
       [](config& c, const std::string& v) {
         c.max_frame_bytes = parse_int<std::size_t>(v, 1024, 64 * 1024 * 1024);
       },
       [](const config& c) { return std::to_string(c.max_frame_bytes); }},
      {"max_http_body_bytes", "largest HTTP request body accepted",
       [](config& c, const std::string& v) {
         c.max_http_body_bytes = parse_int<std::size_t>(v, 1024, 1024 * 1024 * 1024);
       },
       [](const config& c) { return std::to_string(c.max_http_body_bytes); }},
      {"idle_timeout_ms", "close a WebSocket peer silent this long (pings keep it alive)",
       [](config& c, const std::string& v) { c.idle_timeout = parse_ms(v); },
       [](const config& c) { return std::to_string(c.idle_timeout.count()); }},
      {"handshake_timeout_ms", "limit for the HTTP request / WebSocket upgrade",
       [](config& c, const std::string& v) { c.handshake_timeout = parse_ms(v); },
       [](const config& c) { return std::to_string(c.handshake_timeout.count()); }},
      {"send_queue_limit", "outbound frames queued per connection before it is closed",
       [](config& c, const std::string& v) {
         c.send_queue_limit = parse_int<std::size_t>(v, 16, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.send_queue_limit); }},
      {"max_requests_per_second",
       "requests (all but media frames) a connection may send per second, on average (0: no limit)",
       [](config& c, const std::string& v) {
         c.max_requests_per_second = parse_int<unsigned>(v, 0, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.max_requests_per_second); }},
      {"request_burst", "requests a connection may send at once above max_requests_per_second",
       [](config& c, const std::string& v) {
         c.request_burst = parse_int<unsigned>(v, 1, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.request_burst); }},
      {"rate_limit_close_after", "rate-limited requests in a row before the connection is closed",
       [](config& c, const std::string& v) {
         c.rate_limit_close_after = parse_int<unsigned>(v, 1, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.rate_limit_close_after); }},
      {"max_connections", "open TCP connections (HTTP and WebSocket) in all (0: no limit)",
       [](config& c, const std::string& v) {
         c.max_connections = parse_int<std::size_t>(v, 0, 10'000'000);
       },
       [](const config& c) { return std::to_string(c.max_connections); }},
      {"max_connections_per_address",
       "open TCP connections from one client IP address (0: no limit)",
       [](config& c, const std::string& v) {
         c.max_connections_per_address = parse_int<std::size_t>(v, 0, 10'000'000);
       },
       [](const config& c) { return std::to_string(c.max_connections_per_address); }},
      {"media_port", "first UDP media port; worker i uses media_port + i (0: any free port)",
       [](config& c, const std::string& v) {
         c.media_port = parse_int<std::uint16_t>(v, 0, 65535);
       },
       [](const config& c) { return std::to_string(c.media_port); }},
      {"media_public_host", "host announced for UDP media (empty: the host clients connected to)",
       [](config& c, const std::string& v) { c.media_public_host = v; },
       [](const config& c) { return c.media_public_host; }},
      {"media_queue_limit", "audio frames queued per WebSocket receiver before the oldest drops",
       [](config& c, const std::string& v) {
         c.media_queue_limit = parse_int<std::size_t>(v, 4, 100'000);
       },
       [](const config& c) { return std::to_string(c.media_queue_limit); }},
      {"udp_buffer_bytes", "kernel receive and send buffer of each UDP media socket",
       [](config& c, const std::string& v) {
         c.udp_buffer_bytes = parse_int<std::size_t>(v, 64 * 1024, 1024 * 1024 * 1024);
       },
       [](const config& c) { return std::to_string(c.udp_buffer_bytes); }},
      {"tls_cert_file", "PEM certificate chain: serve https/wss (with tls_key_file)",
       [](config& c, const std::string& v) { c.tls_cert_file = v; },
       [](const config& c) { return c.tls_cert_file; }},
      {"tls_key_file", "PEM private key of tls_cert_file",
       [](config& c, const std::string& v) { c.tls_key_file = v; },
       [](const config& c) { return c.tls_key_file; }},
      {"node_id", "this node's name among nodes sharing the database (empty: hostname-port)",
       [](config& c, const std::string& v) { c.node_id = v; },
       [](const config& c) { return c.node_id; }},
      {"public_url", "WebSocket URL clients use to reach this node (redirects, draining)",
       [](config& c, const std::string& v) {
         if (!v.empty() && v.rfind("ws://", 0) != 0 && v.rfind("wss://", 0) != 0) {
           throw config_error("expected a ws:// or wss:// URL, got '" + v + "'");
         }
         c.public_url = v;
       },
       [](const config& c) { return c.public_url; }},
      {"lease_ms", "how long a node owns a live session without renewing (renewed every third)",
       [](config& c, const std::string& v) {
         c.lease = std::chrono::milliseconds(parse_int<std::int64_t>(v, 300, 3'600'000));
       },
       [](const config& c) { return std::to_string(c.lease.count()); }},
      {"drain_timeout_ms", "on SIGTERM, the longest the server takes to drain and stop",
       [](config& c, const std::string& v) { c.drain_timeout = parse_ms(v); },
       [](const config& c) { return std::to_string(c.drain_timeout.count()); }},
      {"recordings_dir", "directory for take files (Ogg Opus), one folder per session",
       [](config& c, const std::string& v) {
         if (v.empty()) {
           throw config_error("must not be empty");
         }
         c.recordings_dir = v;
       },
       [](const config& c) { return c.recordings_dir; }},
      {"heal_window_ms", "how long a recording waits for a lost frame to be resent",
       [](config& c, const std::string& v) { c.heal_window = parse_ms(v); },
       [](const config& c) { return std::to_string(c.heal_window.count()); }},
      {"commit_queue_limit", "session events waiting for the group commit before intents fail",
       [](config& c, const std::string& v) {
         c.commit_queue_limit = parse_int<std::size_t>(v, 100, 10'000'000);
       },
       [](const config& c) { return std::to_string(c.commit_queue_limit); }},
      {"commit_batch_limit", "most events in one group-commit transaction",
       [](config& c, const std::string& v) {
         c.commit_batch_limit = parse_int<std::size_t>(v, 1, 100'000);
       },
       [](const config& c) { return std::to_string(c.commit_batch_limit); }},
      {"snapshot_every", "committed events between state snapshots of a session",
       [](config& c, const std::string& v) {
         c.snapshot_every = parse_int<std::uint64_t>(v, 1, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.snapshot_every); }},
      {"resume_window", "recent events kept in memory so reconnecting replicas catch up",
       [](config& c, const std::string& v) {
         c.resume_window = parse_int<std::size_t>(v, 1, 1'000'000);
       },
       [](const config& c) { return std::to_string(c.resume_window); }},
      {"log_level", "least severe level logged: debug, info, warn or error",
       [](config& c, const std::string& v) {
         if (!parse_log_level(v)) {
           throw config_error("expected debug, info, warn or error, got '" + v + "'");
         }
         c.log_level = v;
       },
       [](const config& c) { return c.log_level; }},
      {"log_levels",
       "per-subsystem levels over log_level, e.g. media=debug,store=warn (subsystems: app, net, "
       "control, session, store, media, recording, http, keeper)",
       [](config& c, const std::string& v) {
         try {
           parse_log_level_overrides(v);
         } catch (const std::invalid_argument& e) {
           throw config_error(e.what());
         }
         c.log_levels = v;
       },
       [](const config& c) { return c.log_levels; }},
      {"log_format", "log lines as logfmt (key=value pairs) or json (one object per line)",
       [](config& c, const std::string& v) {
         if (!parse_log_format(v)) {
           throw config_error("expected logfmt or json, got '" + v + "'");
         }
         c.log_format = v;
       },
       [](const config& c) { return c.log_format; }},
      {"server_name", "name announced to clients in HelloReply",
       [](config& c, const std::string& v) { c.server_name = v; },
       [](const config& c) { return c.server_name; }},
      {"migrations_dir", "read migrations from this directory instead of the built-in ones",
       [](config& c, const std::string& v) { c.migrations_dir = v; },
       [](const config& c) { return c.migrations_dir.empty() ? "(built in)" : c.migrations_dir; }},
  };
  return table;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

}  // namespace

void set_config_value(config& cfg, std::string key, const std::string& value,
                      const std::string& source) {
  std::replace(key.begin(), key.end(), '-', '_');
  const auto& table = specs();
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const key_spec& s) { return key == s.name; });
  if (it == table.end()) {
    throw config_error(source + ": unknown configuration key '" + key + "'");
  }
  try {
    it->set(cfg, value);
  } catch (const config_error& e) {
    throw config_error(source + ": " + key + ": " + e.what());
  }
}

void apply_config_text(config& cfg, const std::string& text, const std::string& source_name) {
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto where = source_name + ":" + std::to_string(number);
    line = trim(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      throw config_error(where + ": expected 'key = value', got '" + line + "'");
    }
    const auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (key.empty()) {
      throw config_error(where + ": missing key before '='");
    }
    set_config_value(cfg, key, value, where);
  }
}

void apply_config_env(config& cfg, const std::vector<std::string>& env) {
  static const std::string prefix = "CONTROLROOMD_";
  for (const auto& entry : env) {
    if (entry.rfind(prefix, 0) != 0) {
      continue;
    }
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    auto key = entry.substr(prefix.size(), eq - prefix.size());
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    set_config_value(cfg, key, entry.substr(eq + 1), "environment " + entry.substr(0, eq));
  }
}

void validate(const config& cfg) {
  if (cfg.database_url.empty()) {
    throw config_error(
        "database_url is required (flag --database-url, environment CONTROLROOMD_DATABASE_URL "
        "or 'database_url = ...' in the config file)");
  }
  if (cfg.listen_address.empty()) {
    throw config_error("listen_address must not be empty");
  }
  if (cfg.max_connections != 0 && cfg.max_connections_per_address > cfg.max_connections) {
    throw config_error(
        "max_connections_per_address (" + std::to_string(cfg.max_connections_per_address) +
        ") must not exceed max_connections (" + std::to_string(cfg.max_connections) + ")");
  }
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) {
    throw config_error("tls_cert_file and tls_key_file go together: set both, or neither");
  }
}

std::vector<std::pair<std::string, std::string>> describe(const config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : specs()) {
    out.emplace_back(s.name, s.get(cfg));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> config_keys() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : specs()) {
    out.emplace_back(s.name, s.help);
  }
  return out;
}

std::string mask_password(const std::string& url) {
  // URL form: scheme://user:password@host...; keyword form: password=...
  std::string out = url;
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (const std::string key : {"password="}) {
    auto pos = out.find(key);
    while (pos != std::string::npos) {
      const auto start = pos + key.size();
      auto end = out.find_first_of(" &", start);
      if (end == std::string::npos) {
        end = out.size();
      }
      out.replace(start, end - start, "***");
      pos = out.find(key, start + 3);
    }
  }
  return out;
}

}  // namespace controlroom::server
