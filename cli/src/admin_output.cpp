#include "admin_output.hpp"

#include <cstdio>
#include <ctime>
#include <string>

#include <boost/json.hpp>

namespace controlroom::cli {

namespace {

std::string text(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  const auto* field = o ? o->if_contains(key) : nullptr;
  return field && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::int64_t number(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  const auto* field = o ? o->if_contains(key) : nullptr;
  return field && field->is_number() ? field->to_number<std::int64_t>() : 0;
}

bool flag(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  const auto* field = o ? o->if_contains(key) : nullptr;
  return field && field->is_bool() && field->as_bool();
}

}  // namespace

void show(bool json, const boost::json::value& v,
          const std::function<void(const boost::json::value&)>& human) {
  if (json) {
    std::printf("%s\n", boost::json::serialize(v).c_str());
  } else {
    human(v);
  }
}

std::string format_unix_ms(std::int64_t ms) {
  if (ms == 0) {
    return "never";
  }
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

void print_user(const boost::json::value& u) {
  std::printf("%s  %s%s%s%s\n", text(u, "id").c_str(), text(u, "name").c_str(),
              flag(u, "admin") ? " admin" : "", flag(u, "guest") ? " guest" : "",
              flag(u, "disabled") ? " disabled" : "");
}

void print_token(const boost::json::value& t) {
  std::printf("%s  %-20s expires %s%s\n", text(t, "id").c_str(), text(t, "label").c_str(),
              format_unix_ms(number(t, "expires_unix_ms")).c_str(),
              flag(t, "revoked") ? "  revoked" : "");
}

void print_studio(const boost::json::value& s) {
  std::printf("%s  %s\n", text(s, "id").c_str(), text(s, "name").c_str());
}

void print_session_row(const boost::json::value& s) {
  const auto at = number(s, "scheduled_start_unix_ms");
  std::printf("%s  %-30s %s\n", text(s, "id").c_str(), text(s, "title").c_str(),
              at == 0 ? "unscheduled" : format_unix_ms(at).c_str());
}

void print_invite(const boost::json::value& i) {
  std::printf("%s  %-9s %lld/%lld uses  expires %s  %s%s%s\n", text(i, "id").c_str(),
              text(i, "role").c_str(), static_cast<long long>(number(i, "uses")),
              static_cast<long long>(number(i, "max_uses")),
              format_unix_ms(number(i, "expires_unix_ms")).c_str(), text(i, "status").c_str(),
              text(i, "label").empty() ? "" : "  ", text(i, "label").c_str());
}

}  // namespace controlroom::cli
