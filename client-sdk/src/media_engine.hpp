#pragma once

// The client's side of the media plane, on its network thread: opening media
// (OpenMedia, UDP probes, the switch to UDP, the WebSocket fallback),
// sealing and opening every UDP datagram (media_seal.hpp), keep-alive probes and pings feeding the
// clock estimate, publishers' datagrams out, received datagrams routed to their streams, and
// reopening all of it after the client resumed a dropped connection.
//
// Its members live in two files:
//   media_engine.cpp   lifecycle, transport negotiation, probes, clock, status
//   media_routing.cpp  streams and receivers, mixers, publishers' datagrams
//                      and their resends for the server's NACKs
//
// Threads: members marked "any thread" read a snapshot under mutex_; all
// others run on the network thread only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "audio_internal.hpp"
#include "connection.hpp"
#include "controlroom/audio.hpp"
#include "controlroom/media/clock_estimator.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/v1/control.pb.h"
#include "media_seal.hpp"
#include "udp_link.hpp"

namespace controlroom::detail {

class media_engine {
 public:
  /// What the engine needs of its client. Network thread.
  struct hooks {
    /// The host the control WebSocket connected to (MediaOpened.udp_host empty).
    std::function<std::string()> control_host;
    /// Calls the application's on_streams_changed; false when the client
    /// was destroyed by it (the engine then touches nothing more).
    std::function<bool(const std::vector<audio_stream_info>&)> streams_changed;
  };

  media_engine(connection& conn, std::chrono::milliseconds request_timeout, hooks h);
  ~media_engine();
  media_engine(const media_engine&) = delete;
  media_engine& operator=(const media_engine&) = delete;

  // ---- Any thread ----
  controlroom::media_status report() const;
  std::vector<audio_stream_info> streams() const;
  std::vector<std::shared_ptr<receiver_slot>> receivers() const;
  std::optional<std::int64_t> heard_position(stream_kind kind) const;
  /// The doorbell publishers ring; made with the engine.
  const std::shared_ptr<doorbell>& bell() const noexcept { return bell_; }
  /// The options of the last open() (output channels for mixers).
  media_options options() const;

  // ---- Network thread ----
  /// Opens media on the WebSocket `generation` (open_media()).
  void open(std::uint64_t generation, media_options options, std::function<void(status)> done);
  /// Announces `p`'s stream and, once the server agreed, sends its datagrams.
  void publish(std::shared_ptr<publisher_state> p, std::function<void(status)> done);
  /// Starts feeding `m` the streams of its kinds.
  void add_mixer(const std::shared_ptr<mixer_state>& m);
  /// A MediaStreams or MediaFrame event of `generation`. False: not media.
  bool on_event(std::uint64_t generation, const v1::ServerEnvelope& envelope);
  /// The control connection dropped (the client may resume).
  void on_connection_lost();
  /// The client resumed on `generation`: reopen media as it was.
  void on_resumed(std::uint64_t generation);
  /// Left the session or closed: media ends until the next open(). False
  /// when the client was destroyed by on_streams_changed (touch nothing).
  bool on_left();
  /// The client is being destroyed: end every pending operation.
  void shutdown();

 private:
  using done_fn = std::function<void(status)>;

  // media_engine.cpp
  void start(std::uint64_t attempt, done_fn done);
  void on_opened(std::uint64_t attempt, const v1::MediaOpened& opened, done_fn done);
  /// Takes the UDP key of `opened`; nullopt when it has a usable one, else why not.
  std::optional<std::string> take_key(const v1::MediaOpened& opened);
  void start_probing(std::uint64_t attempt);
  void probe_tick(std::uint64_t attempt);
  void on_probe_reply(const media::probe_reply& reply, std::uint64_t arrival_us);
  void switch_to_udp(std::uint64_t attempt);
  void fall_back(std::uint64_t attempt, const std::string& why);
  void settle(std::uint64_t attempt, media_transport transport, status outcome);
  void keepalive_tick(std::uint64_t attempt);
  void send_probe();
  void send_ping();
  void add_clock_sample(const media::clock_sample& sample);
  void stop_timers();
  void update_status(const std::function<void(controlroom::media_status&)>& change);

  // media_routing.cpp
  void on_datagram(std::span<const std::uint8_t> datagram, std::uint64_t arrival_us);
  void route(std::span<const std::uint8_t> datagram, std::uint64_t arrival_us);
  bool on_streams(const v1::MediaStreams& streams);
  bool set_streams(std::vector<audio_stream_info> streams);
  void publish_mixers();
  void drain_publishers();
  void send_datagram(publisher_state& p, const media::received_packet& packet);
  bool transmit(std::span<const std::uint8_t> datagram);
  void on_nack(std::span<const std::uint8_t> datagram);
  void republish();
  void send_publish(const publisher_state& p, reply_handler done);

  connection& conn_;
  const std::chrono::milliseconds request_timeout_;
  hooks hooks_;
  const std::shared_ptr<doorbell> bell_ = std::make_shared<doorbell>();
  /// Smallest recent RTT in µs (negative: unknown), read by every stream's stats().
  const std::shared_ptr<std::atomic<std::int64_t>> rtt_us_ =
      std::make_shared<std::atomic<std::int64_t>>(-1);

  mutable std::mutex mutex_;  // guards the snapshot below; never held while calling out
  controlroom::media_status status_;
  std::vector<audio_stream_info> streams_;
  std::vector<std::shared_ptr<receiver_slot>> receiver_list_;
  media_options options_;

  // Network thread only.
  bool wanted_ = false;  // open() succeeded: reopen after a resume
  bool open_ = false;    // MediaOpened received on generation_
  std::uint64_t generation_ = 0;
  std::uint64_t attempt_ = 0;  // bumped by every (re)open and on_left(): older completions stop
  media_transport transport_ = media_transport::automatic;
  std::uint32_t sender_id_ = 0;
  media::media_token token_{};
  int probes_left_ = 0;
  done_fn probing_done_;  // set while probing: the open waiting for the outcome
  media::clock_estimator clock_;
  std::unordered_map<std::uint64_t, std::shared_ptr<receiver_slot>> receivers_;
  std::vector<std::weak_ptr<mixer_state>> mixers_;
  std::vector<std::shared_ptr<publisher_state>> publishers_;
  std::vector<std::uint8_t> out_;  // one datagram being restamped or resent
  media_seal seal_;                // UDP only; WebSocket media travels as it is (TLS)
  std::unique_ptr<network_thread::timer> probe_timer_;
  std::unique_ptr<network_thread::timer> keepalive_timer_;
  std::unique_ptr<udp_link> udp_;
  std::unique_ptr<doorbell_watch> watch_;
};

}  // namespace controlroom::detail
