#pragma once

// A UDP peer address (IPv4 or IPv6) as the kernel hands it to recvmmsg: a
// plain value the media plane can store, compare and send to, without Asio.

#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>

namespace controlroom::server {

struct udp_endpoint {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage); }
  bool empty() const { return length == 0; }

  /// Copies what recvmmsg wrote (length bytes of `addr`).
  static udp_endpoint from(const sockaddr* addr, socklen_t length);
  /// "1.2.3.4:5" or "[::1]:5", for logs.
  std::string to_string() const;

  /// Same family, address and port (what identifies a sender).
  friend bool operator==(const udp_endpoint& a, const udp_endpoint& b);
};

}  // namespace controlroom::server
