#pragma once

// Where the media switch puts datagrams bound for UDP receivers. The network
// layer implements it with one batched sendmmsg per receive batch
// (net/udp_relay); tests implement it in memory.
//
// Threading: the owning worker's thread only.

#include <cstdint>
#include <span>

#include "media/udp_endpoint.hpp"

namespace controlroom::server {

class media_output {
 public:
  virtual ~media_output() = default;
  /// Queues one datagram. `bytes` stays valid until flush() returns.
  virtual void send_udp(const udp_endpoint& to, std::span<const std::uint8_t> bytes) = 0;
  /// Sends everything queued. Datagrams the kernel cannot take are dropped.
  virtual void flush() = 0;
};

}  // namespace controlroom::server
