#pragma once

// JSON over the admin HTTP API, and the control plane's verdict on a token,
// for the admin and invite e2e tests.

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "raw_clients.hpp"

namespace controlroom::testing {

struct api_reply {
  unsigned status = 0;
  boost::json::value json;
  std::string body;
};

inline api_reply api(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& bearer = {}, const boost::json::value& body = nullptr) {
  const auto r = http_request(port, target, method, bearer, {},
                              body.is_null() ? std::string() : boost::json::serialize(body));
  boost::system::error_code ec;
  auto parsed = boost::json::parse(r.body, ec);
  return {r.status, ec ? boost::json::value() : std::move(parsed), r.body};
}

/// The error code of a refusal ("forbidden", …), or "" when there is none.
inline std::string error_code(const api_reply& r) {
  if (const auto* o = r.json.if_object()) {
    if (const auto* e = o->if_contains("error"); e && e->is_object()) {
      return std::string(e->as_object().at("code").as_string());
    }
  }
  return {};
}

inline std::string str(const boost::json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

/// Whether `token` authenticates on the control plane (Hello, Authenticate).
/// A refusal must be an UNAUTHENTICATED error or a close, nothing else.
inline bool authenticates(std::uint16_t port, const std::string& token) {
  raw_ws ws(port);
  v1::ClientEnvelope hello;
  hello.mutable_hello()->set_min_version(1);
  hello.mutable_hello()->set_max_version(1);
  if (!ws.request(hello).has_hello_reply()) {
    ADD_FAILURE() << "no HelloReply";
    return false;
  }
  v1::ClientEnvelope auth;
  auth.mutable_authenticate()->set_bearer_token(token);
  const auto reply = ws.request(auth);
  if (reply.has_authenticated()) {
    return true;
  }
  EXPECT_TRUE(reply.has_error() && reply.error().code() == v1::ERROR_CODE_UNAUTHENTICATED)
      << reply.DebugString();
  return false;
}

/// One SQL statement on the test server's database, for moving clocks
/// (expiry) without waiting and for counting rows.
inline pqxx::result sql(const std::string& url, const std::string& statement) {
  pqxx::connection conn(url);
  pqxx::work tx(conn);
  auto r = tx.exec(statement);
  tx.commit();
  return r;
}

inline long long count(const std::string& url, const std::string& query) {
  return sql(url, query)[0][0].as<long long>();
}

}  // namespace controlroom::testing
