#pragma once

// A session while someone is in it: the authoritative state, the people
// present, and the pipeline that turns intents into durable, broadcast
// events.
//
//   submit -> decide (against the speculative state) -> group commit ->
//   apply to the committed state -> broadcast SessionEvent -> IntentAccepted
//
// Two states are kept: `speculative_` includes events on their way to the
// database, so that intents queued behind them are checked against what
// will be; `committed_` holds only what is durable, and is what joiners and
// snapshots see. Nothing reaches a client before it is committed.
//
// Threading: lives on its owner worker; every member function runs there.
// Completions from the database come back through `post_self`.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/session_media.hpp"
#include "recording/stream_recorder.hpp"
#include "session/reducer.hpp"
#include "session/room.hpp"
#include "store/event_repository.hpp"
#include "store/store_error.hpp"

namespace controlroom::server {

class db_pool;
class event_writer;
class media_switch;
class take_file_writer;
class take_recorder;
struct server_metrics;

class live_session {
 public:
  /// Runs a function on this session on its owner's thread later, if the
  /// session is still live then.
  using self_post = std::function<void(std::function<void(live_session&)>)>;

  struct dependencies {
    event_writer& writer;
    db_pool& db;
    server_metrics& metrics;
    std::uint64_t snapshot_every = 500;      // committed events between snapshots
    std::size_t recent_events = 2048;        // kept for resuming replicas
    take_file_writer* recordings = nullptr;  // nullptr: takes are not recorded
    std::string recordings_dir{};
    recorder_timing recording_timing{};
  };

  /// Someone waiting for the outcome of an intent.
  struct waiter {
    std::weak_ptr<peer> to;
    std::uint64_t request_id = 0;
  };

  /// `media`: the owner worker's media switch (nullptr: no media plane).
  live_session(session_record session, dependencies deps, self_post post,
               media_switch* media = nullptr);
  ~live_session();
  live_session(const live_session&) = delete;
  live_session& operator=(const live_session&) = delete;

  const std::string& id() const { return info_.id; }
  const v1::SessionState& committed() const { return committed_; }
  room& people() { return room_; }
  /// The media plane of this session; nullptr when the server has none.
  media_switch* media_plane() { return media_switch_; }
  session_media& media() { return media_; }
  /// Sends the MediaStreams event to every member of the media plane.
  void announce_streams();
  /// Appends the server's TakeFileRecorded event for a closed take file.
  void record_take_file(const std::string& take_id, const v1::TakeFile& file);

  /// Starts loading the state; `fn` runs once it is loaded, with nullptr if
  /// loading failed.
  void load();
  void when_ready(std::function<void(live_session*)> fn);
  void on_loaded(store_result<stored_session> loaded);

  /// Adds a participant; the Joined reply carries the catch-up.
  v1::Joined join(participant_entry entry, bool has_replica, std::uint64_t known_version);
  /// Removes a participant; stops a talkback they left running.
  void leave(const std::string& participant_id);

  void submit(const actor& who, const v1::SubmitIntent& request, waiter w,
              std::chrono::steady_clock::time_point received);

  /// True when nothing needs this session in memory any more.
  bool idle() const;

 private:
  struct in_flight {
    v1::Event event;
    std::vector<waiter> waiters;
    std::chrono::steady_clock::time_point received;
  };

  void append(v1::Event event, std::vector<waiter> waiters,
              std::chrono::steady_clock::time_point received);
  void on_committed(std::uint64_t version, std::uint64_t epoch, bool ok);
  void publish(const v1::Event& event);
  void begin_recovery();
  // Reads what landed after the committed version; retried a few times.
  void read_back(std::vector<in_flight> failed, int attempt);
  void on_recovered(store_result<std::vector<v1::Event>> events, std::vector<in_flight> failed,
                    int attempt);
  void rebuild_speculative();
  void maybe_snapshot();
  void accept(const waiter& w, const std::string& operation_id, std::uint64_t version);
  void reject(const waiter& w, v1::ErrorCode code, const std::string& message);

  const session_record info_;
  dependencies deps_;
  self_post post_;
  room room_;
  media_switch* media_switch_;
  session_media media_;
  std::unique_ptr<take_recorder> recorder_;  // with a media plane and a recordings writer

  static constexpr int max_recovery_attempts = 3;

  enum class phase { loading, ready, recovering, failed };
  phase phase_ = phase::loading;
  std::vector<std::function<void(live_session*)>> on_ready_;

  v1::SessionState committed_;
  v1::SessionState speculative_;
  std::unordered_map<std::string, std::uint64_t> committed_ops_;
  std::deque<in_flight> pending_;  // appended, not yet committed; version order
  std::deque<std::shared_ptr<const v1::Event>> recent_;  // committed, newest last
  std::uint64_t epoch_ = 1;
  std::uint64_t since_snapshot_ = 0;
};

}  // namespace controlroom::server
