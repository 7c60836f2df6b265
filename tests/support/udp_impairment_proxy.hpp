#pragma once

// A UDP proxy on loopback that impairs the media one client receives or
// sends: the client talks to the proxy (media_options::udp_endpoint), the
// proxy talks to the server's media port from one socket of its own (so the
// server learns the proxy's address from the probes). Media datagrams (first
// byte 1) in the plan's direction are dropped, delayed (jitter) and
// reordered as the plan says, decided per packet by a seeded generator, so a
// seed gives the same drop pattern every run. Retransmissions (the
// `retransmission` header flag) draw from a generator of their own, so that
// how many were asked for does not shift the pattern of the first
// transmissions. Probes, probe replies and NACKs pass untouched (NACKs can
// be dropped on request), so the transport choice is not at stake.
//
// Every UDP datagram is sealed (docs/media-plane.md "Encryption"), so the
// proxy learns the keys its process's SDK clients receive through the SDK's
// private test seam (client-sdk/src/media_key_tap.hpp) and opens a copy of
// each datagram to see what it is; what it forwards are the sealed bytes,
// untouched. It can also attack the client (impairment_plan::inject_every):
// replays, forgeries and unsealed copies, which the client must drop.
// Header-only, one thread, POSIX sockets. One proxy at a time per process
// (the seam holds one tap).

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <queue>
#include <span>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "../../client-sdk/src/media_key_tap.hpp"
#include "controlroom/media/sealed.hpp"

namespace controlroom::testing {

struct impairment_plan {
  std::uint64_t seed = 1;
  double loss = 0;               ///< probability a media datagram is dropped
  double burst = 0;              ///< probability a drop continues into the next datagram
  double jitter_ms = 0;          ///< each datagram delayed by uniform [0, jitter_ms)
  double reorder = 0;            ///< probability a datagram is held back one extra...
  double reorder_delay_ms = 15;  ///< ...by this much, landing after later ones
  /// The media impaired: what the server sends the client, or what the client sends.
  bool to_server = false;
  /// Only the first `limit` media datagrams (retransmissions aside) are
  /// impaired; the rest pass, so that a test decides where the trouble ends.
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  /// Retransmissions are dropped with this probability, independently.
  double retransmission_loss = 0;
  /// Drop every NACK (docs/media-plane.md "Healing") the server sends.
  bool drop_nacks = false;
  /// Attacks on the client: before every `inject_every`-th media datagram
  /// from the server (of the first `limit`), the client is sent the previous
  /// one again (a replay), this one with a ciphertext bit flipped (a forgery),
  /// this one sealed with another key under its own counter, and this one
  /// unsealed. Each precedes a genuine datagram on the path. 0: none.
  std::uint64_t inject_every = 0;
};

struct impairment_counts {
  std::uint64_t media = 0;  ///< media datagrams from the server
  std::uint64_t dropped = 0;
  std::uint64_t isolated_drops = 0;  ///< drops with a delivered datagram on each side
  std::uint64_t reordered = 0;
  std::uint64_t nacks = 0;            ///< NACKs from the server (dropped or not)
  std::uint64_t retransmissions = 0;  ///< in the impaired direction
  std::uint64_t retransmissions_dropped = 0;
  /// Sequence numbers of the dropped media datagrams, in order.
  std::vector<std::uint32_t> dropped_sequences;
  std::uint64_t unopened = 0;  ///< datagrams the proxy had no key for (passed as they are)
  std::uint64_t replays_injected = 0;
  std::uint64_t forgeries_injected = 0;
  std::uint64_t wrong_key_injected = 0;
  std::uint64_t unsealed_injected = 0;
};

class udp_impairment_proxy {
 public:
  udp_impairment_proxy(std::uint16_t server_port, impairment_plan plan)
      : plan_(plan), rng_(plan.seed), resend_rng_(~plan.seed) {
    front_ = bound_socket();
    back_ = bound_socket();
    sockaddr_in server = loopback(server_port);
    if (::connect(back_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
      throw std::runtime_error("proxy: connect");
    sockaddr_in me{};
    socklen_t len = sizeof me;
    ::getsockname(front_, reinterpret_cast<sockaddr*>(&me), &len);
    port_ = ntohs(me.sin_port);
    detail::set_media_key_tap([this](std::uint32_t sender_id, const media::media_key& key) {
      std::lock_guard lock(keys_mutex_);
      new_keys_.emplace_back(sender_id, key);
    });
    thread_ = std::thread([this] { run(); });
  }

  ~udp_impairment_proxy() {
    detail::set_media_key_tap({});
    stop_ = true;
    thread_.join();
    ::close(front_);
    ::close(back_);
  }

  udp_impairment_proxy(const udp_impairment_proxy&) = delete;
  udp_impairment_proxy& operator=(const udp_impairment_proxy&) = delete;

  std::uint16_t port() const { return port_; }

  impairment_counts counts() const {
    std::lock_guard lock(mutex_);
    auto c = counts_;
    // The last drop's right neighbour is not decided yet; it counts once it is.
    return c;
  }

 private:
  using clock = std::chrono::steady_clock;
  struct held {
    clock::time_point due;
    std::uint64_t order;
    std::vector<std::uint8_t> bytes;
    bool to_server;
    bool operator>(const held& o) const { return std::tie(due, order) > std::tie(o.due, o.order); }
  };

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static int bound_socket() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("proxy: socket");
    return fd;
  }

  // SplitMix64, as the media tests use: portable, so seeds reproduce.
  static double uniform(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
  double uniform() { return uniform(rng_); }

  using bytes_view = std::span<const std::uint8_t>;

  static std::uint32_t sequence_of(bytes_view inner) {
    if (inner.size() < 16)
      return 0;
    return (std::uint32_t{inner[12]} << 24) | (std::uint32_t{inner[13]} << 16) |
           (std::uint32_t{inner[14]} << 8) | inner[15];
  }

  // Header byte 1, bit 2 (media/include/controlroom/media/header.hpp).
  static bool is_retransmission(bytes_view inner) {
    return inner.size() > 1 && (inner[1] & 0x04) != 0;
  }

  static bool is_media(const std::optional<bytes_view>& inner) {
    return inner && (*inner)[0] == media::header_version;
  }

  // The inner datagram of a sealed one (a view into peeked_), if the proxy
  // has the key of its sender_id. No replay check: the proxy only looks.
  std::optional<bytes_view> peek(const std::uint8_t* data, std::size_t size) {
    const bytes_view sealed(data, size);
    const auto prefix = media::parse_sealed_prefix(sealed);
    if (!prefix)
      return std::nullopt;
    {
      std::lock_guard lock(keys_mutex_);
      for (const auto& [id, key] : new_keys_)
        ciphers_.insert_or_assign(id, media::media_cipher(key));
      new_keys_.clear();
    }
    const auto it = ciphers_.find(prefix->sender_id);
    auto inner = it == ciphers_.end() ? std::nullopt : it->second.open(sealed, peeked_);
    if (!inner) {
      std::lock_guard lock(mutex_);
      ++counts_.unopened;
    }
    return inner;
  }

  void pass(const std::uint8_t* data, std::size_t size, bool to_server) {
    if (to_server)
      ::send(back_, data, size, 0);
    else
      deliver(data, size);
  }

  void from_client(const std::uint8_t* data, std::size_t size) {
    const auto inner = peek(data, size);
    if (plan_.to_server && is_media(inner))
      impair(data, size, *inner, true);
    else
      pass(data, size, true);
  }

  void from_server(const std::uint8_t* data, std::size_t size) {
    const auto inner = peek(data, size);
    if (inner && (*inner)[0] == nack_type) {
      {
        std::lock_guard lock(mutex_);
        ++counts_.nacks;
      }
      if (!plan_.drop_nacks)
        deliver(data, size);
      return;
    }
    if (is_media(inner)) {
      attack(data, size, *inner);
      if (!plan_.to_server) {
        impair(data, size, *inner, false);
        return;
      }
    }
    deliver(data, size);
  }

  // Before `data` (sealed media from the server; `inner` opened) reaches the
  // client, what an attacker on the path could send it instead.
  void attack(const std::uint8_t* data, std::size_t size, bytes_view inner) {
    const auto n = server_media_++;
    if (plan_.inject_every != 0 && n < plan_.limit && n % plan_.inject_every == 0 &&
        !previous_.empty()) {
      deliver(previous_.data(), previous_.size());
      std::vector<std::uint8_t> forged(data, data + size);
      forged[media::sealed_prefix_size] ^= 0x01;
      deliver(forged.data(), forged.size());
      const auto prefix = media::parse_sealed_prefix({data, size});
      std::array<std::uint8_t, media::max_sealed_size> foreign{};
      const auto wrong = wrong_key_.seal(*prefix, inner, foreign);
      deliver(wrong.data(), wrong.size());
      deliver(inner.data(), inner.size());
      std::lock_guard lock(mutex_);
      ++counts_.replays_injected;
      ++counts_.forgeries_injected;
      ++counts_.wrong_key_injected;
      ++counts_.unsealed_injected;
    }
    if (plan_.inject_every != 0)
      previous_.assign(data, data + size);
  }

  void impair(const std::uint8_t* data, std::size_t size, bytes_view inner, bool to_server) {
    if (is_retransmission(inner)) {
      const bool drop = uniform(resend_rng_) < plan_.retransmission_loss;
      {
        std::lock_guard lock(mutex_);
        ++counts_.retransmissions;
        counts_.retransmissions_dropped += drop ? 1 : 0;
      }
      if (!drop)
        pass(data, size, to_server);
      return;
    }
    if (impaired_ >= plan_.limit) {
      pass(data, size, to_server);
      return;
    }
    ++impaired_;
    // Decide loss first, jitter next, in a fixed order per datagram.
    const bool drop = previous_dropped_ ? uniform() < plan_.burst : uniform() < plan_.loss;
    const double jitter = uniform() * plan_.jitter_ms;
    const bool reorder = uniform() < plan_.reorder;
    {
      std::lock_guard lock(mutex_);
      ++counts_.media;
      if (drop) {
        ++counts_.dropped;
        ++run_length_;
        counts_.dropped_sequences.push_back(sequence_of(inner));
      } else {
        if (run_length_ == 1 && delivered_before_run_)
          ++counts_.isolated_drops;
        run_length_ = 0;
        delivered_before_run_ = true;
      }
      if (!drop && reorder)
        ++counts_.reordered;
    }
    previous_dropped_ = drop;
    if (drop)
      return;
    auto delay =
        std::chrono::duration<double, std::milli>(jitter + (reorder ? plan_.reorder_delay_ms : 0));
    if (delay.count() <= 0 && queue_.empty()) {
      pass(data, size, to_server);
      return;
    }
    queue_.push({clock::now() + std::chrono::duration_cast<clock::duration>(delay), order_++,
                 std::vector<std::uint8_t>(data, data + size), to_server});
  }

  void deliver(const std::uint8_t* data, std::size_t size) {
    if (!have_client_)
      return;
    ::sendto(front_, data, size, 0, reinterpret_cast<sockaddr*>(&client_), sizeof client_);
  }

  void run() {
    std::array<std::uint8_t, 4096> buf{};
    while (!stop_) {
      int timeout_ms = 20;
      if (!queue_.empty()) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(queue_.top().due - clock::now());
        timeout_ms = static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 20));
      }
      pollfd fds[2] = {{front_, POLLIN, 0}, {back_, POLLIN, 0}};
      ::poll(fds, 2, timeout_ms);
      if (fds[0].revents & POLLIN) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const auto n =
            ::recvfrom(front_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n > 0) {
          client_ = from;
          have_client_ = true;
          from_client(buf.data(), static_cast<std::size_t>(n));
        }
      }
      if (fds[1].revents & POLLIN) {
        const auto n = ::recv(back_, buf.data(), buf.size(), 0);
        if (n > 0)
          from_server(buf.data(), static_cast<std::size_t>(n));
      }
      const auto now = clock::now();
      while (!queue_.empty() && queue_.top().due <= now) {
        pass(queue_.top().bytes.data(), queue_.top().bytes.size(), queue_.top().to_server);
        queue_.pop();
      }
    }
  }

  static constexpr std::uint8_t nack_type = 0x82;

  impairment_plan plan_;
  std::mutex keys_mutex_;  // new_keys_: filled on SDK network threads
  std::vector<std::pair<std::uint32_t, media::media_key>> new_keys_;
  std::map<std::uint32_t, media::media_cipher> ciphers_;  // proxy thread
  std::array<std::uint8_t, media::max_datagram_size> peeked_{};
  media::media_cipher wrong_key_{media::media_key{0x5e, 0xa1, 0xed}};
  std::uint64_t server_media_ = 0;      // media datagrams from the server so far
  std::vector<std::uint8_t> previous_;  // the last of them, sealed (for replays)
  std::uint64_t rng_;
  std::uint64_t resend_rng_;
  std::uint64_t impaired_ = 0;  // media datagrams the plan has decided on
  int front_ = -1;
  int back_ = -1;
  std::uint16_t port_ = 0;
  sockaddr_in client_{};
  bool have_client_ = false;
  bool previous_dropped_ = false;
  std::uint64_t run_length_ = 0;
  bool delivered_before_run_ = false;
  std::uint64_t order_ = 0;
  std::priority_queue<held, std::vector<held>, std::greater<>> queue_;
  mutable std::mutex mutex_;
  impairment_counts counts_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace controlroom::testing
