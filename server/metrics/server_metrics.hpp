#pragma once

// The series controlroomd exports, registered once at start-up. Members are
// references into the registry, safe to update from any thread.

#include <array>
#include <string>

#include "metrics/registry.hpp"

namespace controlroom::server {

/// Why a control-plane connection was closed by the server, for the
/// controlroom_connections_closed_total{reason} series.
enum class close_reason {
  peer,          // the client closed or the socket failed
  idle_timeout,  // no traffic (not even pongs) within idle_timeout_ms
  frame_too_large,
  send_queue_full,  // a slow reader: dropped, it resumes on reconnect
  protocol_error,   // text frame, ...
  shutdown,
  rate_limited,  // kept sending requests far past max_requests_per_second
  count_
};
const char* to_string(close_reason reason);

/// A configured limit a peer ran into, for the
/// controlroom_limit_exceeded_total{limit} series: one count per refused
/// request, closed connection or refused connection.
enum class limit {
  request_rate,             // a request over max_requests_per_second (RATE_LIMITED)
  connections,              // max_connections: the connection is dropped at accept
  connections_per_address,  // max_connections_per_address: HTTP 429
  frame_size,               // a WebSocket message over max_frame_bytes (close 1009)
  http_body_size,           // an HTTP body over max_http_body_bytes (413)
  send_queue,               // send_queue_limit: a slow reader is cut off
  idle_timeout,             // idle_timeout_ms: a silent WebSocket peer is dropped
  handshake_timeout,        // handshake_timeout_ms: no complete request/upgrade/TLS handshake
  count_
};
const char* to_string(limit l);

/// Why a media datagram was dropped (defined in media/media_switch.hpp).
enum class media_drop;
inline constexpr std::size_t media_drop_reasons = 11;

struct server_metrics {
  explicit server_metrics(metrics_registry& registry);

  metrics_registry& registry;
  gauge& connections_open;
  gauge& tls_buffers_kept;
  counter& connections_accepted;
  counter& connections_moved;
  counter& disk_reads_deferred;
  std::array<counter*, static_cast<std::size_t>(close_reason::count_)> connections_closed{};
  counter& frames_in;
  counter& frames_out;
  counter& bytes_in;
  counter& bytes_out;
  counter& malformed_frames;
  counter& tls_handshake_failures;
  counter& error_replies;
  counter& http_requests;
  gauge& sessions_live;
  gauge& participants;
  counter& db_jobs;
  counter& db_failures;
  histogram& db_job_seconds;
  counter& commit_batches;
  histogram& commit_batch_events;
  counter& commit_failures;
  histogram& commit_seconds;
  counter& intents_accepted;
  counter& intents_rejected;
  histogram& intent_commit_seconds;
  gauge& build_info;
  counter& media_received_udp;
  counter& media_received_ws;
  counter& media_bytes_received;
  counter& media_forwarded_udp;
  counter& media_forwarded_ws;
  counter& media_bytes_forwarded;
  counter& media_probes;
  gauge& media_senders;
  std::array<counter*, media_drop_reasons> media_drops{};
  std::array<counter*, static_cast<std::size_t>(limit::count_)> limits_exceeded{};

  counter& closed(close_reason reason) {
    return *connections_closed[static_cast<std::size_t>(reason)];
  }
  counter& limit_exceeded(limit l) { return *limits_exceeded[static_cast<std::size_t>(l)]; }
  counter& media_dropped(media_drop reason) {
    return *media_drops[static_cast<std::size_t>(reason)];
  }
};

}  // namespace controlroom::server
