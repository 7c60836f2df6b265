#pragma once

// The ids a log line about a peer carries. Apart from peer.hpp so that the
// handlers that do not log need not see util/log.hpp.

#include "control/peer.hpp"
#include "util/log.hpp"

namespace controlroom::server {

/// The session the peer joined (or is joining) and its connection id. The
/// peer's own thread only, like peer::state().
inline log_context log_ids(peer& p) {
  return {p.state().session_id, p.id()};
}

}  // namespace controlroom::server
