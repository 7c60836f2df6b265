#pragma once

// The Mumble side of the peer benchmark: rooms of `participants` users, each
// room a channel of its own with one speaker and the rest listening, set up
// as a Mumble client does it (TLS, Version, Authenticate, CryptSetup,
// ServerSync, then UserState to move into the room's channel; the channels
// are created by SuperUser). With UDP, every user gets its own UDP socket
// and proves it with an encrypted UDP ping the server echoes; without, the
// voice rides the TLS connection (UDPTunnel).
//
// The measured step sends each speaker's Opus stream, paced as
// media_load's publishers are (slot k of the step is due at
// t0 + k × period / speakers), and counts what every listener receives:
// sequence gaps (from the payload), the delivery latency (the send time,
// CLOCK_REALTIME, is carried in the first 8 payload bytes; UDP arrivals are
// stamped by the kernel, SO_TIMESTAMPNS, tunnelled ones when read), loss.
//
// Threading: every call blocks its caller. During a UDP step one extra
// thread drains the control connections while the caller runs the UDP pump;
// otherwise everything runs on the caller's thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../session_pool.hpp"  // step_counts, receive_counters
#include "connection.hpp"
#include "crypt_state.hpp"

namespace controlroom::bench::mumble {

struct fleet_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 64738;
  std::string superuser_password;
  int participants = 5;  ///< per room: one speaker, the rest listeners
  bool udp = true;
  std::size_t opus_bytes = 322;  ///< media_stream's default: 2 + 2 x 160 (redundancy)
  int frame_us = 5000;
  int receive_buffer_bytes = 4 << 20;
  int verify_every = 32;  ///< full decryption and tag check of every n-th UDP datagram
  double setup_timeout_seconds = 30;
};

struct step_config {
  double seconds = 10;
  double warmup = 1;
  double grace = 0.3;
  int tick_us = 200;
  /// How a listener waits for the next packet: true (the default, as
  /// media_load's) blocks in epoll until a packet arrives or a send is due
  /// (the server's write wakes it, as a client blocked in poll(2) would be
  /// woken); false polls every tick / 2 and sleeps in between (the server
  /// never wakes it).
  bool receive_block = true;
};

struct user {
  connection control;
  std::uint32_t room = 0;
  bool speaker = false;
  std::uint32_t session = 0;
  bool synced = false;
  std::uint32_t channel = 0;
  bool in_channel = false;
  std::string error;
  std::unique_ptr<crypt_state> crypt;
  int udp_fd = -1;
  bool udp_ready = false;
  // Speaker.
  std::uint32_t sequence = 0;
  std::uint64_t step_sent = 0;
  std::uint64_t step_send_errors = 0;
  // Listener.
  receive_counters rx;
  std::uint64_t received_total = 0;
};

class fleet {
 public:
  explicit fleet(fleet_config config);
  ~fleet();
  fleet(const fleet&) = delete;
  fleet& operator=(const fleet&) = delete;

  /// Sets up rooms until there are `rooms`; throws on any failure.
  void grow_to(std::size_t rooms);

  step_counts run_step(const step_config& cfg, const std::function<void()>& on_start,
                       const std::function<void()>& on_stop);

  /// Control connections the server closed.
  std::uint64_t closed_connections() const;
  /// UDP-mode voice that arrived through the TLS tunnel instead (a user the
  /// server had no UDP address for); counted, not measured.
  std::uint64_t tunnelled_in_udp_mode() const noexcept { return tunnelled_in_udp_mode_; }
  std::uint64_t decrypt_failures() const;
  std::size_t rooms() const noexcept { return rooms_; }

 private:
  void handle(user& u, message_type type, std::string_view body, bool measuring);
  void drain_control(std::chrono::nanoseconds wait, bool measuring);
  void ping_all();
  std::uint32_t create_channel(const std::string& name);
  void connect_user(user& u, const std::string& name);
  void open_udp(std::vector<user*>& fresh);
  void count_voice(user& u, std::span<const std::uint8_t> opus, std::int64_t arrival_ns);

  fleet_config config_;
  ssl_ctx_st* tls_ = nullptr;
  int epoll_fd_ = -1;
  std::unique_ptr<user> superuser_;
  std::vector<std::unique_ptr<user>> users_;
  std::vector<user*> speakers_;
  std::vector<user*> listeners_;
  std::size_t rooms_ = 0;
  std::vector<std::pair<std::string, std::uint32_t>> channels_;
  std::chrono::steady_clock::time_point last_ping_;
  // The measurement window of tunnelled voice.
  bool recording_ = false;
  std::int64_t warmup_end_ns_ = 0;
  latency_histogram tunnel_latency_;
  std::atomic<std::uint64_t> tunnelled_in_udp_mode_{0};
  std::atomic<bool> stop_drain_{false};
};

/// The payload layout: send time (ns, CLOCK_REALTIME, little-endian),
/// room, sequence; the rest a filler without zero bytes (a block of zeros
/// in the second-to-last OCB2 block is what Mumble's servers refuse since
/// the 2018 attack on OCB2).
void write_payload(std::vector<std::uint8_t>& opus, std::int64_t send_ns, std::uint32_t room,
                   std::uint32_t sequence);
struct payload_fields {
  std::int64_t send_ns = 0;
  std::uint32_t room = 0;
  std::uint32_t sequence = 0;
};
bool read_payload(std::span<const std::uint8_t> opus, payload_fields& out);

std::int64_t realtime_ns();

}  // namespace controlroom::bench::mumble
