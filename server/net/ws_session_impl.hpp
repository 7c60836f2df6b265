#pragma once

// The members of ws_session<Stream>; included by the two TUs that
// instantiate it. Heavy (Beast, coroutines): keep it out of other files.

#include <type_traits>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "control/dispatcher.hpp"
#include "control/log_ids.hpp"
#include "control/reply.hpp"
#include "media/media_switch.hpp"
#include "net/tls_stream.hpp"
#include "net/ws_frame_header.hpp"
#include "net/ws_session.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server {

namespace detail_ws {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
}  // namespace detail_ws
using namespace detail_ws;  // only the two ws_session TUs include this file

template <class Stream>
ws_session<Stream>::ws_session(Stream&& stream, net_context& ctx, std::size_t worker,
                               connection_limits::slot place)
    : ws_(std::move(stream)),
      home_(static_cast<asio::io_context&>(
          asio::query(ws_.get_executor(), asio::execution::context))),
      ctx_(ctx),
      worker_(worker),
      id_(random_base64url(9)),
      place_(std::move(place)) {}

template <class Stream>
void ws_session<Stream>::start(request upgrade) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = ctx_.cfg.handshake_timeout;
  // Beast pings a quiet peer at half the idle time and drops it if nothing
  // (not even the pong) arrives by the end: dead peers go away on their own.
  timeouts.idle_timeout = ctx_.cfg.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(ctx_.cfg.max_frame_bytes);
  ws_.binary(true);
  ws_.set_option(websocket::stream_base::decorator(
      [name = ctx_.cfg.server_name](auto& res) { res.set(beast::http::field::server, name); }));

  ctx_.open[worker_][this] = weak_from_this();
  ctx_.metrics.connections_open.add(1);
  auto self = shared_from_this();
  asio::co_spawn(
      ws_.get_executor(),
      [self, upgrade = std::move(upgrade)]() mutable -> asio::awaitable<void> {
        auto& ws = self->ws_;
        auto [accept_ec] = co_await ws.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
        if (accept_ec) {
          if (accept_ec == beast::error::timeout) {
            self->ctx_.metrics.limit_exceeded(limit::handshake_timeout).inc();
          }
          log::debug(log_subsystem::net, {{}, self->id_},
                     "handshake failed: ", accept_ec.message());
          self->finish(close_reason::protocol_error);
          co_return;
        }
        log::debug(log_subsystem::net, {{}, self->id_}, "open");
        for (;;) {
          auto [ec, bytes] =
              co_await ws.async_read(self->buffer_, asio::as_tuple(asio::use_awaitable));
          if (ec) {
            auto reason = self->closing_ ? self->reason_ : close_reason::peer;
            if (ec == websocket::error::message_too_big) {
              reason = close_reason::frame_too_large;
              self->ctx_.metrics.limit_exceeded(limit::frame_size).inc();
            } else if (ec == beast::error::timeout) {
              reason = close_reason::idle_timeout;
              self->ctx_.metrics.limit_exceeded(limit::idle_timeout).inc();
            }
            log::debug(log_subsystem::net, log_ids(*self), "closed (", to_string(reason),
                       "): ", ec.message());
            self->finish(reason);
            co_return;
          }
          self->ctx_.metrics.frames_in.inc();
          self->ctx_.metrics.bytes_in.inc(bytes);
          if (self->closing_) {
            // Closing (rate limited, protocol error, shutdown): what the peer
            // still sends is not served.
          } else if (!ws.got_binary()) {
            reply_error(self->ctx_.svc, *self, 0, v1::ERROR_CODE_MALFORMED,
                        "text frames are not part of the protocol; send binary envelopes");
            self->shutdown(close_reason::protocol_error);  // posted: after the error reply
          } else {
            const auto data = self->buffer_.cdata();
            dispatch_frame(self->ctx_.svc, self,
                           {static_cast<const char*>(data.data()), data.size()});
          }
          self->buffer_.consume(self->buffer_.size());
        }
      },
      [id = id_](std::exception_ptr error) {
        if (!error) {
          return;
        }
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log::error(log_subsystem::net, {{}, id}, "unhandled exception: ", e.what());
        }
      });
}

template <class Stream>
void ws_session<Stream>::send(frame_ptr frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->do_send(std::move(frame));
  });
}

template <class Stream>
void ws_session<Stream>::send_media(frame_ptr frame) {
  // The relay forwards on the sender's worker, which is usually this
  // session's too (connections that name their session are placed there).
  if (on_own_thread()) {
    do_send_media(std::move(frame));
    return;
  }
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->do_send_media(std::move(frame));
  });
}

template <class Stream>
void ws_session<Stream>::post(std::function<void()> fn) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), fn = std::move(fn)] {
    if (!self->closed()) {
      fn();
    }
  });
}

template <class Stream>
void ws_session<Stream>::shutdown(close_reason reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), reason] { self->do_close(reason); });
}

template <class Stream>
void ws_session<Stream>::do_send(frame_ptr frame) {
  if (closed_ || closing_) {
    return;  // nothing new after the close began
  }
  if (queue_.size() >= ctx_.cfg.send_queue_limit) {
    // A reader this slow would hold back everyone's state; it resumes from
    // its last version when it reconnects. Its pipe is full, so a polite
    // close frame could not get through: cut the socket.
    log::warn(log_subsystem::net, log_ids(*this), "send queue full (", queue_.size(),
              " frames); disconnecting");
    closing_ = true;
    reason_ = close_reason::send_queue_full;
    ctx_.metrics.limit_exceeded(limit::send_queue).inc();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  queue_.push_back(std::move(frame));
  if (!writing_) {
    do_write();
  }
}

template <class Stream>
void ws_session<Stream>::carries_media() {
  if (closed_ || std::exchange(carries_media_, true)) {
    return;
  }
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    ws_.next_layer().keep_buffers();
    ctx_.metrics.tls_buffers_kept.add(1);
  }
}

template <class Stream>
void ws_session<Stream>::do_send_media(frame_ptr frame) {
  if (closed_ || closing_) {
    return;
  }
  carries_media();
  if (!writing_ && queue_.empty() && media_queue_.empty() && write_directly(*frame)) {
    return;
  }
  if (media_queue_.size() >= ctx_.cfg.media_queue_limit) {
    // Late audio is worthless: the newest wins, and state is never held up.
    media_queue_.pop_front();
    ctx_.metrics.media_dropped(media_drop::queue_full).inc();
  }
  media_queue_.push_back(std::move(frame));
  if (!writing_) {
    do_write();
  }
}

// TLS only, with none of our writes under way: the frame as a record of
// its own. Beast's own writes (pongs, keep-alive pings) are whole records
// too, and one still waiting for the socket makes the stream say not_now.
template <class Stream>
bool ws_session<Stream>::write_directly(const std::string& frame) {
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    if (!ws_.is_open()) {
      return false;  // closing: Beast refuses new frames, and so does this
    }
    const auto header = binary_frame_header(frame.size());
    switch (ws_.next_layer().try_write(asio::buffer(header.bytes.data(), header.size),
                                       asio::buffer(frame))) {
      case tls_stream::write_now::not_now:
        return false;
      case tls_stream::write_now::failed:
        return true;  // the socket is closed: the read loop finishes the connection
      case tls_stream::write_now::written:
      case tls_stream::write_now::finishing:
        ctx_.metrics.frames_out.inc();
        ctx_.metrics.bytes_out.inc(frame.size());
        return true;
    }
  }
  return false;
}

template <class Stream>
bool ws_session<Stream>::on_own_thread() const {
  return home_.get_executor().running_in_this_thread();
}

template <class Stream>
void ws_session<Stream>::do_write() {
  writing_ = true;
  auto& from = queue_.empty() ? media_queue_ : queue_;
  in_flight_ = std::move(from.front());
  from.pop_front();
  ws_.async_write(asio::buffer(*in_flight_),
                  [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                    self->on_write(ec, bytes);
                  });
}

template <class Stream>
void ws_session<Stream>::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  in_flight_.reset();
  if (ec) {
    queue_.clear();
    media_queue_.clear();
    return;  // the read loop sees the failure too and finishes the connection
  }
  ctx_.metrics.frames_out.inc();
  ctx_.metrics.bytes_out.inc(bytes);
  if (!queue_.empty() || (!media_queue_.empty() && !closing_)) {
    do_write();
  } else if (closing_) {
    send_close();
  }
}

template <class Stream>
void ws_session<Stream>::do_close(close_reason reason) {
  if (closing_ || closed_) {
    return;
  }
  closing_ = true;
  reason_ = reason;
  // Frames already queued (an error reply explaining the close) go first.
  if (!writing_) {
    send_close();
  }
}

template <class Stream>
void ws_session<Stream>::send_close() {
  const auto reason = reason_;
  const auto code = reason == close_reason::shutdown ? websocket::close_code::going_away
                    : reason == close_reason::protocol_error || reason == close_reason::rate_limited
                        ? websocket::close_code::policy_error
                        : websocket::close_code::normal;
  ws_.async_close(websocket::close_reason(code, to_string(reason)),
                  [self = shared_from_this()](beast::error_code) {});
}

template <class Stream>
void ws_session<Stream>::finish(close_reason reason) {
  if (closed_.exchange(true)) {
    return;
  }
  queue_.clear();
  media_queue_.clear();
  ctx_.open[worker_].erase(this);
  place_.release();
  ctx_.metrics.connections_open.add(-1);
  if (std::is_same_v<Stream, tls_stream> && carries_media_) {
    ctx_.metrics.tls_buffers_kept.add(-1);  // freed with the stream
  }
  ctx_.metrics.closed(reason).inc();
  peer_closed(ctx_.svc, shared_from_this());
}

}  // namespace controlroom::server
