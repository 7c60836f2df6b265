// wss:// sessions: the WebSocket over TLS (the handshake is done by the
// listener before the HTTP upgrade is read).

#include "net/tls_stream.hpp"
#include "net/ws_session_impl.hpp"

namespace controlroom::server {
template class ws_session<tls_stream>;
}  // namespace controlroom::server
