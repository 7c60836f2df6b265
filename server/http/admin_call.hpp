#pragma once

// What an admin-API handler gets and how it answers: the parsed request
// (path parameters, JSON body, the authenticated caller) and an api_error to
// throw for a refusal. Handlers run on a database thread inside one
// transaction, which commits only when they return a success.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "domain/records.hpp"
#include "http/http_types.hpp"

namespace pqxx {
class transaction_base;
}

namespace controlroom::server {

struct account_record;
struct token_record;
struct studio_record;
struct invite_record;

/// A refusal: becomes {"error":{"code","message"}} with `status`.
class api_error : public std::runtime_error {
 public:
  api_error(unsigned status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  unsigned status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  unsigned status_;
  std::string code_;
};

struct admin_call {
  std::string method;
  std::vector<std::string> params;  // the {} segments of the route, in order
  std::string query;                // after '?', unparsed
  boost::json::object body;         // {} when the request had none
  std::optional<user_record> caller;
  std::string bearer;  // the caller's token in clear, for rules about it

  /// The caller, or api_error 401.
  const user_record& user() const;
  /// api_error 403 unless the caller is an admin.
  void require_admin() const;
  /// The value of `key` in the query string, or "".
  std::string query_value(const std::string& key) const;
};

/// Handlers throw api_error for refusals and store_exception for the
/// database's; what they return is sent as is.
using admin_handler = http_response (*)(pqxx::transaction_base& tx, const admin_call& call);

// Body fields. Each throws api_error(400) naming the field when it has the
// wrong type, or is missing while required.
void allow_only(const boost::json::object& body, std::initializer_list<const char*> keys);
std::optional<std::string> string_field(const boost::json::object& body, const char* key);
std::optional<std::int64_t> int_field(const boost::json::object& body, const char* key,
                                      std::int64_t min, std::int64_t max);
bool bool_field(const boost::json::object& body, const char* key, bool fallback);
/// ["engineer", …] -> roles; api_error(400) for an unknown role.
role_set roles_field(const boost::json::value& value, const char* what);
role parse_role_name(const std::string& name, const char* what);

std::int64_t now_unix_ms();

http_response json_reply(unsigned status, const boost::json::value& body);

boost::json::object to_json(const user_record& u);
boost::json::object to_json(const account_record& a);
boost::json::object to_json(const token_record& t);
boost::json::object to_json(const studio_record& s);
boost::json::object to_json(const session_record& s);
boost::json::object to_json(const invite_record& i);

}  // namespace controlroom::server
