#pragma once

// One client's control-plane WebSocket session, over TCP or TLS (the two are
// instantiated in ws_session_plain.cpp and ws_session_tls.cpp; the members
// are defined in ws_session_impl.hpp). Owns the stream, its read buffer and
// two bounded outbound queues with one write in flight: state frames (never
// dropped; overflowing them disconnects the slow reader) go first, media
// frames (audio over the fallback path; the oldest is dropped when full)
// fill the gaps. Over TLS a media frame that finds nothing queued and
// nothing being written skips the queue and Beast: it is written to the
// TLS stream at once (tls_stream::try_write). Lives on the worker that
// accepted it: every member is touched only on that worker's thread, and
// send()/post() from elsewhere hop onto it.

#include <atomic>
#include <deque>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "control/peer.hpp"
#include "metrics/server_metrics.hpp"
#include "net/connection_limits.hpp"
#include "net/net_context.hpp"
#include "net/ws_connection.hpp"

namespace controlroom::server {

/// `Stream`: boost::beast::tcp_stream (ws://) or
/// tls_stream (wss://, handshake done).
template <class Stream>
class ws_session final : public ws_connection,
                         public std::enable_shared_from_this<ws_session<Stream>> {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  /// `place`: the connection's slot among the open connections, given back
  /// when the session finishes.
  ws_session(Stream&& stream, net_context& ctx, std::size_t worker, connection_limits::slot place);

  /// Completes the WebSocket handshake for `upgrade` and serves the peer.
  void start(request upgrade);

  const std::string& id() const override { return id_; }
  void send(frame_ptr frame) override;
  void send_media(frame_ptr frame) override;
  void post(std::function<void()> fn) override;
  bool closed() const override { return closed_.load(); }
  void carries_media() override;

  /// Closes with a reason the client can read (going away on shutdown).
  /// Thread-safe.
  void shutdown(close_reason reason) override;

 private:
  void do_send(frame_ptr frame);
  void do_send_media(frame_ptr frame);
  bool write_directly(const std::string& frame);
  bool on_own_thread() const;
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close(close_reason reason);
  void send_close();
  void finish(close_reason reason);

  using std::enable_shared_from_this<ws_session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<ws_session<Stream>>::weak_from_this;

  boost::beast::websocket::stream<Stream> ws_;
  boost::asio::io_context& home_;  // the worker's, whose thread serves this session
  net_context& ctx_;
  const std::size_t worker_;
  const std::string id_;
  connection_limits::slot place_;
  boost::beast::flat_buffer buffer_;
  std::deque<frame_ptr> queue_;        // state and replies
  std::deque<frame_ptr> media_queue_;  // MediaFrames
  frame_ptr in_flight_;                // the frame being written
  bool writing_ = false;
  bool closing_ = false;
  bool carries_media_ = false;
  close_reason reason_ = close_reason::peer;
  std::atomic<bool> closed_{false};
};

}  // namespace controlroom::server
