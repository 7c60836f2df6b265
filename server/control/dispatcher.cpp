#include "control/dispatcher.hpp"

#include "control/log_ids.hpp"
#include "control/reply.hpp"
#include "metrics/server_metrics.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

// The one place requests are rate limited, before any handler runs. Every
// frame but a MediaFrame spends a token, undecodable ones too (each costs a
// reply); media has its own bounds (datagram size, queues, the sender's
// published streams), and audio at 400 frames/s would drain any budget
// meant for people's clicks. Returns false when the request was refused.
bool admit_request(services& s, const std::shared_ptr<peer>& p, std::uint64_t request_id) {
  if (s.cfg.max_requests_per_second == 0) {
    return true;
  }
  const auto now = rate_limiter::clock::now();
  auto& limiter = p->state().requests;
  if (!limiter) {
    limiter.emplace(s.cfg.max_requests_per_second, s.cfg.request_burst, now);
  }
  const auto decision = limiter->take(now);
  if (decision.allowed) {
    return true;
  }
  s.metrics.limit_exceeded(limit::request_rate).inc();
  s.metrics.error_replies.inc();
  v1::ServerEnvelope envelope;
  envelope.set_request_id(request_id);
  auto* error = envelope.mutable_error();
  error->set_code(v1::ERROR_CODE_RATE_LIMITED);
  error->set_retry_after_ms(static_cast<std::uint32_t>(decision.retry_after.count()));
  const bool flooding = decision.consecutive_refusals >= s.cfg.rate_limit_close_after;
  error->set_message("more than " + std::to_string(s.cfg.max_requests_per_second) +
                     " requests per second (burst " + std::to_string(s.cfg.request_burst) +
                     "); nothing was applied" +
                     (flooding ? "; closing the connection" : "; retry after the hint"));
  p->send(encode(envelope));
  if (flooding) {
    // The one line an operator needs to find a misbehaving client; the
    // refusals before it are counted, not logged (a flood of them would
    // flood the log too).
    log::warn(log_subsystem::control, log_ids(*p), "closing: ", decision.consecutive_refusals,
              " requests in a row over the rate limit (max_requests_per_second ",
              s.cfg.max_requests_per_second, ", request_burst ", s.cfg.request_burst, ")");
    p->shutdown(close_reason::rate_limited);
  }
  return false;
}

}  // namespace

const handler_table& default_handlers() {
  static const handler_table table = [] {
    handler_table t;
    register_handshake_handlers(t);
    register_session_handlers(t);
    register_intent_handlers(t);
    register_media_handlers(t);
    return t;
  }();
  return table;
}

void dispatch_frame(services& s, const std::shared_ptr<peer>& p, std::string_view bytes,
                    const handler_table& table) {
  const auto envelope = decode_client_envelope(bytes);
  const bool media = envelope && envelope->body_case() == v1::ClientEnvelope::kMediaFrame;
  if (!media && !admit_request(s, p, envelope ? envelope->request_id() : 0)) {
    return;
  }
  if (!envelope) {
    s.metrics.malformed_frames.inc();
    reply_error(
        s, *p, 0, v1::ERROR_CODE_MALFORMED,
        "frame is not a ClientEnvelope with a body (" + std::to_string(bytes.size()) + " bytes)");
    return;
  }
  const auto request_id = envelope->request_id();
  if (envelope->body_case() == v1::ClientEnvelope::BODY_NOT_SET) {
    s.metrics.malformed_frames.inc();
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                "the envelope carries no request this server knows (a newer protocol?)");
    return;
  }
  const auto it = table.find(envelope->body_case());
  if (it == table.end()) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                "message type " + std::to_string(envelope->body_case()) +
                    " is not a request this server handles");
    return;
  }
  const bool is_hello = envelope->body_case() == v1::ClientEnvelope::kHello;
  if (!is_hello && p->state().protocol_version == 0) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                "send Hello first to agree on a protocol version");
    return;
  }
  if (it->second.needs_auth && !p->state().user) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_UNAUTHENTICATED,
                p->state().authenticating ? "wait for Authenticated before sending requests"
                                          : "send Authenticate with a bearer token first");
    return;
  }
  it->second.fn(s, p, *envelope);
}

void peer_closed(services& s, const std::shared_ptr<peer>& p) {
  session_peer_closed(s, p);
}

}  // namespace controlroom::server
