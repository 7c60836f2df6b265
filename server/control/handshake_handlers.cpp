// Hello (version negotiation), Authenticate (bearer token) and Ping.

#include <algorithm>
#include <chrono>

#include <pqxx/pqxx>

#include "app/version.hpp"
#include "control/dispatcher.hpp"
#include "control/log_ids.hpp"
#include "control/reply.hpp"
#include "store/token_repository.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

// Tokens are "crt_" + 43 characters; anything far longer is not one of ours.
constexpr std::size_t max_token_bytes = 256;

void on_hello(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto& hello = env.hello();
  if (p->state().protocol_version != 0) {
    reply_error(s, *p, env.request_id(), v1::ERROR_CODE_FAILED_PRECONDITION,
                "Hello was already sent on this connection");
    return;
  }
  const auto low = std::max(hello.min_version(), protocol_version_min);
  const auto high = std::min(hello.max_version(), protocol_version_max);
  if (hello.min_version() == 0 || low > high) {
    reply_error(s, *p, env.request_id(), v1::ERROR_CODE_UNSUPPORTED_VERSION,
                "this server speaks protocol versions " + std::to_string(protocol_version_min) +
                    ".." + std::to_string(protocol_version_max) + "; the client offered " +
                    std::to_string(hello.min_version()) + ".." +
                    std::to_string(hello.max_version()));
    return;
  }
  p->state().protocol_version = high;
  log::debug(log_subsystem::control, log_ids(*p), "hello from '", hello.client_name(),
             "', version ", high);
  reply(*p, env.request_id(), [&](v1::ServerEnvelope& out) {
    auto* r = out.mutable_hello_reply();
    r->set_version(high);
    r->set_server_name(s.cfg.server_name + "/" + version_string);
    r->set_connection_id(p->id());
    r->set_max_frame_bytes(static_cast<std::uint32_t>(s.cfg.max_frame_bytes));
    r->set_idle_timeout_ms(static_cast<std::uint32_t>(s.cfg.idle_timeout.count()));
  });
}

void on_authenticate(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  auto& state = p->state();
  if (state.user || state.authenticating) {
    reply_error(s, *p, env.request_id(), v1::ERROR_CODE_FAILED_PRECONDITION,
                "this connection is already authenticated");
    return;
  }
  const auto& token = env.authenticate().bearer_token();
  if (token.empty() || token.size() > max_token_bytes) {
    reply_error(s, *p, env.request_id(), v1::ERROR_CODE_UNAUTHENTICATED,
                token.empty() ? "no bearer token given" : "the bearer token is not valid");
    return;
  }
  state.authenticating = true;
  const auto request_id = env.request_id();
  query_for(
      s, p,
      [token](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        auto user = token_repository::authenticate(tx, token);
        tx.commit();
        return user;
      },
      [&s, p, request_id](store_result<std::optional<user_record>> result) {
        p->state().authenticating = false;
        if (!result.ok()) {
          reply_store_error(s, *p, request_id, result.error());
          return;
        }
        if (!result.value()) {
          reply_error(s, *p, request_id, v1::ERROR_CODE_UNAUTHENTICATED,
                      "the bearer token is unknown, expired or revoked");
          return;
        }
        p->state().user = *result.value();
        log::info(log_subsystem::control, log_ids(*p), "authenticated as '", p->state().user->name,
                  "' (", p->state().user->id, ")");
        reply(*p, request_id, [&](v1::ServerEnvelope& out) {
          *out.mutable_authenticated()->mutable_user() = to_proto(*p->state().user);
        });
      });
}

void on_ping(services&, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  reply(*p, env.request_id(), [&](v1::ServerEnvelope& out) {
    out.mutable_pong()->set_client_time_us(env.ping().client_time_us());
    out.mutable_pong()->set_server_time_us(static_cast<std::uint64_t>(now));
  });
}

}  // namespace

void register_handshake_handlers(handler_table& table) {
  table[v1::ClientEnvelope::kHello] = {&on_hello, false};
  table[v1::ClientEnvelope::kAuthenticate] = {&on_authenticate, false};
  table[v1::ClientEnvelope::kPing] = {&on_ping, false};
}

}  // namespace controlroom::server
