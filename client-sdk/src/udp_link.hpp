#pragma once

// The media plane's UDP socket and the doorbell reader: the only parts of
// the audio engine that know Asio. Both live on the client's network thread;
// every member is called there.
//
// Each owns pending operations on the thread's io_context, which keep the
// thread from winding down: close() them before the client's network thread
// is to end.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "controlroom/errors.hpp"
#include "network_thread.hpp"

namespace controlroom::detail {

/// A UDP socket connected to the server's media port. Datagrams from any
/// other address are filtered out by the kernel (a connected socket).
class udp_link {
 public:
  /// `on_datagram` runs on the network thread with each datagram received
  /// (a view valid during the call) and the arrival time (media_now_us()).
  using datagram_handler =
      std::function<void(std::span<const std::uint8_t> datagram, std::uint64_t arrival_us)>;

  udp_link(network_thread& thread, datagram_handler on_datagram);
  ~udp_link();
  udp_link(const udp_link&) = delete;
  udp_link& operator=(const udp_link&) = delete;

  /// Resolves `host` (numerically when it is an address), opens a socket of
  /// its family, connects it to `port` and starts receiving; then `done`:
  /// ok or errc::connection_failed. Replaces any earlier socket.
  void connect(const std::string& host, std::uint16_t port, std::function<void(status)> done);

  /// True once connect() succeeded, until close().
  bool ready() const noexcept;

  /// Sends one datagram without blocking; false when the kernel refused it
  /// (buffer full, no route, ICMP port unreachable reported): media never waits.
  bool send(std::span<const std::uint8_t> datagram) noexcept;

  /// Closes the socket; pending receives end. connect() may be called again.
  void close() noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

/// Runs `on_ring` on the network thread whenever a doorbell (an eventfd)
/// was rung since the last run.
class doorbell_watch {
 public:
  /// Watches a duplicate of `fd`, so the doorbell's owner may close its own.
  doorbell_watch(network_thread& thread, int fd, std::function<void()> on_ring);
  ~doorbell_watch();
  doorbell_watch(const doorbell_watch&) = delete;
  doorbell_watch& operator=(const doorbell_watch&) = delete;

  /// Stops watching; on_ring is not called again.
  void close() noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace controlroom::detail
