#pragma once

// One worker's UDP media socket: receives datagrams in batches (recvmmsg),
// hands each to the worker's media_switch, and sends what the switch queues
// in one batch (sendmmsg) per receive batch. A datagram larger than a
// sealed 1500-byte one arrives truncated and is dropped before anything
// looks at it.
//
// Threading: lives on its worker; open() before the worker runs, everything
// else on the worker's thread.

#include <array>
#include <cstdint>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "media/media_output.hpp"
#include "media/media_switch.hpp"

namespace controlroom::server {

class udp_relay final : public media_output {
 public:
  udp_relay(boost::asio::io_context& ioc, media_switch& sw);

  /// Binds the socket; returns the bound port. Throws std::runtime_error
  /// naming the address when it cannot.
  std::uint16_t open(const std::string& address, std::uint16_t port, std::size_t buffer_bytes);
  /// Starts receiving (posts onto the worker).
  void start();

  void send_udp(const udp_endpoint& to, std::span<const std::uint8_t> bytes) override;
  void flush() override;

 private:
  static constexpr std::size_t batch = 64;  // datagrams per recvmmsg
  // More than any valid (sealed) datagram: a larger one is cut short and
  // flagged MSG_TRUNC by the kernel.
  static constexpr std::size_t slot_bytes = 1536;
  // Receive batches handled per readiness before yielding to the worker's
  // other work (WebSocket connections on the same thread).
  static constexpr int batches_per_wakeup = 16;

  void wait();
  void on_readable();
  // Sets a socket buffer size, forcing it past the sysctl cap when allowed,
  // and warns when the kernel grants less.
  void ensure_buffer(int option, int force_option, std::size_t bytes, const char* what);

  boost::asio::ip::udp::socket socket_;
  media_switch& switch_;

  std::array<std::array<std::uint8_t, slot_bytes>, batch> slots_{};
  std::array<sockaddr_storage, batch> from_{};
  std::array<iovec, batch> iov_{};
  std::array<mmsghdr, batch> msgs_{};

  struct pending {
    udp_endpoint to;
    std::span<const std::uint8_t> bytes;
  };
  std::vector<pending> pending_;
  std::vector<iovec> out_iov_;
  std::vector<mmsghdr> out_msgs_;
};

}  // namespace controlroom::server
