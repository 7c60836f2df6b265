#pragma once

// The one thread that touches take files on disk. The session owners hand
// it page bytes; it creates "<name>.partial", appends, hashes (SHA-256) as it
// goes, and on close syncs, renames to the final name and reports size and
// hash. Network workers never wait on the disk: the queue is bounded, and
// when it is full the bytes are refused and the file ends incomplete.
//
// A file on disk is always a prefix of whole Ogg pages (each append is one
// or more whole pages), so a crash leaves a file valid up to its last page.
//
// Threading: open/append/close from any thread; `done` callbacks run on the
// writer thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace controlroom::server {

struct closed_file {
  bool ok = false;
  std::string path;  // final path when ok
  std::uint64_t size = 0;
  std::string sha256;  // hex
  std::string error;   // when !ok
};

class take_file_writer {
 public:
  using file_id = std::uint64_t;

  explicit take_file_writer(std::size_t queue_limit = 4096);
  ~take_file_writer();
  take_file_writer(const take_file_writer&) = delete;
  take_file_writer& operator=(const take_file_writer&) = delete;

  /// Starts a file at `final_path` + ".partial" (directories are created).
  file_id open(std::string final_path);
  /// Queues bytes; false (and the file is marked failed) when the queue is full.
  bool append(file_id id, std::vector<std::uint8_t> bytes);
  /// Syncs, renames to the final path and reports.
  void close(file_id id, std::function<void(closed_file)> done);
  /// Finishes queued work and joins the thread. Idempotent.
  void stop();

  std::size_t queue_depth() const;

 private:
  struct job {
    enum class kind { open, append, close } what;
    file_id id = 0;
    std::string path;
    std::vector<std::uint8_t> bytes;
    std::function<void(closed_file)> done;
  };
  struct file;

  void run();
  void handle(job& j);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  std::size_t queue_limit_;
  bool stopping_ = false;
  file_id next_id_ = 1;
  std::vector<file_id> refused_;  // appends dropped for lack of room (guarded by mutex_)
  std::unordered_map<file_id, std::unique_ptr<file>> files_;  // writer thread only
  std::thread thread_;
};

}  // namespace controlroom::server
