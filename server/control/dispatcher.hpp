#pragma once

// Routes each client frame to the handler of its body type. The dispatcher
// only decodes, enforces the conversation order (Hello, then Authenticate,
// then the rest) and looks up the table; handlers live with their feature.
//
// Threading: everything here runs on the peer's thread.

#include <memory>
#include <string_view>
#include <unordered_map>

#include "control/envelope_codec.hpp"
#include "control/services.hpp"

namespace controlroom::server {

using handler_fn = void (*)(services&, const std::shared_ptr<peer>&, const v1::ClientEnvelope&);

struct handler_entry {
  handler_fn fn = nullptr;
  bool needs_auth = true;  // false only for the handshake itself and Ping
};

using handler_table = std::unordered_map<int, handler_entry>;  // key: ClientEnvelope::BodyCase

/// The table with every feature's handlers registered.
const handler_table& default_handlers();

/// Handles one binary frame from `p`.
void dispatch_frame(services& s, const std::shared_ptr<peer>& p, std::string_view bytes,
                    const handler_table& table = default_handlers());

/// Tells the features that `p` closed (leaves its room, ...).
void peer_closed(services& s, const std::shared_ptr<peer>& p);

// Registration, one per feature file.
void register_handshake_handlers(handler_table& table);
void register_session_handlers(handler_table& table);
void register_intent_handlers(handler_table& table);
void register_media_handlers(handler_table& table);
void session_peer_closed(services& s, const std::shared_ptr<peer>& p);

}  // namespace controlroom::server
