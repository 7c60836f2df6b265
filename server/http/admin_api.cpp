#include "http/admin_api.hpp"

#include <string_view>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "http/admin_handlers.hpp"
#include "store/db_pool.hpp"
#include "store/token_repository.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

constexpr std::string_view api_prefix = "/api/v1/";

struct route {
  const char* method;
  const char* pattern;  // segments after /api/v1/; "{}" is an id
  admin_handler handler;
  bool needs_token = true;
};

// Dispatch is a table; the handlers hold the rules.
constexpr route routes[] = {
    {"POST", "users", admin::create_user},
    {"GET", "users", admin::list_users},
    {"GET", "users/{}", admin::get_user},
    {"DELETE", "users/{}", admin::delete_user},
    {"POST", "users/{}/disable", admin::disable_user},
    {"POST", "users/{}/tokens", admin::issue_token},
    {"GET", "users/{}/tokens", admin::list_tokens},
    {"DELETE", "tokens/{}", admin::revoke_token},
    {"POST", "studios", admin::create_studio},
    {"GET", "studios", admin::list_studios},
    {"POST", "sessions", admin::create_session},
    {"GET", "sessions", admin::list_sessions},
    {"POST", "sessions/{}/invites", admin::create_invite},
    {"GET", "sessions/{}/invites", admin::list_invites},
    {"POST", "invites/redeem", admin::redeem_invite, false},
    {"DELETE", "invites/{}", admin::revoke_invite},
};

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= path.size();) {
    auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    out.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

// Matches `segments` against a pattern; fills `params`. "me" stands for the
// caller wherever a user id is expected.
bool matches(const char* pattern, const std::vector<std::string>& segments,
             std::vector<std::string>& params) {
  const auto parts = split(pattern);
  if (parts.size() != segments.size()) {
    return false;
  }
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "{}") {
      const bool user_id = i > 0 && parts[i - 1] == "users";
      if (!is_uuid(segments[i]) && !(user_id && segments[i] == "me")) {
        return false;
      }
      params.push_back(segments[i]);
    } else if (parts[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> segments_of(const std::string& target) {
  const auto path = std::string_view(target).substr(0, target.find('?'));
  if (path.substr(0, api_prefix.size()) != api_prefix) {
    return {};
  }
  return split(path.substr(api_prefix.size()));
}

http_response from_store_error(const store_error& e) {
  switch (e.code) {
    case store_errc::unavailable:
      return json_error(503, "unavailable", "the database is unavailable; retry shortly");
    case store_errc::not_found:
      return json_error(404, "not_found", e.message);
    case store_errc::conflict:
      return json_error(409, "conflict", e.message);
    case store_errc::invalid:
      return json_error(400, "bad_request", "the database refused a value: " + e.message);
    case store_errc::internal:
      break;
  }
  log::error(log_subsystem::http, {}, "admin API: ", e.message);
  return json_error(500, "internal", "internal error");
}

}  // namespace

bool is_admin_api(const std::string& target) {
  const auto s = segments_of(target);
  if (s.empty()) {
    return false;
  }
  if (s[0] == "users" || s[0] == "tokens" || s[0] == "studios" || s[0] == "invites") {
    return true;
  }
  return s[0] == "sessions" && (s.size() == 1 || (s.size() == 3 && s[2] == "invites"));
}

void handle_admin_api(db_pool& db, const http_request& req, http_responder respond) {
  const auto segments = segments_of(req.target);
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  const route* found = nullptr;
  std::string allow;
  admin_call call;
  for (const auto& r : routes) {
    std::vector<std::string> params;
    if (!matches(r.pattern, segments, params)) {
      continue;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    if (method == r.method) {
      found = &r;
      call.params = std::move(params);
    }
  }
  if (found == nullptr) {
    if (allow.empty()) {
      respond(json_error(404, "not_found", "no resource at " + req.target.substr(0, 200)));
    } else {
      auto refused = json_error(405, "method_not_allowed", req.method + " is not allowed here");
      refused.headers.emplace_back("Allow", allow);
      respond(std::move(refused));
    }
    return;
  }
  call.method = method;
  if (const auto q = req.target.find('?'); q != std::string::npos) {
    call.query = req.target.substr(q + 1);
  }
  if (!req.body.empty()) {
    boost::system::error_code ec;
    auto body = boost::json::parse(req.body, ec);
    if (ec || !body.is_object()) {
      respond(json_error(400, "bad_request", "the body must be a JSON object"));
      return;
    }
    call.body = std::move(body.as_object());
  }
  const std::string bearer = "Bearer ";
  if (!req.authorization.empty()) {
    if (req.authorization.rfind(bearer, 0) != 0) {
      respond(json_error(401, "unauthenticated", "send Authorization: Bearer <token>"));
      return;
    }
    call.bearer = req.authorization.substr(bearer.size());
  } else if (found->needs_token) {
    respond(json_error(401, "unauthenticated", "send Authorization: Bearer <token>"));
    return;
  }
  db.run(
      [request = std::move(call), handler = found->handler](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        auto call = request;  // the pool may run this twice (a lost connection)
        if (!call.bearer.empty()) {
          call.caller = token_repository::authenticate(tx, call.bearer);
          if (!call.caller) {
            // A bad token is refused even where none is needed: redeeming
            // an invite as a new guest is never what its sender meant.
            return json_error(401, "unauthenticated",
                              "the bearer token is unknown, expired or revoked");
          }
        }
        http_response out;
        try {
          out = handler(tx, call);
        } catch (const api_error& e) {
          return json_error(e.status(), e.code(), e.what());  // rolled back: nothing changes
        }
        if (out.status < 400) {
          tx.commit();
        }
        return out;
      },
      [respond = std::move(respond)](store_result<http_response> result) {
        respond(result.ok() ? std::move(result.value()) : from_store_error(result.error()));
      });
}

}  // namespace controlroom::server
