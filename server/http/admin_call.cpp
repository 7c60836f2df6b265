#include "http/admin_call.hpp"

#include <chrono>

#include <boost/json.hpp>

#include "store/account_repository.hpp"
#include "store/invite_repository.hpp"
#include "store/studio_repository.hpp"

namespace controlroom::server {

const user_record& admin_call::user() const {
  if (!caller) {
    throw api_error(401, "unauthenticated", "send Authorization: Bearer <token>");
  }
  return *caller;
}

void admin_call::require_admin() const {
  if (!user().admin) {
    throw api_error(403, "forbidden", "this needs an admin's token");
  }
}

std::string admin_call::query_value(const std::string& key) const {
  for (std::size_t pos = 0; pos < query.size();) {
    auto end = query.find('&', pos);
    if (end == std::string::npos) {
      end = query.size();
    }
    const auto pair = query.substr(pos, end - pos);
    if (pair.size() > key.size() && pair.compare(0, key.size(), key) == 0 &&
        pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

void allow_only(const boost::json::object& body, std::initializer_list<const char*> keys) {
  // Unknown keys are refused: a misspelt "expires_in_secs" silently ignored
  // would issue a token that never expires.
  for (const auto& entry : body) {
    bool known = false;
    for (const char* key : keys) {
      known = known || entry.key() == key;
    }
    if (!known) {
      throw api_error(400, "bad_request", "unknown field '" + std::string(entry.key()) + "'");
    }
  }
}

std::optional<std::string> string_field(const boost::json::object& body, const char* key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  if (!v->is_string()) {
    throw api_error(400, "bad_request", std::string("'") + key + "' must be a string");
  }
  return std::string(v->as_string());
}

std::optional<std::int64_t> int_field(const boost::json::object& body, const char* key,
                                      std::int64_t min, std::int64_t max) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  std::int64_t out = 0;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
    out = static_cast<std::int64_t>(v->as_uint64());
  } else {
    throw api_error(400, "bad_request", std::string("'") + key + "' must be an integer");
  }
  if (out < min || out > max) {
    throw api_error(400, "bad_request",
                    std::string("'") + key + "' must be in " + std::to_string(min) + ".." +
                        std::to_string(max));
  }
  return out;
}

bool bool_field(const boost::json::object& body, const char* key, bool fallback) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return fallback;
  }
  if (!v->is_bool()) {
    throw api_error(400, "bad_request", std::string("'") + key + "' must be true or false");
  }
  return v->as_bool();
}

role parse_role_name(const std::string& name, const char* what) {
  if (auto r = role_from_string(name)) {
    return *r;
  }
  throw api_error(
      400, "bad_request",
      std::string(what) + ": unknown role '" + name + "' (engineer, producer, artist, listener)");
}

role_set roles_field(const boost::json::value& value, const char* what) {
  if (!value.is_array() || value.as_array().empty()) {
    throw api_error(400, "bad_request", std::string(what) + " must be a non-empty array of roles");
  }
  role_set out;
  for (const auto& r : value.as_array()) {
    if (!r.is_string()) {
      throw api_error(400, "bad_request", std::string(what) + " must hold role names");
    }
    out.add(parse_role_name(std::string(r.as_string()), what));
  }
  return out;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http_response json_reply(unsigned status, const boost::json::value& body) {
  return {status, "application/json", boost::json::serialize(body), {}};
}

boost::json::object to_json(const user_record& u) {
  return {{"id", u.id}, {"name", u.name}, {"admin", u.admin}};
}

boost::json::object to_json(const account_record& a) {
  auto o = to_json(a.user);
  o["disabled"] = a.disabled;
  o["guest"] = a.guest;
  o["created_unix_ms"] = a.created_unix_ms;
  return o;
}

boost::json::object to_json(const token_record& t) {
  return {{"id", t.id},
          {"user_id", t.user_id},
          {"label", t.label},
          {"created_unix_ms", t.created_unix_ms},
          {"expires_unix_ms", t.expires_unix_ms},
          {"last_used_unix_ms", t.last_used_unix_ms},
          {"revoked", t.revoked}};
}

boost::json::object to_json(const studio_record& s) {
  return {{"id", s.id}, {"name", s.name}, {"created_unix_ms", s.created_unix_ms}};
}

boost::json::object to_json(const session_record& s) {
  return {{"id", s.id},
          {"studio_id", s.studio_id},
          {"title", s.title},
          {"scheduled_start_unix_ms", s.scheduled_start_unix_ms},
          {"created_unix_ms", s.created_unix_ms}};
}

boost::json::object to_json(const invite_record& i) {
  std::string status = "active";
  if (i.revoked) {
    status = "revoked";
  } else if (i.uses >= i.max_uses) {
    status = "used_up";
  } else if (i.expires_unix_ms <= now_unix_ms()) {
    status = "expired";
  }
  return {{"id", i.id},
          {"session_id", i.session_id},
          {"role", std::string(to_string(i.invited_as))},
          {"label", i.label},
          {"max_uses", i.max_uses},
          {"uses", i.uses},
          {"expires_unix_ms", i.expires_unix_ms},
          {"revoked", i.revoked},
          {"status", status},
          {"created_by", i.created_by},
          {"created_unix_ms", i.created_unix_ms}};
}

}  // namespace controlroom::server
