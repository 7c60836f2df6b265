#pragma once

// A real controlroomd (or any program) as a child process, for tests that
// must kill it the hard way or send it signals: spawned with arguments,
// stdout read line by line with a deadline, killed and reaped.

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace controlroom::testing {

class child_process {
 public:
  /// Starts `program` with `args`; stderr goes to `stderr_path` (empty: inherit).
  child_process(const std::string& program, const std::vector<std::string>& args,
                const std::string& stderr_path = {});
  ~child_process();  // SIGKILLs and reaps a child still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// The next stdout line containing `needle`; nullopt at EOF or deadline.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  void signal(int sig);
  /// Waits for the exit; the exit status (or 128 + signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  bool reaped_ = false;
};

}  // namespace controlroom::testing
