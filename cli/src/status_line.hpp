#pragma once

// The live status line of `join`: levels, latency and loss, redrawn in place
// on a terminal (stderr), and nothing at all when stderr is not one, so logs
// and pipes get no carriage-return noise.

#include <chrono>
#include <controlroom/client.hpp>
#include <string>

namespace controlroom::cli {

class status_line {
 public:
  /// Active only when stderr is a terminal and `enabled`.
  explicit status_line(bool enabled);
  ~status_line();

  /// Redraws at most every 250 ms. `peak` is the linear peak of the mix
  /// rendered since the last draw.
  void update(const controlroom::client& c, std::chrono::steady_clock::duration elapsed, float peak,
              const std::string& activity);
  /// Ends the line so that what follows starts on a fresh one.
  void finish();
  /// What to print before a message line so that it replaces the status
  /// line instead of mixing with it ("" when there is none).
  const char* clear() const { return active_ ? "\r\033[K" : ""; }

 private:
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

/// Decibels relative to full scale; -inf printed as "-inf".
std::string dbfs(float peak);

}  // namespace controlroom::cli
