#pragma once

/// @file
/// Audio: sending PCM to the session and hearing what others send.
///
/// The media plane carries Opus at 48 kHz in datagrams (docs/media-plane.md),
/// over UDP when it gets through and inside the control WebSocket when it does
/// not (docs/protocol.md §7). The SDK owns the codec, the adaptive jitter
/// buffer, the clock estimate against the server and the heard position; the
/// application only moves float PCM in and out of its audio callbacks.
///
/// Threads
/// -------
/// - client::open_media() and client::publish() block (like join()); call
///   them from an application thread, never from an SDK callback.
/// - audio_publisher::send() runs on the application's capture thread (one
///   thread per publisher): it encodes there and hands the datagrams to the
///   network thread through a lock-free ring. It never blocks, allocates or
///   takes a lock.
/// - audio_stream::render() and audio_mixer::render() run on the application's
///   audio (playback) thread: they never block, allocate or take a lock.
///   Each received stream has exactly one consumer: render it through its
///   audio_stream or through one audio_mixer, not both.
/// - Everything else (stats, heard positions, status, stream lists) may be
///   called from any thread.
///
/// All audio is 48 kHz, interleaved float, nominal range [-1, 1].

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace controlroom {

/// The sample rate of every stream.
inline constexpr std::uint32_t audio_sample_rate = 48'000;

/// A timeline position meaning "not on the session timeline" (talkback, or
/// the program mix while the transport is stopped).
inline constexpr std::int64_t no_timeline_position = std::numeric_limits<std::int64_t>::min();

/// What a stream carries. The numbers are those on the wire.
enum class stream_kind {
  program = 0,   ///< the control-room mix (engineer), on the timeline
  talkback = 1,  ///< a participant's voice into the room, off the timeline
  cue = 2,       ///< the artist's headphone mix (engineer), on the timeline
};

/// How media travels between this client and the server.
enum class media_transport {
  automatic,  ///< UDP when a probe is answered, else the WebSocket (open_media() only)
  udp,        ///< datagrams to the server's UDP media port
  websocket,  ///< MediaFrame envelopes on the control WebSocket
};

/// "program", "talkback", "cue" / "automatic", "udp", "websocket".
std::string_view to_string(stream_kind k) noexcept;
std::string_view to_string(media_transport t) noexcept;

/// Every setting of a published stream's encoder, stated. Start from a preset.
struct encoder_options {
  /// What the encoder optimises for.
  enum class content {
    music,  ///< CELT only, 2.5 ms lookahead (Opus RESTRICTED_LOWDELAY)
    voice,  ///< SILK/hybrid for speech (Opus VOIP), 6.5 ms lookahead
  };

  int channels = 2;                   ///< 1 or 2
  std::uint32_t frame_samples = 480;  ///< 120, 240, 480 or 960 (2.5, 5, 10, 20 ms)
  int bitrate = 256'000;              ///< bit/s, 6'000 .. 510'000
  /// Repeat the previous frame in each datagram: every isolated loss is
  /// recovered bit-exactly, at twice the bitrate on the wire. Skipped for a
  /// datagram when the two packets exceed 1400 bytes (20 ms over ~270 kbit/s).
  bool redundancy = true;
  bool vbr = true;                ///< false: hard CBR (see docs/media-plane.md before using it)
  bool constrained_vbr = true;    ///< with vbr: bitrate within a frame's worth of the target
  int complexity = 10;            ///< 0 .. 10
  int expected_loss_percent = 0;  ///< 0 .. 100; the encoder leans less on prediction
  bool inband_fec = false;        ///< SILK's in-band FEC; voice at low bitrates only
  content what = content::music;
  /// How much of the sent stream the network thread keeps to answer the
  /// server's requests to resend (NACKs) while it records a take: a frame
  /// lost on the way in and asked for within this span is resent, and the
  /// take's file has it bit-exact. Live listeners never get resends. The
  /// server asks within 2 s; 0 keeps nothing (losses the redundancy does not
  /// cover stay gaps in the file). 0 .. 10 s; allocated by publish(), about
  /// 1.4 kB per frame (2 s of 10 ms frames: 256 slots, 360 kB).
  std::chrono::milliseconds resend_history{2000};

  /// The program mix: stereo, 10 ms, 256 kbit/s constrained VBR, CELT,
  /// redundancy on.
  static encoder_options music() noexcept { return {}; }
  /// Talkback: mono, 10 ms, 48 kbit/s, voice with in-band FEC at 10 %
  /// expected loss, redundancy on.
  static encoder_options talkback() noexcept;
};

/// What client::open_media() sets up.
struct media_options {
  /// Kinds to receive; those the participant's roles do not hear are never
  /// delivered (docs/protocol.md §7.3).
  std::vector<stream_kind> subscribe = {stream_kind::program, stream_kind::talkback,
                                        stream_kind::cue};
  /// automatic: probe the UDP media port and use UDP when a probe is
  /// answered, else stay on the WebSocket. udp: the same, but open_media()
  /// fails (errc::connection_failed) when no probe is answered, leaving media
  /// on the WebSocket. websocket: never use UDP.
  media_transport transport = media_transport::automatic;
  /// "host:port" to send UDP to instead of the address the server announces:
  /// deployments behind port mapping, and tests that put a proxy in the path.
  /// Empty: the server's udp_host (or the WebSocket's host) and udp_port.
  std::string udp_endpoint;
  int probe_count = 5;                            ///< probes before giving up on UDP
  std::chrono::milliseconds probe_interval{200};  ///< between two of them
  std::chrono::milliseconds keepalive_interval{
      5000};                ///< probes (UDP) and pings, for NAT and clock
  int output_channels = 2;  ///< of every audio_stream and audio_mixer: 1 or 2
  /// Jitter buffer: the playout delay before enough arrivals have been
  /// measured, and its bound. In between it adapts to the measured jitter.
  std::chrono::milliseconds initial_delay{20};
  std::chrono::milliseconds max_delay{400};
};

/// The media plane as this client sees it. Plain value.
struct media_status {
  bool open = false;  ///< open_media() succeeded and the connection is up
  /// udp or websocket while open; automatic when not open.
  media_transport transport = media_transport::automatic;
  std::uint32_t sender_id = 0;  ///< the id stamped on what this client sends
  /// Smallest recent round trip to the server (UDP probes, control pings).
  std::optional<std::chrono::microseconds> rtt;
  /// server clock - client clock (std::chrono::steady_clock), µs, and a bound
  /// on its error (path asymmetry aside).
  std::optional<std::int64_t> clock_offset_us;
  std::optional<std::int64_t> clock_uncertainty_us;
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_answered = 0;
  std::uint64_t datagrams_received = 0;  ///< media datagrams, both transports
  std::uint64_t datagrams_unrouted = 0;  ///< of no stream this client knows (dropped)
  /// UDP datagrams dropped unopened: not sealed, sealed for someone else or
  /// in the wrong direction, or failing authentication (tampered, another key).
  std::uint64_t datagrams_unauthenticated = 0;
  /// UDP datagrams dropped as replays: a counter already accepted, or too
  /// far behind the newest (docs/sdk-audio.md, "Encryption").
  std::uint64_t datagrams_replayed = 0;
};

/// A stream someone in the session publishes (MediaStreams).
struct audio_stream_info {
  std::string participant_id;  ///< the publisher's connection id
  std::string user_id;         ///< the publisher
  std::uint32_t sender_id = 0;
  stream_kind kind = stream_kind::program;
  int channels = 2;
  std::uint32_t frame_samples = 480;

  friend bool operator==(const audio_stream_info&, const audio_stream_info&) = default;
};

/// Receive statistics of one stream; see docs/media-plane.md "Statistics".
struct audio_stream_stats {
  std::uint64_t received = 0;                 ///< packets accepted for playout
  std::uint64_t lost = 0;                     ///< frames whose packet was missing when due
  std::uint64_t recovered_by_redundancy = 0;  ///< of those, played from the next packet's copy
  std::uint64_t concealed = 0;  ///< frames synthesised (unrecovered losses, underruns)
  std::uint64_t late = 0;       ///< packets after their frame was played
  std::uint64_t duplicates = 0;
  std::uint64_t underruns = 0;        ///< pulls that concealed while waiting
  std::uint64_t dropped = 0;          ///< frames skipped to cut latency or on overflow
  std::uint64_t resyncs = 0;          ///< sender restarts followed
  std::uint64_t malformed = 0;        ///< datagrams that failed parsing
  std::uint64_t queue_overflows = 0;  ///< datagrams dropped: render() was not called
  std::uint64_t decode_errors = 0;
  std::uint32_t depth_frames = 0;   ///< frames buffered at the last render
  std::uint32_t target_frames = 0;  ///< the adaptive target depth
  double jitter_ms = 0;             ///< RFC 3550 interarrival jitter
  double peak_delay_ms = 0;         ///< held peak lateness behind the target
  /// The round trip to the server (media_status::rtt), when known.
  std::optional<std::chrono::microseconds> rtt;
};

/// What one publisher has sent.
struct audio_publisher_stats {
  std::uint64_t frames = 0;              ///< encoded frames handed to the network
  std::uint64_t queue_overflows = 0;     ///< datagrams dropped: the network thread fell behind
  std::uint64_t redundancy_skipped = 0;  ///< datagrams sent without their copy (budget)
  std::uint64_t encode_errors = 0;
  std::uint64_t sent_udp = 0;        ///< datagrams sent over UDP
  std::uint64_t sent_websocket = 0;  ///< datagrams sent as MediaFrame
  std::uint64_t not_sent = 0;        ///< dropped while media was not open (reconnecting)
  /// Healing the take recording (docs/media-plane.md, "Healing"): NACKs the
  /// server sent for this stream, datagrams resent for them (flagged
  /// `retransmission`), and sequences asked for that were no longer (or
  /// never) in the history (encoder_options::resend_history).
  std::uint64_t nacks_received = 0;
  std::uint64_t packets_resent = 0;
  std::uint64_t resend_misses = 0;
};

namespace detail {
struct publisher_state;
struct receiver_slot;
struct mixer_state;
struct audio_access;  // how the SDK makes handles
}  // namespace detail

/// Sends one stream (client::publish()). Move-only; destroying it (or
/// close()) unpublishes the stream. It may outlive the client: it then
/// sends nothing.
class audio_publisher {
 public:
  audio_publisher() = default;  ///< publishes nothing; send() does nothing
  ~audio_publisher();
  audio_publisher(audio_publisher&&) noexcept;
  audio_publisher& operator=(audio_publisher&&) noexcept;
  audio_publisher(const audio_publisher&) = delete;
  audio_publisher& operator=(const audio_publisher&) = delete;

  /// Capture thread. Appends `interleaved` PCM (channels values per sample,
  /// any count) and sends every frame it completes. `timeline_position` is
  /// the session timeline position of its first sample, or
  /// no_timeline_position; a position that does not continue the previous
  /// call (a locate, the transport starting or stopping) starts a new frame
  /// flagged as a discontinuity. The capture time stamped on the audio is
  /// std::chrono::steady_clock at the call. Never blocks or allocates; while
  /// the client is reconnecting the audio is dropped (counted).
  /// Precondition: interleaved.size() is a multiple of the channel count.
  void send(std::span<const float> interleaved,
            std::int64_t timeline_position = no_timeline_position) noexcept;

  /// Capture thread. Flags the next frame as a discontinuity (talkback
  /// pressed again): receivers restart their timing instead of concealing.
  void mark_discontinuity() noexcept;

  /// Any thread.
  audio_publisher_stats stats() const noexcept;
  stream_kind kind() const noexcept;
  explicit operator bool() const noexcept { return state_ != nullptr; }

  /// Any thread but the capture thread while it is in send(). Unpublishes
  /// (without waiting for the server); later send() calls do nothing.
  void close() noexcept;

 private:
  friend struct detail::audio_access;
  explicit audio_publisher(std::shared_ptr<detail::publisher_state> s) noexcept;
  std::shared_ptr<detail::publisher_state> state_;
};

/// One received stream: a jitter buffer and a decoder, fed by the network
/// thread, pulled by the application's audio thread. A handle: copies share
/// the stream. The stream keeps existing (rendering silence) after its
/// publisher left, for as long as a handle holds it.
class audio_stream {
 public:
  audio_stream() = default;  ///< no stream: render() writes silence

  /// Any thread.
  const audio_stream_info& info() const noexcept;

  /// Audio thread (the stream's single consumer). Fills `out`
  /// (media_options::output_channels interleaved values per sample) with
  /// decoded, concealed or silent audio. Never blocks or allocates.
  void render(std::span<float> out) noexcept;

  /// Audio thread. The device's output latency (buffering + converters), in
  /// samples at 48 kHz, so that heard_position() names what is audible.
  void set_output_latency(std::uint32_t samples) noexcept;

  /// Any thread.
  audio_stream_stats stats() const noexcept;

  /// Any thread. The timeline position audible now (the last render, the
  /// output latency and the time since); nullopt while silence or untimed
  /// audio (talkback) plays.
  std::optional<std::int64_t> heard_position() const noexcept;

  /// Audio thread, after render(): the timeline position of the first
  /// sample the last render() wrote (exact: no extrapolation, no output
  /// latency). For applications that store or align what they received
  /// sample by sample; nullopt as heard_position().
  std::optional<std::int64_t> rendered_position() const noexcept;

  explicit operator bool() const noexcept { return slot_ != nullptr; }

 private:
  friend struct detail::audio_access;
  explicit audio_stream(std::shared_ptr<detail::receiver_slot> s) noexcept;
  std::shared_ptr<detail::receiver_slot> slot_;
};

/// Renders the sum of every received stream of some kinds (client::mixer()),
/// following streams as they come and go. Move-only.
class audio_mixer {
 public:
  audio_mixer() = default;  ///< mixes nothing: render() writes silence
  ~audio_mixer();
  audio_mixer(audio_mixer&&) noexcept;
  audio_mixer& operator=(audio_mixer&&) noexcept;
  audio_mixer(const audio_mixer&) = delete;
  audio_mixer& operator=(const audio_mixer&) = delete;

  /// Audio thread. Fills `out` with the sum of the streams (output_channels
  /// interleaved values per sample). Never blocks or allocates; any size
  /// (done in pieces of up to 20 ms internally).
  void render(std::span<float> out) noexcept;

  /// Audio thread. As audio_stream::set_output_latency(), for every stream.
  void set_output_latency(std::uint32_t samples) noexcept;

  /// Any thread. The heard position of the first stream mixed (program
  /// before cue) that has one.
  std::optional<std::int64_t> heard_position() const noexcept;

 private:
  friend struct detail::audio_access;
  explicit audio_mixer(std::shared_ptr<detail::mixer_state> s) noexcept;
  std::shared_ptr<detail::mixer_state> state_;
};

}  // namespace controlroom
