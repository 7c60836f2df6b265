#pragma once

// How the admin commands show the API's JSON: as is with --json, or one
// line per item for people.

#include <functional>

#include <boost/json/value.hpp>

namespace controlroom::cli {

/// Prints `v` as JSON when `json`, else through `human`.
void show(bool json, const boost::json::value& v,
          const std::function<void(const boost::json::value&)>& human);

void print_user(const boost::json::value& u);
void print_token(const boost::json::value& t);
void print_studio(const boost::json::value& s);
void print_session_row(const boost::json::value& s);
void print_invite(const boost::json::value& i);

/// "2030-01-02T03:04:05Z" for unix milliseconds; "never" for 0.
std::string format_unix_ms(std::int64_t ms);

}  // namespace controlroom::cli
