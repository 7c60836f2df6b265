#pragma once

// Rows as the rest of the server sees them. Plain data.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/role.hpp"

namespace controlroom::server {

struct user_record {
  std::string id;
  std::string name;
  bool admin = false;
};

struct session_record {
  std::string id;
  std::string studio_id;
  std::string title;
  std::int64_t scheduled_start_unix_ms = 0;  // 0: unscheduled
  std::int64_t created_unix_ms = 0;
};

struct member_record {
  std::string user_id;
  role_set roles;
};

struct new_session {
  std::string studio_id;  // empty: the default studio
  std::string title;
  std::int64_t scheduled_start_unix_ms = 0;
  std::string created_by;  // user id
  std::vector<member_record> members;
};

inline constexpr const char* default_studio_id = "00000000-0000-0000-0000-000000000001";

}  // namespace controlroom::server
