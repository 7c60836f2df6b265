// Studios and sessions. Creating either is an admin's job; anyone may list
// studios, and a session list shows a non-admin only their own sessions.
// A session made here is the same as one made over the control plane: the
// row, its members, and version 0 of its log.

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "http/admin_handlers.hpp"
#include "session/reducer.hpp"
#include "store/event_repository.hpp"
#include "store/session_repository.hpp"
#include "store/studio_repository.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server::admin {
namespace {

constexpr std::size_t max_members = 100;  // as CreateSession's invitees

}  // namespace

http_response create_studio(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  allow_only(call.body, {"name"});
  const auto name = string_field(call.body, "name");
  if (!name || name->empty() || name->size() > 200) {
    throw api_error(400, "bad_request", "'name' must be 1..200 characters");
  }
  return json_reply(201, to_json(studio_repository::create(tx, *name)));
}

http_response list_studios(pqxx::transaction_base& tx, const admin_call& call) {
  call.user();
  boost::json::array studios;
  for (const auto& s : studio_repository::list(tx)) {
    studios.push_back(to_json(s));
  }
  return json_reply(200, boost::json::object{{"studios", studios}});
}

http_response create_session(pqxx::transaction_base& tx, const admin_call& call) {
  call.require_admin();
  allow_only(call.body, {"title", "studio_id", "scheduled_start_unix_ms", "members"});
  new_session s;
  s.title = string_field(call.body, "title").value_or("");
  if (s.title.empty() || s.title.size() > 200) {
    throw api_error(400, "bad_request", "'title' must be 1..200 characters");
  }
  s.studio_id = string_field(call.body, "studio_id").value_or("");
  if (!s.studio_id.empty() && !is_uuid(s.studio_id)) {
    throw api_error(400, "bad_request", "'studio_id' is not a UUID");
  }
  s.scheduled_start_unix_ms =
      int_field(call.body, "scheduled_start_unix_ms", 0, INT64_C(253402300799000)).value_or(0);
  s.created_by = call.user().id;
  if (const auto* members = call.body.if_contains("members")) {
    if (!members->is_array() || members->as_array().size() > max_members) {
      throw api_error(400, "bad_request", "'members' must be an array of at most 100 members");
    }
    for (const auto& m : members->as_array()) {
      if (!m.is_object()) {
        throw api_error(400, "bad_request", "each member is {\"user_id\",\"roles\"}");
      }
      allow_only(m.as_object(), {"user_id", "roles"});
      const auto user_id = string_field(m.as_object(), "user_id").value_or("");
      if (!is_uuid(user_id)) {
        throw api_error(400, "bad_request", "a member's 'user_id' is not a UUID");
      }
      const auto* roles = m.as_object().if_contains("roles");
      s.members.push_back(
          {user_id, roles_field(roles ? *roles : boost::json::value{}, "a member's 'roles'")});
    }
  }
  const auto created = session_repository::create(tx, s);
  event_repository::write_snapshot(tx, created.id, initial_state(created, s.members));
  log::info(log_subsystem::http, {created.id}, "session ", created.id, " '", created.title,
            "' created by ", call.user().id);
  return json_reply(201, to_json(created));
}

http_response list_sessions(pqxx::transaction_base& tx, const admin_call& call) {
  const auto studio = call.query_value("studio_id");
  if (!studio.empty() && !is_uuid(studio)) {
    throw api_error(400, "bad_request", "studio_id is not a UUID");
  }
  boost::json::array sessions;
  for (const auto& s :
       studio_repository::sessions(tx, studio, call.user().admin ? "" : call.user().id)) {
    sessions.push_back(to_json(s));
  }
  return json_reply(200, boost::json::object{{"sessions", sessions}});
}

}  // namespace controlroom::server::admin
