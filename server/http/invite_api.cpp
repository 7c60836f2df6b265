// Invites (issue 6): an engineer of a session, or an admin, creates a code
// that lets its holder join the session in one role, a bounded number of
// times, until it expires or is revoked. Redeeming needs no account: without
// a bearer token the invite makes a guest user and a token for them, so a
// browser can open the console from a link alone.

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "http/admin_handlers.hpp"
#include "store/account_repository.hpp"
#include "store/invite_repository.hpp"
#include "store/session_repository.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server::admin {
namespace {

constexpr std::int64_t default_invite_lifetime_s = 7 * 24 * 3600;
constexpr std::int64_t max_invite_lifetime_s = 365LL * 24 * 3600;
constexpr std::int64_t max_invite_uses = 10000;
// A guest holds a token for this long; an admin can issue another.
constexpr std::chrono::seconds guest_token_lifetime{30LL * 24 * 3600};
constexpr std::size_t max_code_bytes = 200;

// Admins, and engineers of the session, manage its invites.
void require_engineer(pqxx::transaction_base& tx, const admin_call& call,
                      const std::string& session_id) {
  if (!session_repository::find(tx, session_id)) {
    throw api_error(404, "not_found", "no such session");
  }
  if (!call.user().admin &&
      !session_repository::member_roles(tx, session_id, call.user().id).contains(role::engineer)) {
    throw api_error(403, "forbidden", "only an engineer of the session (or an admin) does this");
  }
}

std::string refusal_message(invite_refusal why) {
  switch (why) {
    case invite_refusal::expired:
      return "this invite has expired; ask for a new one";
    case invite_refusal::used_up:
      return "this invite has been used as many times as it allows; ask for a new one";
    case invite_refusal::revoked:
      return "this invite was revoked";
    case invite_refusal::unknown:
      break;
  }
  return "no such invite";
}

}  // namespace

http_response create_invite(pqxx::transaction_base& tx, const admin_call& call) {
  new_invite invite;
  invite.session_id = call.params.at(0);
  require_engineer(tx, call, invite.session_id);
  allow_only(call.body, {"role", "expires_in_seconds", "max_uses", "label"});
  const auto role_name = string_field(call.body, "role");
  if (!role_name) {
    throw api_error(400, "bad_request", "'role' is required");
  }
  invite.invited_as = parse_role_name(*role_name, "'role'");
  invite.lifetime =
      std::chrono::seconds(int_field(call.body, "expires_in_seconds", 1, max_invite_lifetime_s)
                               .value_or(default_invite_lifetime_s));
  invite.max_uses =
      static_cast<int>(int_field(call.body, "max_uses", 1, max_invite_uses).value_or(1));
  invite.label = string_field(call.body, "label").value_or("");
  if (invite.label.size() > 200) {
    throw api_error(400, "bad_request", "'label' is longer than 200 bytes");
  }
  invite.created_by = call.user().id;
  auto [record, code] = invite_repository::create(tx, invite);
  auto body = to_json(record);
  body["code"] = code;  // the only time it is ever shown
  body["console_path"] = "/console/#invite=" + code;
  log::info(log_subsystem::http, {record.session_id}, "invite ", record.id, " as ",
            to_string(record.invited_as), " created by ", call.user().id);
  return json_reply(201, body);
}

http_response list_invites(pqxx::transaction_base& tx, const admin_call& call) {
  require_engineer(tx, call, call.params.at(0));
  boost::json::array invites;
  for (const auto& i : invite_repository::list(tx, call.params.at(0))) {
    invites.push_back(to_json(i));
  }
  return json_reply(200, boost::json::object{{"invites", invites}});
}

http_response revoke_invite(pqxx::transaction_base& tx, const admin_call& call) {
  const auto invite = invite_repository::find(tx, call.params.at(0));
  if (!invite) {
    throw api_error(404, "not_found", "no such invite");
  }
  require_engineer(tx, call, invite->session_id);
  invite_repository::revoke(tx, invite->id);
  log::info(log_subsystem::http, {invite->session_id}, "invite ", invite->id, " revoked by ",
            call.user().id);
  return json_reply(200, boost::json::object{{"revoked", invite->id}});
}

http_response redeem_invite(pqxx::transaction_base& tx, const admin_call& call) {
  allow_only(call.body, {"code", "name"});
  const auto code = string_field(call.body, "code").value_or("");
  if (code.empty() || code.size() > max_code_bytes) {
    throw api_error(400, "bad_request", "'code' is required");
  }
  const auto name = string_field(call.body, "name");
  if (name && (name->empty() || name->size() > 100)) {
    throw api_error(400, "bad_request", "'name' must be 1..100 characters");
  }
  if (name && call.caller) {
    throw api_error(400, "bad_request", "'name' names a new guest; you are signed in already");
  }
  invite_refusal why = invite_refusal::unknown;
  const auto invite = invite_repository::use(tx, code, why);
  if (!invite) {
    throw api_error(why == invite_refusal::unknown ? 404 : 410,
                    why == invite_refusal::unknown ? "not_found" : "gone", refusal_message(why));
  }
  // Everything below runs in the transaction that counted the use: if any
  // of it fails (a guest name taken), the use is given back by the rollback.
  boost::json::object body;
  user_record user;
  if (call.caller) {
    user = *call.caller;
    body["token"] = nullptr;
  } else {
    const auto guest_name = name.value_or("guest-" + random_base64url(6));
    user = account_repository::create(tx, guest_name, false, true).user;
    auto [token, secret] =
        account_repository::issue_token(tx, user.id, "invite " + invite->id, guest_token_lifetime);
    body["token"] = secret;
    body["token_expires_unix_ms"] = token.expires_unix_ms;
  }
  invite_repository::admit(tx, invite->session_id, user.id, invite->invited_as);
  body["user"] = to_json(user);
  body["session_id"] = invite->session_id;
  body["role"] = std::string(to_string(invite->invited_as));
  body["invite_id"] = invite->id;
  log::info(log_subsystem::http, {invite->session_id}, "invite ", invite->id, " redeemed by user ",
            user.id, " (", invite->uses, "/", invite->max_uses, ")");
  return json_reply(200, body);
}

}  // namespace controlroom::server::admin
