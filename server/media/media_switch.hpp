#pragma once

// The forwarding core of one network worker's media plane (SFU: datagrams
// are forwarded as they are, never decoded). It knows every sender of the
// sessions its worker owns by sender_id, checks each datagram before any
// routing (size, header, sender, source address, publication), and fans it
// out to the receivers its session's routes name: over UDP through a
// media_output, or as MediaFrame envelopes to WebSocket receivers.
//
// No sockets here: net/udp_relay feeds it received batches, the WebSocket
// handlers feed it MediaFrames, and tests feed it both.
//
// Threading: one per worker; every call on that worker's thread.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "media/datagram_arena.hpp"
#include "media/media_output.hpp"
#include "media/session_media.hpp"

namespace controlroom::server {

struct server_metrics;

/// Why a media datagram was not forwarded (controlroom_media_dropped_total).
enum class media_drop {
  oversize,         // over 1500 bytes (1532 sealed)
  malformed,        // not sealed; or inside, not a probe nor a media datagram with a valid header
  unknown_sender,   // a sender_id this worker does not serve
  replayed,         // a sealed counter already accepted, or behind the replay window
  auth_failed,      // the GCM tag does not match: tampered, or sealed with another key
  unbound_address,  // UDP media from an address no valid probe came from
  not_published,    // a stream kind the sender has not published
  bad_probe,        // unknown sender_id or wrong token
  wrong_sender,     // a MediaFrame carrying another participant's sender_id
  queue_full,       // a WebSocket receiver's media queue was full (oldest dropped)
  send_failed,      // the kernel refused a UDP datagram
  count_
};
const char* to_string(media_drop reason);

/// Counts kept by the owning thread and published in batches, so the hot
/// path touches no shared cache line per packet.
struct media_tally {
  std::uint64_t received_udp = 0;
  std::uint64_t received_ws = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t forwarded_udp = 0;
  std::uint64_t forwarded_ws = 0;
  std::uint64_t bytes_forwarded = 0;
  std::uint64_t probes = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(media_drop::count_)> dropped{};

  void drop(media_drop reason) { ++dropped[static_cast<std::size_t>(reason)]; }
};

class media_switch {
 public:
  explicit media_switch(server_metrics& metrics) : metrics_(metrics) {}
  media_switch(const media_switch&) = delete;
  media_switch& operator=(const media_switch&) = delete;

  /// Connects the UDP side (done once by the network layer at start-up).
  void attach(media_output* out, std::uint16_t udp_port) {
    out_ = out;
    udp_port_ = udp_port;
  }
  std::uint16_t udp_port() const { return udp_port_; }

  /// Gives `member` a sender_id unique on this worker, a fresh token and a
  /// fresh media key.
  void add_sender(session_media& session, media_member& member);
  void remove_sender(std::uint32_t sender_id);
  std::size_t senders() const { return sender_count_; }

  /// One datagram from the UDP socket: sealed (sealed.hpp) with the
  /// sender's key, else dropped. Output goes to the media_output, sealed
  /// for each receiver; call end_batch() after flushing it.
  void on_udp(std::span<const std::uint8_t> datagram, const udp_endpoint& from,
              std::uint64_t now_us);
  /// One MediaFrame from participant `participant_id`'s WebSocket. Sends at
  /// once (flushes the output).
  void on_websocket(const std::string& participant_id, std::span<const std::uint8_t> datagram,
                    std::uint64_t now_us);
  /// Sends a control datagram (a NACK) to a member: over UDP when it has a
  /// probed address, else as a MediaFrame. Within a batch, it leaves with
  /// the batch's flush.
  void send_to_member(media_member& member, std::vector<std::uint8_t> bytes);
  /// Adds the counts so far to the metrics. Called before a batch's output
  /// is flushed, so that whoever sees a reply also sees the counts.
  void publish_counts();
  /// Releases per-batch buffers (after the flush) and publishes the counts.
  void end_batch();

  media_tally& tally() { return tally_; }

 private:
  struct sender_ref {
    session_media* session = nullptr;
    media_member* member = nullptr;
    std::uint32_t id = 0;  // the full sender_id (0: the slot is free)
  };
  // The hot path finds a sender with one array index: the low 16 bits of a
  // sender_id are its slot here, the high 16 bits random (a stale or guessed
  // id does not match the slot's full id).
  sender_ref* find_sender(std::uint32_t sender_id) {
    const auto slot = sender_id & 0xffffu;
    if (slot >= slots_.size() || slots_[slot].id != sender_id || sender_id == 0) {
      return nullptr;
    }
    return &slots_[slot];
  }

  void on_probe(sender_ref sender, std::span<const std::uint8_t> inner, const udp_endpoint& from,
                std::uint64_t now_us);
  // Seals `inner` with `member`'s key and queues it to `to`.
  void send_sealed(media_member& member, const udp_endpoint& to,
                   std::span<const std::uint8_t> inner);
  void forward(sender_ref sender, const media::parsed_datagram& parsed,
               std::span<const std::uint8_t> datagram, std::uint64_t now_us);

  server_metrics& metrics_;
  media_output* out_ = nullptr;
  std::uint16_t udp_port_ = 0;
  std::vector<sender_ref> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t sender_count_ = 0;
  std::array<std::uint8_t, media::max_datagram_size> opened_{};  // the datagram being handled
  datagram_arena sealed_;  // what was sealed this batch, until end_batch
  media_tally tally_;
};

}  // namespace controlroom::server
