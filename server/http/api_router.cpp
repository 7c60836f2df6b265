#include "http/api_router.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "app/version.hpp"
#include "http/admin_api.hpp"
#include "http/session_api.hpp"
#include "http/static_assets.hpp"
#include "http/take_api.hpp"
#include "metrics/server_metrics.hpp"
#include "store/db_pool.hpp"

namespace controlroom::server {

http_response json_error(unsigned status, const std::string& code, const std::string& message) {
  boost::json::object error{{"code", code}, {"message", message}};
  return {status,
          "application/json",
          boost::json::serialize(boost::json::object{{"error", error}}),
          {}};
}

api_router::api_router(db_pool& db, server_metrics& metrics) : db_(db), metrics_(metrics) {}

void api_router::handle(const http_request& req, http_responder respond) {
  metrics_.http_requests.inc();
  auto path = req.target.substr(0, req.target.find('?'));
  struct route {
    const char* path;
    void (api_router::*fn)(http_responder);
  };
  static constexpr route routes[] = {
      {"/healthz", &api_router::healthz},
      {"/readyz", &api_router::readyz},
      {"/metrics", &api_router::metrics},
  };
  if (is_admin_api(req.target)) {
    handle_admin_api(db_, req, std::move(respond));
    return;
  }
  if (is_take_api(req.target)) {
    handle_take_api(db_, req, std::move(respond));
    return;
  }
  if (is_session_api(req.target)) {
    handle_session_api(db_, req, std::move(respond));
    return;
  }
  for (const auto& r : routes) {
    if (path != r.path) {
      continue;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      auto response = json_error(405, "method_not_allowed", req.method + " is not allowed here");
      response.headers.emplace_back("Allow", "GET, HEAD");
      respond(std::move(response));
      return;
    }
    (this->*r.fn)(std::move(respond));
    return;
  }
  if (is_console_path(path)) {
    respond(serve_console(req));
    return;
  }
  respond(json_error(404, "not_found", "no resource at " + path));
}

void api_router::healthz(http_responder respond) {
  respond(
      {200,
       "application/json",
       boost::json::serialize(boost::json::object{{"status", "ok"}, {"version", version_string}}),
       {}});
}

void api_router::readyz(http_responder respond) {
  if (draining_.load()) {
    respond({503,
             "application/json",
             boost::json::serialize(boost::json::object{{"status", "draining"}}),
             {}});
    return;
  }
  // Ready means a query gets through the pool now, not that it did once.
  db_.run(
      [](pqxx::connection_base& conn) {
        pqxx::nontransaction tx(conn);
        tx.exec("SELECT 1");
        return true;
      },
      [respond = std::move(respond)](store_result<bool> result) {
        if (result.ok()) {
          respond(
              {200,
               "application/json",
               boost::json::serialize(boost::json::object{{"status", "ready"}, {"database", "ok"}}),
               {}});
        } else {
          respond({503,
                   "application/json",
                   boost::json::serialize(boost::json::object{
                       {"status", "unavailable"}, {"database", result.error().message}}),
                   {}});
        }
      });
}

void api_router::metrics(http_responder respond) {
  respond({200, "text/plain; version=0.0.4; charset=utf-8", metrics_.registry.render(), {}});
}

}  // namespace controlroom::server
