#pragma once

// The server's TLS stream (https and wss): OpenSSL driven directly on the
// socket's descriptor, in place of asio::ssl::stream. Asio's stream runs
// every record through a memory BIO pair and a chain of composed operations
// (one socket operation and one more completion per record); this one calls
// SSL_read/SSL_write on the non-blocking descriptor and waits for readiness
// only when OpenSSL asks to. A WebSocket frame out is one SSL_write: one
// record and one send(2).
//
// It is Beast's lowest layer (it has no next_layer()): it carries the
// timeouts (expires_after/expires_never, as beast::tcp_stream's) and the
// close and teardown hooks the WebSocket stream calls on it.
//
// Threading: like an Asio socket. Every call and every completion happens on
// the stream's executor (one worker thread); at most one read and one write
// are in flight at a time.

#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>

struct ssl_st;
struct ssl_ctx_st;

namespace controlroom::server {

namespace detail_tls {

/// What one attempt at an OpenSSL call left to do.
enum class want { done, read, write };

struct attempt {
  want next = want::done;
  std::size_t bytes = 0;
  boost::system::error_code ec;
};

/// A stream's state, shared by the stream and its pending operations and
/// timer, so that moving the stream (into a WebSocket session) moves nothing
/// an operation points at.
struct state {
  state(boost::asio::ip::tcp::socket s, ssl_ctx_st* ctx);
  /// Adopts `adopted` (set up by the other constructor) for `s`, which has
  /// the same descriptor.
  state(boost::asio::ip::tcp::socket s, ssl_st* adopted);
  ~state();
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  attempt handshake();
  attempt read(boost::asio::mutable_buffer into);
  /// Finishes an owed record first, then writes `from`.
  attempt write(boost::asio::const_buffer from);
  /// One SSL_write; notes whether it left a record waiting for the socket.
  attempt write_record(boost::asio::const_buffer from);
  attempt shutdown();
  /// OpenSSL holds received bytes not yet read (decrypted or not).
  bool has_pending_input() const;
  /// Stops giving the record buffers back after every record.
  void keep_buffers();
  bool keeps_buffers() const;
  /// The error a failed readiness wait completes with: timeout when the
  /// deadline closed the socket.
  boost::system::error_code wait_failed(boost::system::error_code ec) const;
  void close();

  boost::asio::ip::tcp::socket socket;
  boost::asio::steady_timer timer;
  ssl_st* ssl = nullptr;
  std::uint64_t deadline_generation = 0;
  bool timed_out = false;
  std::vector<unsigned char> scratch;  // a write's buffers gathered into one record
  /// A record try_write() committed but the socket did not take whole; it
  /// goes out before anything written after it. `owed_bytes` holds what
  /// was passed to SSL_write, which a retry must pass again.
  bool owed = false;
  std::vector<unsigned char> owed_bytes;
  /// The last SSL_write left its record waiting for the socket: an
  /// asynchronous write is waiting to retry it.
  bool write_blocked = false;
};

/// Waits for the socket and retries the owed record until it is out (or
/// the socket fails or closes; the stream's reads see that).
void finish_owed(const std::shared_ptr<state>& s, want wait_for);

/// Tries `step` on the state and, while OpenSSL wants the socket readable or
/// writable, waits for that and tries again. Completes through a post when
/// the first try finishes, never inside the initiating call.
template <class Step>
struct io_op {
  std::shared_ptr<state> s;
  Step step;
  bool waited = false;
  bool finished = false;  // the first try finished; completing after the post
  std::size_t bytes = 0;
  boost::system::error_code ec;

  template <class Self>
  void operator()(Self& self, boost::system::error_code wait_ec = {}) {
    if (finished) {
      self.complete(ec, bytes);
      return;
    }
    if (wait_ec) {
      self.complete(s->wait_failed(wait_ec), 0);
      return;
    }
    const auto r = step(*s);
    if (r.next != want::done) {
      waited = true;
      s->socket.async_wait(r.next == want::read ? boost::asio::ip::tcp::socket::wait_read
                                                : boost::asio::ip::tcp::socket::wait_write,
                           std::move(self));
      return;
    }
    if (waited) {
      self.complete(r.ec, r.bytes);
      return;
    }
    finished = true;
    bytes = r.bytes;
    ec = r.ec;
    boost::asio::post(std::move(self));
  }
};

}  // namespace detail_tls

class tls_stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// A connection without its thread: the descriptor and the TLS session,
  /// let go by one stream (release()) for a stream on another worker's
  /// io_context to adopt. Closes both if never adopted.
  class released {
   public:
    released(released&& other) noexcept;
    released& operator=(released&&) = delete;
    ~released();

   private:
    friend class tls_stream;
    released(int fd, ssl_st* ssl, boost::asio::ip::tcp protocol)
        : fd_(fd), ssl_(ssl), protocol_(protocol) {}
    int fd_;
    ssl_st* ssl_;
    boost::asio::ip::tcp protocol_;
  };

  /// Takes over a connected socket; `ctx` is the server's TLS context.
  tls_stream(boost::asio::ip::tcp::socket socket, ssl_ctx_st* ctx);
  /// Adopts a released connection on `executor`'s io_context. Call it on
  /// that io_context's thread.
  tls_stream(const executor_type& executor, released connection);

  /// Lets go of the connection (nothing may be pending on it); this stream
  /// is closed afterwards.
  released release();

  executor_type get_executor() noexcept { return s_->socket.get_executor(); }
  boost::asio::ip::tcp::socket& socket() noexcept { return s_->socket; }

  /// Operations still pending when the time is up, and any started after,
  /// fail with beast::error::timeout; the socket is closed then.
  void expires_after(std::chrono::steady_clock::duration after);
  void expires_never();
  /// Closes the socket; pending operations complete with an error.
  void close() { s_->close(); }
  /// One attempt at sending close_notify, without waiting.
  void shutdown_now();

  /// The stream carries audio and is never idle: its record buffers (about
  /// 17 KiB each way) stay allocated instead of being freed after every
  /// record and allocated again for the next, which cost about 2 % of the
  /// fallback's CPU per forwarded packet. A new stream gives them back
  /// whenever it runs dry, which keeps idle control connections small.
  void keep_buffers() { s_->keep_buffers(); }
  bool keeps_buffers() const { return s_->keeps_buffers(); }

  /// What try_write() did with a frame.
  enum class write_now {
    written,    ///< the socket took the whole record
    finishing,  ///< the record is committed; the stream sends the rest itself
    failed,     ///< the connection failed; the socket is closed
    not_now,    ///< another write is under way, or too large: write it the usual way
  };

  /// Writes `header` then `payload` as one record, now, without starting an
  /// operation, when no other write is under way and both fit a record.
  /// Whatever is written afterwards goes after it. A fast path for small
  /// frames (ws_session's MediaFrames): no completion to run, no handler.
  write_now try_write(boost::asio::const_buffer header, boost::asio::const_buffer payload);

  /// The server side of the TLS handshake.
  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](detail_tls::state& s) { return s.handshake(); }, std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer into;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) {
        into = b;
        break;
      }
    }
    // With nothing buffered in OpenSSL the first try waits for the socket
    // rather than reading it: a read now would almost always find it empty
    // (a client sends a message, then waits), and waiting re-arms the
    // descriptor, which reports data that is already there at once.
    return run(
        [into, first = true](detail_tls::state& s) mutable {
          if (std::exchange(first, false) && s.socket.is_open() && !s.has_pending_input()) {
            return detail_tls::attempt{detail_tls::want::read, 0, {}};
          }
          return s.read(into);
        },
        std::forward<Token>(token));
  }

  /// Several buffers (a WebSocket frame's header and payload) are gathered
  /// into one record first, up to a record's 16 KiB; a single buffer is
  /// written as it is (as many records as it takes).
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const auto begin = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    boost::asio::const_buffer from;
    std::size_t count = 0;
    for (auto it = begin; it != end; ++it) {
      if (boost::asio::const_buffer b(*it); b.size() > 0 && count++ == 0) {
        from = b;
      }
    }
    if (count > 1) {
      from = gather(begin, end);
    }
    return run([from](detail_tls::state& s) { return s.write(from); }, std::forward<Token>(token));
  }

  /// Sends close_notify; does not wait for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run([](detail_tls::state& s) { return s.shutdown(); }, std::forward<Token>(token));
  }

 private:
  static constexpr std::size_t record_bytes = 16 * 1024;

  template <class Iterator>
  boost::asio::const_buffer gather(Iterator begin, Iterator end) {
    auto& scratch = s_->scratch;
    scratch.resize(record_bytes);
    std::size_t used = 0;
    for (auto it = begin; it != end && used < record_bytes; ++it) {
      used +=
          boost::asio::buffer_copy(boost::asio::buffer(scratch.data() + used, record_bytes - used),
                                   boost::asio::const_buffer(*it));
    }
    return {scratch.data(), used};
  }

  template <class Step, class Token>
  auto run(Step step, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail_tls::io_op<Step>{s_, std::move(step), false, false, 0, {}}, token, s_->socket);
  }

  std::shared_ptr<detail_tls::state> s_;
};

// Beast's hooks, found by argument-dependent lookup: the WebSocket stream
// closes its lowest layer on a timeout and tears the connection down after
// the closing handshake.
void beast_close_socket(tls_stream& stream);
void teardown(boost::beast::role_type role, tls_stream& stream, boost::system::error_code& ec);

template <class Handler>
void async_teardown(boost::beast::role_type, tls_stream& stream, Handler&& handler) {
  // The copy shares the stream's state: it outlives whatever owns `stream`.
  stream.async_shutdown([owner = stream, handler = std::forward<Handler>(handler)](
                            boost::system::error_code, std::size_t) mutable {
    boost::system::error_code ignored;
    owner.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    owner.close();
    std::move(handler)(boost::system::error_code{});
  });
}

}  // namespace controlroom::server
