#pragma once

// A UDP proxy on loopback that impairs the media a client receives: one
// client talks to the proxy (media_options::udp_endpoint), the proxy talks to
// the server's media port from one socket of its own. Client -> server
// datagrams pass untouched (probes included, so the server learns the
// proxy's address); server -> client media datagrams (first byte 1) are
// dropped, delayed (jitter) and reordered as the plan says, decided per
// packet by a seeded generator, so a seed gives the same drop pattern every
// run. Probe replies pass untouched so the transport choice is not at
// stake. Header-only, one thread, POSIX sockets.

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <queue>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace controlroom::testing {

struct impairment_plan {
  std::uint64_t seed = 1;
  double loss = 0;               ///< probability a media datagram is dropped
  double burst = 0;              ///< probability a drop continues into the next datagram
  double jitter_ms = 0;          ///< each datagram delayed by uniform [0, jitter_ms)
  double reorder = 0;            ///< probability a datagram is held back one extra...
  double reorder_delay_ms = 15;  ///< ...by this much, landing after later ones
};

struct impairment_counts {
  std::uint64_t media = 0;  ///< media datagrams from the server
  std::uint64_t dropped = 0;
  std::uint64_t isolated_drops = 0;  ///< drops with a delivered datagram on each side
  std::uint64_t reordered = 0;
};

class udp_impairment_proxy {
 public:
  udp_impairment_proxy(std::uint16_t server_port, impairment_plan plan)
      : plan_(plan), rng_(plan.seed) {
    front_ = bound_socket();
    back_ = bound_socket();
    sockaddr_in server = loopback(server_port);
    if (::connect(back_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
      throw std::runtime_error("proxy: connect");
    sockaddr_in me{};
    socklen_t len = sizeof me;
    ::getsockname(front_, reinterpret_cast<sockaddr*>(&me), &len);
    port_ = ntohs(me.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~udp_impairment_proxy() {
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
  double uniform() {
    std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }

  void from_server(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || data[0] != 1) {
      deliver(data, size);
      return;
    }
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
      deliver(data, size);
      return;
    }
    queue_.push({clock::now() + std::chrono::duration_cast<clock::duration>(delay), order_++,
                 std::vector<std::uint8_t>(data, data + size)});
  }

  void deliver(const std::uint8_t* data, std::size_t size) {
    if (!have_client_)
      return;
    ::sendto(front_, data, size, 0, reinterpret_cast<sockaddr*>(&client_), sizeof client_);
  }

  void run() {
    std::array<std::uint8_t, 2048> buf{};
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
          ::send(back_, buf.data(), static_cast<std::size_t>(n), 0);
        }
      }
      if (fds[1].revents & POLLIN) {
        const auto n = ::recv(back_, buf.data(), buf.size(), 0);
        if (n > 0)
          from_server(buf.data(), static_cast<std::size_t>(n));
      }
      const auto now = clock::now();
      while (!queue_.empty() && queue_.top().due <= now) {
        deliver(queue_.top().bytes.data(), queue_.top().bytes.size());
        queue_.pop();
      }
    }
  }

  impairment_plan plan_;
  std::uint64_t rng_;
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
