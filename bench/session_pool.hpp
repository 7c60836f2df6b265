#pragma once

// The media load generator's sessions: each one a publisher (an engineer
// publishing the stereo program mix) and receivers (producers and
// listeners), set up over the control plane exactly as a client does it
// (docs/protocol.md §7): CreateSession, JoinSession with roles, OpenMedia,
// Publish, UDP probes until answered, OpenMedia{UDP}. Every UDP datagram is
// sealed and opened with the participant's MediaOpened.media_key as a real
// client does (docs/media-plane.md "Encryption"), so the figures include the
// AES-GCM work at both ends. The pool grows on demand so that a search can
// add sessions step by step.
//
// Threading: the pool and its control connections live on one io_context
// thread. The UDP pump (udp_pump.hpp) touches only the media fields of the
// participants, and only while the control thread leaves them alone (between
// grow_to() calls).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <boost/asio.hpp>

#include "control_client.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "latency_histogram.hpp"
#include "media_stream.hpp"

namespace controlroom::bench {

enum class media_transport { udp, websocket };

struct pool_config {
  server_address address;
  std::string token;
  int participants = 2;  ///< per session: one publisher, the rest receivers
  stream_shape shape;
  media_transport transport = media_transport::udp;
  /// One UDP socket for every publisher, so that a whole tick's datagrams
  /// leave in a few sendmmsg calls. Each publisher still has its own
  /// sender_id and probes from that socket.
  bool shared_send_socket = true;
  /// One UDP socket for every receiver, each receiver at its own loopback
  /// address (127.1.0.0 + n, same port): the server still sends to one
  /// address per receiver, while the generator drains everything in full
  /// recvmmsg batches instead of one call per receiver per packet, which
  /// leaves more of a shared machine to the relay. Needs an IPv4 loopback
  /// server address; IP_PKTINFO tells the receivers apart.
  bool shared_receive_socket = true;
  /// Every participant's connection names its session in the upgrade
  /// (?session=, protocol §1), so the server serves it on the session's
  /// worker; the session is then created on a connection of its own first.
  bool session_hint = true;
  int setup_concurrency = 16;
  int probe_attempts = 10;
  int probe_interval_ms = 200;
  int receive_buffer_bytes = 4 << 20;
};

struct media_participant {
  std::unique_ptr<control_client> control;
  bool publisher = false;
  media_participant* source = nullptr;  ///< a receiver's publisher
  std::uint32_t sender_id = 0;
  media::media_token token{};
  sockaddr_storage media_address{};  ///< the server's UDP media port
  socklen_t media_address_len = 0;
  int udp_fd = -1;  ///< owned unless it is one of the pool's shared sockets
  /// UDP sealing: a media_cipher belongs to one thread, and the pump seals on
  /// its sending thread while it opens on its receiving one; hence two, of
  /// the same key. The counter and window follow the cipher's thread.
  std::optional<media::media_cipher> seal_cipher;
  std::optional<media::media_cipher> open_cipher;
  std::uint64_t send_counter = 0;  ///< the last counter sealed with
  media::replay_window replay;
  /// With the shared receive socket: this receiver's own source/destination
  /// address (network order), and its slot (address - 127.1.0.0).
  std::uint32_t loopback_address = 0;
  std::uint32_t receive_slot = 0;
  bool connected = true;

  // Publisher: the stream's state, kept across steps.
  std::uint32_t sequence = 0;
  std::uint64_t step_sent = 0;
  std::uint64_t step_send_errors = 0;

  // WebSocket transport: one write in flight, a bounded queue behind it.
  std::deque<std::string> ws_queue;
  bool ws_writing = false;

  // Receiver.
  receive_counters rx;
};

struct media_session {
  std::string id;
  /// [0] is the publisher.
  std::vector<std::unique_ptr<media_participant>> people;
};

/// What a step measured, whichever transport carried it.
struct step_counts {
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t expected = 0;  ///< sum over receivers of their publisher's sent
  std::uint64_t received = 0;
  std::uint64_t gap_events = 0;
  std::uint64_t gap_packets = 0;
  std::uint64_t late = 0;
  std::uint64_t socket_drops = 0;  ///< at the generator's receive sockets
  std::uint64_t other = 0;
  std::uint64_t unauthenticated = 0;  ///< UDP datagrams that failed opening
  std::uint64_t late_slots = 0;       ///< sends more than 1 ms behind their schedule
  std::int64_t max_lag_ns = 0;
  double send_seconds = 0;
  latency_histogram latency;
};

/// The first address of the shared receive socket's receivers.
inline constexpr std::uint32_t receiver_base_address = 0x7f010000;  // 127.1.0.0

/// Sends a probe (§7.2) for `p`, sealed, from its socket, from its own
/// loopback address when it has one. The sealing thread's.
void send_probe(media_participant& p, std::uint64_t client_time_us);

/// `inner` sealed by `p` toward the server, in `out` (inner + sealed_overhead
/// bytes); empty without a key. The sealing thread's.
std::span<const std::uint8_t> seal_to_server(media_participant& p,
                                             std::span<const std::uint8_t> inner,
                                             std::span<std::uint8_t> out) noexcept;

/// The datagram the server sealed for `p`, opened into `out`
/// (media::max_datagram_size bytes): nullopt unless the prefix is p's, toward
/// the client, fresh, and the tag matches. The opening thread's.
std::optional<std::span<const std::uint8_t>> open_from_server(media_participant& p,
                                                              std::span<const std::uint8_t> sealed,
                                                              std::span<std::uint8_t> out) noexcept;

class session_pool {
 public:
  session_pool(boost::asio::io_context& ioc, pool_config config);
  ~session_pool();
  session_pool(const session_pool&) = delete;
  session_pool& operator=(const session_pool&) = delete;

  /// Sets up sessions until there are `n`. Throws on a refused request or a
  /// probe that is never answered.
  boost::asio::awaitable<void> grow_to(std::size_t n);

  std::size_t size() const noexcept { return sessions_.size(); }
  const pool_config& config() const noexcept { return config_; }
  media_session& session(std::size_t i) { return *sessions_[i]; }
  /// Control connections that closed after set-up (the server dropped them).
  std::uint64_t closed_connections() const noexcept { return closed_; }
  int shared_send_fd() const noexcept { return shared_send_fd_; }
  int shared_receive_fd() const noexcept { return shared_receive_fd_; }

  /// The WebSocket transport's measurement: paced MediaFrames from the
  /// publishers of sessions [0, n), received by the connections' readers.
  /// on_start/on_stop run on this thread when sending starts and stops.
  boost::asio::awaitable<step_counts> run_websocket_step(std::size_t n, double seconds,
                                                         double warmup, double grace, int tick_us,
                                                         std::function<void()> on_start,
                                                         std::function<void()> on_stop);

 private:
  boost::asio::awaitable<void> set_up(std::size_t index);
  boost::asio::awaitable<void> for_each_concurrently(
      std::vector<std::size_t> items,
      std::function<boost::asio::awaitable<void>(std::size_t)> work);
  void probe_all(const std::vector<media_participant*>& people);
  int open_udp_socket(const control_client& control, bool any_loopback = false);
  boost::asio::awaitable<void> read_loop(media_participant& p);
  boost::asio::awaitable<void> write_loop(media_participant& p);

  boost::asio::io_context& ioc_;
  pool_config config_;
  std::vector<std::unique_ptr<media_session>> sessions_;
  std::uint64_t closed_ = 0;
  int shared_send_fd_ = -1;
  int shared_receive_fd_ = -1;
  std::uint32_t next_receive_slot_ = 0;

  // The WebSocket readers' measurement window.
  bool ws_recording_ = false;
  std::uint64_t ws_warmup_end_us_ = 0;
  latency_histogram ws_latency_;
};

}  // namespace controlroom::bench
