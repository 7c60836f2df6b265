#pragma once

// A plain UDP socket on loopback for tests that speak the media plane
// directly: send to the server's media port, receive with a deadline.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace controlroom::testing {

class udp_peer {
 public:
  udp_peer();  // bound to 127.0.0.1, a port the kernel picks
  ~udp_peer();
  udp_peer(const udp_peer&) = delete;
  udp_peer& operator=(const udp_peer&) = delete;

  std::uint16_t port() const { return port_; }
  void send_to(std::uint16_t port, std::span<const std::uint8_t> bytes);
  /// The next datagram, or nullopt once `timeout` passes without one.
  std::optional<std::vector<std::uint8_t>> receive(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace controlroom::testing
