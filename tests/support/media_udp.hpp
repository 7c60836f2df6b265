#pragma once

// A participant's UDP end of the media plane for raw-protocol tests: it
// seals what it sends and opens what it receives with the key MediaOpened
// handed out (controlroom/media/sealed.hpp), as any client must, and offers
// the probe round trip that tests use as a barrier: the server handles one
// socket's datagrams in order, so once a probe sent after some datagrams is
// answered, everything those datagrams were going to cause has happened.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "controlroom/v1/control.pb.h"
#include "udp_peer.hpp"

namespace controlroom::testing {

class media_udp {
 public:
  using bytes = std::vector<std::uint8_t>;

  /// Takes sender_id, token, key and port from MediaOpened (again after a
  /// re-open: the key and counters carry on when the sender_id is kept).
  void open(const v1::MediaOpened& opened);

  std::uint16_t media_port() const { return port_; }
  std::uint32_t sender_id() const { return sender_id_; }
  udp_peer& socket() { return udp_; }

  /// `inner` sealed with the next counter.
  bytes seal(std::span<const std::uint8_t> inner);
  /// Seals `inner` with the next counter, sends it, and returns the sealed
  /// datagram (for tests that replay or tamper with it).
  bytes send(std::span<const std::uint8_t> inner);
  /// Sends `datagram` as it is.
  void send_raw(std::span<const std::uint8_t> datagram) { udp_.send_to(port_, datagram); }

  /// The next datagram from the server that opens (direction, own id, a
  /// fresh counter, the tag): the inner datagram. Datagrams that do not
  /// open are counted in rejected() and skipped. nullopt on timeout.
  std::optional<bytes> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Probes and waits for the reply (a gtest failure if none comes). Inner
  /// datagrams that arrive before it go to `other`, when given.
  void barrier(const std::function<void(const bytes&)>& other = {});

  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t probes() const { return probes_; }

 private:
  udp_peer udp_;
  std::uint16_t port_ = 0;
  std::uint32_t sender_id_ = 0;
  media::media_token token_{};
  std::optional<media::media_cipher> cipher_;
  std::uint64_t counter_ = 0;
  media::replay_window received_;
  std::uint64_t rejected_ = 0;
  std::uint64_t probes_ = 0;
};

}  // namespace controlroom::testing
