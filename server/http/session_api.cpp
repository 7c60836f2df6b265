#include "http/session_api.hpp"

#include <charconv>

#include <boost/json.hpp>
#include <google/protobuf/util/json_util.h>
#include <pqxx/pqxx>

#include "session/reducer.hpp"
#include "store/db_pool.hpp"
#include "store/event_repository.hpp"
#include "store/session_repository.hpp"
#include "store/token_repository.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

constexpr std::string_view prefix = "/api/v1/sessions/";
constexpr std::size_t max_events_per_page = 1000;

struct parsed_target {
  std::string session_id;
  std::string what;  // "state" or "events"
  std::uint64_t after = 0;
  std::size_t limit = max_events_per_page;
};

std::optional<std::uint64_t> query_number(std::string_view query, std::string_view key) {
  for (std::size_t pos = 0; pos < query.size();) {
    auto end = query.find('&', pos);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const auto pair = query.substr(pos, end - pos);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') {
      const auto text = pair.substr(key.size() + 1);
      std::uint64_t value = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc{} || ptr != text.data() + text.size()) {
        return std::nullopt;
      }
      return value;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<parsed_target> parse(const std::string& target) {
  const auto q = target.find('?');
  const auto path = std::string_view(target).substr(0, q);
  const auto query =
      q == std::string::npos ? std::string_view{} : std::string_view(target).substr(q + 1);
  const auto rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  parsed_target out{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (out.what != "state" && out.what != "events") {
    return std::nullopt;
  }
  if (auto after = query_number(query, "after")) {
    out.after = *after;
  }
  if (auto limit = query_number(query, "limit")) {
    out.limit = std::min<std::size_t>(std::max<std::uint64_t>(*limit, 1), max_events_per_page);
  }
  return out;
}

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

struct answer {
  unsigned status = 200;
  std::string body;
  std::string error_code;
};

}  // namespace

bool is_session_api(const std::string& target) {
  return target.rfind(prefix, 0) == 0;
}

void handle_session_api(db_pool& db, const http_request& req, http_responder respond) {
  if (req.method != "GET" && req.method != "HEAD") {
    respond(json_error(405, "method_not_allowed", "this resource is read-only"));
    return;
  }
  const auto target = parse(req.target);
  if (!target || !is_uuid(target->session_id)) {
    respond(json_error(404, "not_found", "expected /api/v1/sessions/{uuid}/state or /events"));
    return;
  }
  const std::string bearer = "Bearer ";
  if (req.authorization.rfind(bearer, 0) != 0) {
    respond(json_error(401, "unauthenticated", "send Authorization: Bearer <token>"));
    return;
  }
  db.run(
      [t = *target, token = req.authorization.substr(bearer.size())](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        answer a;
        const auto user = token_repository::authenticate(tx, token);
        if (!user) {
          return answer{401, "the bearer token is unknown, expired or revoked", "unauthenticated"};
        }
        if (!session_repository::find(tx, t.session_id)) {
          return answer{404, "no such session", "not_found"};
        }
        if (!user->admin && session_repository::member_roles(tx, t.session_id, user->id).empty()) {
          return answer{403, "you are not a member of this session", "forbidden"};
        }
        if (t.what == "state") {
          auto stored = event_repository::load(tx, t.session_id);
          for (const auto& event : stored.events) {
            apply(stored.snapshot, event);
          }
          a.body = to_json(stored.snapshot);
        } else {
          std::string body = "{\"events\":[";
          const auto events = event_repository::events_after(tx, t.session_id, t.after, t.limit);
          for (std::size_t i = 0; i < events.size(); ++i) {
            if (i > 0) {
              body += ',';
            }
            body += to_json(events[i]);
          }
          a.body = body + "]}";
        }
        tx.commit();  // keeps the token's last_used_at
        return a;
      },
      [respond = std::move(respond)](store_result<answer> result) {
        if (!result.ok()) {
          respond(json_error(503, "unavailable", "the database is unavailable; retry shortly"));
          return;
        }
        auto& a = result.value();
        if (a.status != 200) {
          respond(json_error(a.status, a.error_code, a.body));
          return;
        }
        respond({200, "application/json", std::move(a.body), {}});
      });
}

}  // namespace controlroom::server
