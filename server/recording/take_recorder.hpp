#pragma once

// Records a session's takes: while the transport records, every published
// program and cue stream gets its own Ogg Opus file (stream_recorder), whose
// pages go to the disk thread (take_file_writer) and whose row in take_files
// is written when the take starts and when it ends. Missing frames are asked
// for again with NACKs through the media switch. Talkback is never recorded:
// it is conversation, and the private line must stay private.
//
// Threading: owned by its live_session; every call on the session's owner
// worker thread. The disk thread and the database pool report back only
// to the database (nothing comes back here).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/session_media.hpp"
#include "recording/stream_recorder.hpp"
#include "recording/take_file_writer.hpp"
#include "store/take_file_repository.hpp"

namespace controlroom::server {

class db_pool;
class media_switch;
struct server_metrics;

struct recording_dependencies {
  take_file_writer& files;
  db_pool& db;
  server_metrics& metrics;
  std::string directory;  // files go to <directory>/<session id>/
  recorder_timing timing;
};

class take_recorder final : public media_tap {
 public:
  /// Told (on the owner thread) when a file closes, to put it in the state.
  using file_recorded = std::function<void(const std::string& take_id, const v1::TakeFile& file)>;

  take_recorder(recording_dependencies deps, std::string session_id, media_switch& media,
                file_recorded on_file);
  /// Stops reporting closed files (the session is going away).
  void detach() { on_file_ = nullptr; }
  ~take_recorder() override;  // ends running files as incomplete
  take_recorder(const take_recorder&) = delete;
  take_recorder& operator=(const take_recorder&) = delete;

  /// After every committed event: starts or ends the take the transport
  /// is recording.
  void on_state(const v1::SessionState& state, session_media& media);
  /// After the set of published streams changed: files for streams that
  /// appeared during a take start, those whose stream went away end.
  void on_streams(session_media& media);

  void on_packet(media_member& sender, const media::media_header& header,
                 std::span<const std::uint8_t> payload, std::uint64_t now_us) override;

  std::size_t recording_streams() const { return files_.size(); }

 private:
  struct file;
  using key = std::pair<std::uint32_t, int>;  // sender_id, stream kind

  void start_file(media_member& member, stream_kind kind);
  void end_file(std::unique_ptr<file> f, bool complete);
  void end_all(bool complete);
  void ship(file& f);

  recording_dependencies deps_;
  std::string session_id_;
  media_switch& media_;
  file_recorded on_file_;
  std::string take_id_;  // empty: not recording
  std::string song_id_;
  std::optional<std::int64_t> start_position_;
  std::map<key, std::unique_ptr<file>> files_;
};

}  // namespace controlroom::server
