#pragma once

// The session side of `controlroom join`: the SDK client joined with media
// open, the publisher, the mixer or aligned program stream, and what
// happened, reported at the end. join_command.cpp owns the loop and files.

#include <atomic>
#include <condition_variable>
#include <controlroom/client.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "connection.hpp"

namespace controlroom::cli {

class sound_file;

class join_session {
 public:
  /// Connects, joins `session` with `roles` (names; empty: all) and opens
  /// media subscribed to `hear`; with `align`, the program stream is rendered
  /// on its own (render()). Throws cli_error.
  join_session(const connection_options& conn, const std::string& session,
               const std::vector<std::string>& roles, const std::vector<std::string>& hear,
               bool align);
  ~join_session();

  controlroom::client& client() { return *client_; }

  /// Publishes `stream` ("" picks by role); for talkback, opens the channel
  /// when `open_talkback` (a file: it talks while it plays).
  void start_publishing(const std::string& stream, bool latched, bool open_talkback = true);
  /// Whether what is published is talkback (gated by set_talkback()).
  bool publishes_talkback() const;
  /// Opens (latched or momentary) or closes the talkback channel; while it
  /// is closed, send() and capture() send no talkback. Throws cli_error.
  void set_talkback(bool open, bool latched);
  bool talkback_open() const { return talkback_open_; }
  /// Rates the newest take (the one recording, else the last recorded);
  /// returns what was done, for the person. Throws cli_error.
  std::string rate_current_take(int stars);
  /// Reserves room for capture() chunks of up to `frames` frames, so that
  /// the audio thread never allocates.
  void prepare_capture(std::size_t frames);
  /// Selects `song` (adding it when missing) and plays or records from
  /// `start`; returns the timeline position of the first sample to send.
  std::int64_t start_transport(const std::string& mode, const std::string& song,
                               std::int64_t start);
  /// Sends one chunk of `channels`-channel PCM (main thread: files).
  void send(std::span<const float> pcm, int channels, std::int64_t position);
  /// Capture-device thread: sends one buffer at the capture position, which
  /// start_transport() set and each buffer advances. Never blocks.
  void capture(std::span<const float> pcm, int channels) noexcept;
  /// Where the next captured sample lies on the timeline (any thread).
  std::int64_t capture_position() const { return capture_position_.load(); }
  /// Playback-device thread: renders what is heard into `out`, telling the
  /// SDK the device's latency so that heard positions name what is audible.
  void render_device(std::span<float> out, std::uint32_t latency_frames) noexcept;
  /// The timeline position heard now, if any (any thread).
  std::optional<std::int64_t> heard_position() const;
  /// Adds a line to the report's events.
  void note(const std::string& event);
  /// The input ran out at `position`: stops the transport it started and a
  /// momentary talkback.
  void input_ended(std::int64_t position);
  /// Renders 10 ms of what is heard into `mix` and appends it to `out`
  /// (aligned to the timeline with `align`).
  void render(std::span<float> mix, sound_file* out, bool align);
  /// Remembers the streams heard so far (their statistics go in the report).
  void track_streams();
  /// Places a marker at the heard position (asynchronously).
  void place_marker(const std::string& label);
  /// Stops publishing, leaves, and reports what happened.
  boost::json::object finish(std::int64_t recorded_frames, const std::string& out_path);

 private:
  void submit(const controlroom::intent& change, const std::string& what);
  void write_aligned(std::span<const float> mix, sound_file& out);

  std::unique_ptr<controlroom::client> client_;
  std::string session_;
  std::vector<controlroom::role> acting_;
  controlroom::audio_mixer mixer_;
  controlroom::audio_stream program_;
  controlroom::audio_publisher publisher_;
  std::vector<float> converted_;
  std::vector<float> others_;
  // Every stream heard, kept so that its statistics outlive its publisher.
  std::map<std::uint32_t, controlroom::audio_stream> heard_;
  bool talkback_open_ = false;
  bool latched_ = false;
  // Read on the capture thread: whether talkback may be sent now, and
  // whether the next frame starts again after a pause.
  std::atomic<bool> talking_{true};
  bool resumed_ = false;
  std::atomic<std::int64_t> capture_position_{no_timeline_position};
  std::uint32_t device_latency_ = 0;  // the playback thread's last value
  bool transport_running_ = false;
  std::mutex mutex_;  // the report's lists, appended from submit_async completions
  std::condition_variable settled_;
  int pending_ = 0;  // markers submitted and not yet answered: finish() waits for them
  boost::json::array markers_;
  boost::json::array takes_;
  boost::json::array events_;
};

/// The human form of finish()'s report, on stdout.
void print_join_report(const boost::json::object& report);

}  // namespace controlroom::cli
