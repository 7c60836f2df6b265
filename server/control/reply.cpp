#include "control/reply.hpp"

#include "control/log_ids.hpp"
#include "metrics/server_metrics.hpp"
#include "util/log.hpp"

namespace controlroom::server {

void reply(peer& p, std::uint64_t request_id,
           const std::function<void(v1::ServerEnvelope&)>& fill) {
  if (request_id == 0) {
    return;
  }
  v1::ServerEnvelope envelope;
  envelope.set_request_id(request_id);
  fill(envelope);
  p.send(encode(envelope));
}

void reply_error(services& s, peer& p, std::uint64_t request_id, v1::ErrorCode code,
                 const std::string& message) {
  s.metrics.error_replies.inc();
  log::debug(log_subsystem::control, log_ids(p), "request=", request_id, " error ",
             v1::ErrorCode_Name(code), ": ", message);
  p.send(make_error_frame(request_id, code, message));
}

void reply_store_error(services& s, peer& p, std::uint64_t request_id, const store_error& error) {
  switch (error.code) {
    case store_errc::unavailable:
      log::warn(log_subsystem::store, log_ids(p), error.message);
      reply_error(s, p, request_id, v1::ERROR_CODE_UNAVAILABLE,
                  "the database is unavailable; retry shortly");
      return;
    case store_errc::not_found:
      reply_error(s, p, request_id, v1::ERROR_CODE_NOT_FOUND, error.message);
      return;
    case store_errc::conflict:
      reply_error(s, p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION, error.message);
      return;
    case store_errc::invalid:
      reply_error(s, p, request_id, v1::ERROR_CODE_MALFORMED, error.message);
      return;
    case store_errc::internal:
      break;
  }
  log::error(log_subsystem::store, log_ids(p), "request=", request_id, " ", error.message);
  reply_error(s, p, request_id, v1::ERROR_CODE_INTERNAL,
              "internal server error (logged for connection " + p.id() + ")");
}

}  // namespace controlroom::server
