#include "control/dispatcher.hpp"

#include "control/reply.hpp"
#include "metrics/server_metrics.hpp"

namespace controlroom::server {

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
