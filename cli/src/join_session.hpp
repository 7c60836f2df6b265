#pragma once

// The session side of `controlroom join`: the SDK client joined with media
// open, the publisher, the mixer or aligned program stream, and what
// happened, reported at the end. join_command.cpp owns the loop and files.

#include <controlroom/client.hpp>
#include <map>
#include <memory>
#include <mutex>
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

  /// Publishes `stream` ("" picks by role); for talkback, opens the channel.
  void start_publishing(const std::string& stream, bool latched);
  /// Selects `song` (adding it when missing) and plays or records from
  /// `start`; returns the timeline position of the first sample to send.
  std::int64_t start_transport(const std::string& mode, const std::string& song,
                               std::int64_t start);
  /// Sends one chunk of `channels`-channel PCM.
  void send(std::span<const float> pcm, int channels, std::int64_t position);
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
  bool transport_running_ = false;
  std::mutex mutex_;  // the report's lists, appended from submit_async completions
  boost::json::array markers_;
  boost::json::array takes_;
  boost::json::array events_;
};

/// The human form of finish()'s report, on stdout.
void print_join_report(const boost::json::object& report);

}  // namespace controlroom::cli
