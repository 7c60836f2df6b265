#include "metrics/server_metrics.hpp"

#include "app/version.hpp"
#include "media/media_switch.hpp"

namespace controlroom::server {

const char* to_string(close_reason reason) {
  switch (reason) {
    case close_reason::peer:
      return "peer";
    case close_reason::idle_timeout:
      return "idle_timeout";
    case close_reason::frame_too_large:
      return "frame_too_large";
    case close_reason::send_queue_full:
      return "send_queue_full";
    case close_reason::protocol_error:
      return "protocol_error";
    case close_reason::shutdown:
      return "shutdown";
    case close_reason::rate_limited:
      return "rate_limited";
    case close_reason::count_:
      break;
  }
  return "unknown";
}

const char* to_string(limit l) {
  switch (l) {
    case limit::request_rate:
      return "request_rate";
    case limit::connections:
      return "connections";
    case limit::connections_per_address:
      return "connections_per_address";
    case limit::frame_size:
      return "frame_size";
    case limit::http_body_size:
      return "http_body_size";
    case limit::send_queue:
      return "send_queue";
    case limit::idle_timeout:
      return "idle_timeout";
    case limit::handshake_timeout:
      return "handshake_timeout";
    case limit::count_:
      break;
  }
  return "unknown";
}

namespace {
const std::vector<double> latency_bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5};
}

server_metrics::server_metrics(metrics_registry& r)
    : registry(r),
      connections_open(
          r.add_gauge("controlroom_connections_open", "Open WebSocket control-plane connections")),
      tls_buffers_kept(r.add_gauge(
          "controlroom_tls_buffers_kept",
          "TLS connections keeping their record buffers (about 34 KiB each): those carrying "
          "audio over the WebSocket fallback")),
      connections_accepted(
          r.add_counter("controlroom_connections_accepted_total", "TCP connections accepted")),
      connections_moved(r.add_counter(
          "controlroom_connections_moved_total",
          "WebSocket connections handed to the worker that owns the session their upgrade "
          "named (?session=)")),
      disk_reads_deferred(r.add_counter(
          "controlroom_disk_reads_deferred_total",
          "Take-file reads the page cache could not serve, done on a disk thread so that no "
          "network worker waited for the device")),
      frames_in(r.add_counter("controlroom_ws_frames_received_total",
                              "WebSocket messages received from clients")),
      frames_out(
          r.add_counter("controlroom_ws_frames_sent_total", "WebSocket messages sent to clients")),
      bytes_in(
          r.add_counter("controlroom_ws_bytes_received_total", "WebSocket payload bytes received")),
      bytes_out(r.add_counter("controlroom_ws_bytes_sent_total", "WebSocket payload bytes sent")),
      malformed_frames(r.add_counter("controlroom_ws_malformed_frames_total",
                                     "Frames that did not parse as a ClientEnvelope")),
      tls_handshake_failures(r.add_counter("controlroom_tls_handshake_failures_total",
                                           "TLS handshakes that failed (wrong protocol, "
                                           "certificate refused by the client, timeout)")),
      error_replies(r.add_counter("controlroom_error_replies_total",
                                  "Error replies sent on the control plane")),
      http_requests(r.add_counter("controlroom_http_requests_total", "HTTP requests served")),
      sessions_live(r.add_gauge("controlroom_sessions_live", "Sessions with a live room")),
      participants(r.add_gauge("controlroom_participants", "Participants present in rooms")),
      db_jobs(r.add_counter("controlroom_db_jobs_total", "Database jobs run")),
      db_failures(r.add_counter("controlroom_db_failures_total",
                                "Database jobs that found no usable connection")),
      db_job_seconds(r.add_histogram("controlroom_db_job_seconds",
                                     "Database job time, queueing included", latency_bounds)),
      commit_batches(r.add_counter("controlroom_commit_batches_total",
                                   "Group-commit transactions of session events")),
      commit_batch_events(r.add_histogram("controlroom_commit_batch_events",
                                          "Events per group-commit transaction",
                                          {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000})),
      commit_failures(r.add_counter("controlroom_commit_failures_total",
                                    "Group-commit transactions that failed")),
      commit_seconds(r.add_histogram("controlroom_commit_seconds",
                                     "Time of one group-commit transaction", latency_bounds)),
      intents_accepted(
          r.add_counter("controlroom_intents_accepted_total", "Intents applied and made durable")),
      intents_rejected(r.add_counter("controlroom_intents_rejected_total",
                                     "Intents refused (role, reference, value, precondition)")),
      intent_commit_seconds(r.add_histogram(
          "controlroom_intent_commit_seconds",
          "From receiving an intent to its durable commit (before the broadcast)", latency_bounds)),
      build_info(r.add_gauge("controlroom_build_info", "Build information; value is always 1",
                             {{"version", version_string}})),
      media_received_udp(r.add_counter("controlroom_media_packets_received_total",
                                       "Media datagrams received with a valid header",
                                       {{"transport", "udp"}})),
      media_received_ws(r.add_counter("controlroom_media_packets_received_total",
                                      "Media datagrams received with a valid header",
                                      {{"transport", "websocket"}})),
      media_bytes_received(r.add_counter("controlroom_media_bytes_received_total",
                                         "Bytes of media datagrams and probes received")),
      media_forwarded_udp(r.add_counter("controlroom_media_packets_forwarded_total",
                                        "Media datagrams forwarded to receivers",
                                        {{"transport", "udp"}})),
      media_forwarded_ws(r.add_counter("controlroom_media_packets_forwarded_total",
                                       "Media datagrams forwarded to receivers",
                                       {{"transport", "websocket"}})),
      media_bytes_forwarded(r.add_counter("controlroom_media_bytes_forwarded_total",
                                          "Bytes of media datagrams forwarded")),
      media_probes(r.add_counter("controlroom_media_probes_total", "UDP probes answered")),
      media_senders(r.add_gauge("controlroom_media_senders",
                                "Participants with a media sender id (OpenMedia)")) {
  static_assert(static_cast<std::size_t>(media_drop::count_) == media_drop_reasons);
  for (std::size_t i = 0; i < media_drops.size(); ++i) {
    media_drops[i] = &r.add_counter("controlroom_media_dropped_total",
                                    "Media datagrams not forwarded, by reason",
                                    {{"reason", to_string(static_cast<media_drop>(i))}});
  }
  for (std::size_t i = 0; i < connections_closed.size(); ++i) {
    connections_closed[i] = &r.add_counter("controlroom_connections_closed_total",
                                           "Control-plane connections closed, by reason",
                                           {{"reason", to_string(static_cast<close_reason>(i))}});
  }
  for (std::size_t i = 0; i < limits_exceeded.size(); ++i) {
    limits_exceeded[i] = &r.add_counter(
        "controlroom_limit_exceeded_total",
        "Requests and connections refused or closed for going over a configured limit",
        {{"limit", to_string(static_cast<limit>(i))}});
  }
  build_info.set(1);
}

}  // namespace controlroom::server
