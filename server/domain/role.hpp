#pragma once

// Roles live with the shared state (state/); the server names them here.

#include "controlroom/state/role.hpp"

namespace controlroom::server {

using state::all_roles;
using state::role;
using state::role_from_string;
using state::role_set;
using state::to_string;

}  // namespace controlroom::server
