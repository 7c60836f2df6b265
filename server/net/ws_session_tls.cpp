// wss:// sessions: the WebSocket over TLS (the handshake is done by the
// listener before the HTTP upgrade is read).

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/ws_session_impl.hpp"

namespace controlroom::server {
template class ws_session<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
}  // namespace controlroom::server
