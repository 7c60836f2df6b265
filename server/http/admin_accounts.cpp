// Users and their API tokens. Admins manage everyone; a user manages their
// own tokens (list, revoke, and issue new ones that expire no later than the
// token they ask with, so a guest's time-limited token cannot mint a
// permanent one).

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "http/admin_handlers.hpp"
#include "store/account_repository.hpp"
#include "util/log.hpp"

namespace controlroom::server::admin {
namespace {

constexpr std::int64_t max_token_lifetime_s = 10LL * 365 * 24 * 3600;
constexpr std::size_t max_label_bytes = 200;

// The user id in the path, with "me" resolved to the caller.
std::string user_param(const admin_call& call) {
  return call.params.at(0) == "me" ? call.user().id : call.params.at(0);
}

// Admins may act on anyone; others only on themselves.
void require_self_or_admin(const admin_call& call, const std::string& user_id) {
  if (!call.user().admin && call.user().id != user_id) {
    throw api_error(403, "forbidden", "only an admin manages other users' tokens");
  }
}

account_record existing(pqxx::transaction_base& tx, const std::string& id) {
  auto found = account_repository::find(tx, id);
  if (!found) {
    throw api_error(404, "not_found", "no such user");
  }
  return *found;
}

}  // namespace

http_response create_user(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  allow_only(call.body, {"name", "admin"});
  const auto name = string_field(call.body, "name");
  if (!name || name->empty() || name->size() > 100) {
    throw api_error(400, "bad_request", "'name' must be 1..100 characters");
  }
  const auto created =
      account_repository::create(tx, *name, bool_field(call.body, "admin", false), false);
  log::info(log_subsystem::http, {}, "user ", created.user.id, " '", *name, "' created by ",
            call.user().id);
  return json_reply(201, to_json(created));
}

http_response list_users(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  boost::json::array users;
  for (const auto& a : account_repository::list(tx)) {
    users.push_back(to_json(a));
  }
  return json_reply(200, boost::json::object{{"users", users}});
}

http_response get_user(pqxx::transaction_base& tx, const admin_call& call) {
  const auto id = user_param(call);
  if (!call.user().admin && call.user().id != id) {
    throw api_error(403, "forbidden", "only an admin looks up other users");
  }
  return json_reply(200, to_json(existing(tx, id)));
}

http_response delete_user(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  const auto id = user_param(call);
  if (id == call.user().id) {
    throw api_error(409, "conflict", "you cannot delete yourself");
  }
  if (!account_repository::remove(tx, id)) {
    throw api_error(404, "not_found", "no such user");
  }
  log::info(log_subsystem::http, {}, "user ", id, " deleted by ", call.user().id);
  return json_reply(200, boost::json::object{{"deleted", id}});
}

http_response disable_user(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  const auto id = user_param(call);
  if (id == call.user().id) {
    throw api_error(409, "conflict", "you cannot disable yourself");
  }
  if (!account_repository::disable(tx, id)) {
    throw api_error(404, "not_found", "no such user");
  }
  log::info(log_subsystem::http, {}, "user ", id, " disabled by ", call.user().id);
  return json_reply(200, to_json(existing(tx, id)));
}

http_response issue_token(pqxx::transaction_base& tx, const admin_call& call) {
  const auto id = user_param(call);
  require_self_or_admin(call, id);
  allow_only(call.body, {"label", "expires_in_seconds"});
  const auto label = string_field(call.body, "label").value_or("");
  if (label.size() > max_label_bytes) {
    throw api_error(400, "bad_request", "'label' is longer than 200 bytes");
  }
  const auto lifetime = int_field(call.body, "expires_in_seconds", 0, max_token_lifetime_s);
  const auto account = existing(tx, id);
  if (account.disabled) {
    throw api_error(409, "conflict", "the user is disabled");
  }
  if (!call.user().admin) {
    const auto mine = account_repository::token_by_secret(tx, call.bearer);
    if (mine && mine->expires_unix_ms != 0 &&
        (lifetime.value_or(0) == 0 || now_unix_ms() + *lifetime * 1000 > mine->expires_unix_ms)) {
      throw api_error(403, "forbidden",
                      "a token you issue may not outlive the one you use (it expires at unix ms " +
                          std::to_string(mine->expires_unix_ms) + ")");
    }
  }
  auto [record, secret] =
      account_repository::issue_token(tx, id, label, std::chrono::seconds(lifetime.value_or(0)));
  auto body = to_json(record);
  body["token"] = secret;  // the only time it is ever shown
  log::info(log_subsystem::http, {}, "token ", record.id, " issued for user ", id, " by ",
            call.user().id);
  return json_reply(201, body);
}

http_response list_tokens(pqxx::transaction_base& tx, const admin_call& call) {
  const auto id = user_param(call);
  require_self_or_admin(call, id);
  existing(tx, id);
  boost::json::array tokens;
  for (const auto& t : account_repository::tokens(tx, id)) {
    tokens.push_back(to_json(t));
  }
  return json_reply(200, boost::json::object{{"tokens", tokens}});
}

http_response revoke_token(pqxx::transaction_base& tx, const admin_call& call) {
  const auto token = account_repository::find_token(tx, call.params.at(0));
  // Someone else's token is "not found" to a non-admin: ids are not secrets,
  // but there is no reason to confirm them either.
  if (!token || (!call.user().admin && token->user_id != call.user().id)) {
    throw api_error(404, "not_found", "no such token");
  }
  account_repository::revoke_token(tx, token->id);
  log::info(log_subsystem::http, {}, "token ", token->id, " revoked by ", call.user().id);
  return json_reply(200, boost::json::object{{"revoked", token->id}});
}

}  // namespace controlroom::server::admin
