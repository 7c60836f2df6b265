#include "controlroom/state/role.hpp"

namespace controlroom::state {

std::string_view to_string(role r) {
  switch (r) {
    case role::engineer:
      return "engineer";
    case role::producer:
      return "producer";
    case role::artist:
      return "artist";
    case role::listener:
      return "listener";
  }
  return "unknown";
}

std::optional<role> role_from_string(std::string_view name) {
  for (auto r : all_roles) {
    if (to_string(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

std::vector<role> role_set::list() const {
  std::vector<role> out;
  for (auto r : all_roles) {
    if (contains(r)) {
      out.push_back(r);
    }
  }
  return out;
}

std::string role_set::to_pg_array() const {
  std::string out = "{";
  for (auto r : list()) {
    if (out.size() > 1) {
      out += ',';
    }
    out += to_string(r);
  }
  return out + "}";
}

role_set role_set::from_csv(std::string_view csv) {
  role_set out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    if (auto r = role_from_string(csv.substr(0, comma))) {
      out.add(*r);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    csv.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace controlroom::state
