#pragma once

// The session state as the CLI prints it: JSON for scripts (--json, field
// names as in the SDK's structs) or short lines for people.

#include <controlroom/session_state.hpp>
#include <controlroom/types.hpp>

#include <boost/json/object.hpp>

namespace controlroom::cli {

boost::json::object to_json(const controlroom::session_state& s);
boost::json::object to_json(const controlroom::session_info& s);

void print_state(const controlroom::session_state& s, bool json);
void print_songs(const controlroom::session_state& s, bool json);
void print_session(const controlroom::session_info& s, bool json);

}  // namespace controlroom::cli
