// ws:// sessions: the WebSocket over plain TCP.

#include <boost/beast/core/tcp_stream.hpp>

#include "net/ws_session_impl.hpp"

namespace controlroom::server {
template class ws_session<boost::beast::tcp_stream>;
}  // namespace controlroom::server
