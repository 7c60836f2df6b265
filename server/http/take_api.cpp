#include "http/take_api.hpp"

#include <filesystem>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "http/byte_range.hpp"
#include "store/db_pool.hpp"
#include "store/session_repository.hpp"
#include "store/take_file_repository.hpp"
#include "store/token_repository.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

constexpr std::string_view sessions_prefix = "/api/v1/sessions/";
constexpr std::string_view files_prefix = "/api/v1/take-files/";

struct route {
  enum class what { list, metadata, audio, remove } kind = what::list;
  std::string id;       // session id (list) or file id
  std::string song_id;  // list filter
};

std::string query_value(std::string_view query, std::string_view key) {
  for (std::size_t pos = 0; pos < query.size();) {
    auto end = query.find('&', pos);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const auto pair = query.substr(pos, end - pos);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') {
      return std::string(pair.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

std::optional<route> parse(const http_request& req) {
  const auto q = req.target.find('?');
  const std::string_view path = std::string_view(req.target).substr(0, q);
  const auto query =
      q == std::string::npos ? std::string_view{} : std::string_view(req.target).substr(q + 1);
  if (path.substr(0, sessions_prefix.size()) == sessions_prefix) {
    const auto rest = path.substr(sessions_prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || rest.substr(slash) != "/takes") {
      return std::nullopt;
    }
    return route{route::what::list, std::string(rest.substr(0, slash)),
                 query_value(query, "song_id")};
  }
  if (path.substr(0, files_prefix.size()) != files_prefix) {
    return std::nullopt;
  }
  const auto rest = path.substr(files_prefix.size());
  const auto slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  if (slash == std::string_view::npos) {
    return route{req.method == "DELETE" ? route::what::remove : route::what::metadata, id, {}};
  }
  if (rest.substr(slash) == "/audio") {
    return route{route::what::audio, id, {}};
  }
  return std::nullopt;
}

boost::json::object describe(const take_file_record& f) {
  boost::json::object o{{"id", f.id},
                        {"session_id", f.session_id},
                        {"take_id", f.take_id},
                        {"song_id", f.song_id},
                        {"stream", f.stream_kind},
                        {"participant_id", f.participant_id},
                        {"user_id", f.user_id},
                        {"channels", f.channels},
                        {"pre_skip", f.pre_skip},
                        {"duration_samples", f.duration_samples},
                        {"size_bytes", f.size_bytes},
                        {"sha256", f.sha256},
                        {"healed_gaps", f.healed_gaps},
                        {"unhealed_gaps", f.unhealed_gaps},
                        {"status", f.status},
                        {"started_unix_ms", f.started_unix_ms},
                        {"ended_unix_ms", f.ended_unix_ms},
                        {"audio_url", std::string(files_prefix) + f.id + "/audio"}};
  if (f.start_position) {
    o["start_position"] = *f.start_position;
  } else {
    o["start_position"] = nullptr;
  }
  return o;
}

http_response answer(const route& r, const std::string& range, const user_record& user,
                     pqxx::work& tx) {
  if (r.kind == route::what::list) {
    if (!session_repository::find(tx, r.id)) {
      return json_error(404, "not_found", "no such session");
    }
    if (!user.admin && session_repository::member_roles(tx, r.id, user.id).empty()) {
      return json_error(403, "forbidden", "you are not a member of this session");
    }
    boost::json::array takes;
    for (const auto& f : take_file_repository::list(tx, r.id, r.song_id)) {
      if (takes.empty() || takes.back().as_object().at("take_id").as_string() != f.take_id) {
        takes.push_back(boost::json::object{
            {"take_id", f.take_id}, {"song_id", f.song_id}, {"files", boost::json::array{}}});
      }
      takes.back().as_object()["files"].as_array().push_back(describe(f));
    }
    return {200,
            "application/json",
            boost::json::serialize(boost::json::object{{"session_id", r.id}, {"takes", takes}}),
            {}};
  }
  const auto file = take_file_repository::find(tx, r.id);
  if (!file) {
    return json_error(404, "not_found", "no such take file");
  }
  const auto roles = session_repository::member_roles(tx, file->session_id, user.id);
  if (!user.admin && roles.empty()) {
    return json_error(403, "forbidden", "you are not a member of this take's session");
  }
  switch (r.kind) {
    case route::what::metadata:
      return {200, "application/json", boost::json::serialize(describe(*file)), {}};
    case route::what::remove: {
      if (!user.admin && !roles.contains(role::engineer)) {
        return json_error(403, "forbidden", "only an engineer of the session deletes takes");
      }
      if (file->status == "recording") {
        return json_error(409, "conflict", "the take is still recording");
      }
      take_file_repository::mark_deleted(tx, file->id, user.id);
      std::error_code ignored;
      std::filesystem::remove(file->path, ignored);
      log::info(log_subsystem::recording, {file->session_id}, "take file ", file->id, " (",
                file->path, ") deleted by user ", user.id);
      return {200,
              "application/json",
              boost::json::serialize(boost::json::object{{"deleted", file->id}}),
              {}};
    }
    case route::what::audio:
      break;
    case route::what::list:
      break;
  }
  if (file->status == "recording") {
    return json_error(409, "conflict", "the take is still recording; download it when it ends");
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(file->path, ec);
  if (ec) {
    return json_error(410, "gone", "the take file is no longer on disk");
  }
  const auto requested = parse_byte_range(range, size);
  http_response out{200, "audio/ogg", {}, {{"Accept-Ranges", "bytes"}}};
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file->take_id + "-" +
                                                      file->stream_kind + ".opus\"");
  out.headers.emplace_back("ETag", "\"" + file->sha256 + "\"");
  if (requested.what == byte_range_request::kind::unsatisfiable) {
    auto refused = json_error(416, "range_not_satisfiable", "the range starts past the end");
    refused.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return refused;
  }
  std::uint64_t first = 0;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (requested.what == byte_range_request::kind::partial) {
    first = requested.first;
    last = requested.last;
    out.status = 206;
    out.headers.emplace_back(
        "Content-Range",
        "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
  }
  if (size > 0) {
    // The connection streams it from disk: a take of an hour is 100 MB.
    out.file = file_part{file->path, first, last - first + 1};
  }
  return out;
}

}  // namespace

bool is_take_api(const std::string& target) {
  const std::string_view t(target);
  if (t.substr(0, files_prefix.size()) == files_prefix) {
    return true;
  }
  const auto path = t.substr(0, t.find('?'));
  return path.substr(0, sessions_prefix.size()) == sessions_prefix && path.size() > 6 &&
         path.substr(path.size() - 6) == "/takes";
}

void handle_take_api(db_pool& db, const http_request& req, http_responder respond) {
  const auto r = parse(req);
  if (!r || !is_uuid(r->id)) {
    respond(json_error(404, "not_found",
                       "expected /api/v1/sessions/{uuid}/takes or /api/v1/take-files/{uuid}"
                       "[/audio]"));
    return;
  }
  const bool reading = req.method == "GET" || req.method == "HEAD";
  if (r->kind == route::what::remove ? req.method != "DELETE" : !reading) {
    auto refused = json_error(405, "method_not_allowed", req.method + " is not allowed here");
    refused.headers.emplace_back("Allow",
                                 r->kind == route::what::metadata || r->kind == route::what::remove
                                     ? "GET, HEAD, DELETE"
                                     : "GET, HEAD");
    respond(std::move(refused));
    return;
  }
  const std::string bearer = "Bearer ";
  if (req.authorization.rfind(bearer, 0) != 0) {
    respond(json_error(401, "unauthenticated", "send Authorization: Bearer <token>"));
    return;
  }
  db.run(
      [route = *r, range = req.range,
       token = req.authorization.substr(bearer.size())](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        const auto user = token_repository::authenticate(tx, token);
        if (!user) {
          return json_error(401, "unauthenticated",
                            "the bearer token is unknown, expired or revoked");
        }
        auto out = answer(route, range, *user, tx);
        tx.commit();
        return out;
      },
      [respond = std::move(respond)](store_result<http_response> result) {
        if (!result.ok()) {
          respond(json_error(503, "unavailable", "the database is unavailable; retry shortly"));
          return;
        }
        respond(std::move(result.value()));
      });
}

}  // namespace controlroom::server
