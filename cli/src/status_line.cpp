#include "status_line.hpp"

#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace controlroom::cli {

status_line::status_line(bool enabled) : active_(enabled && isatty(STDERR_FILENO) == 1) {}

status_line::~status_line() {
  finish();
}

std::string dbfs(float peak) {
  if (peak <= 0) {
    return "-inf";
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", 20 * std::log10(peak));
  return buf;
}

void status_line::update(const controlroom::client& c, std::chrono::steady_clock::duration elapsed,
                         float peak, const std::string& activity) {
  if (!active_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(250)) {
    return;
  }
  last_ = now;
  // Latency heard: the network round trip's half plus what the jitter buffer
  // holds; loss: frames missing when due, and how many of those were healed.
  std::uint64_t received = 0, lost = 0, healed = 0;
  double buffer_ms = 0;
  for (const auto& s : c.audio_streams()) {
    const auto st = s.stats();
    received += st.received;
    lost += st.lost;
    healed += st.recovered_by_redundancy;
    buffer_ms = std::max(buffer_ms, st.depth_frames * s.info().frame_samples / 48.0);
  }
  const auto media = c.media_status();
  const double rtt_ms = media.rtt ? media.rtt->count() / 1000.0 : 0;
  const double loss = received + lost == 0 ? 0 : 100.0 * (lost - healed) / (received + lost);
  const double secs = std::chrono::duration<double>(elapsed).count();
  std::fprintf(stderr,
               "\r\033[K%s %5.1fs  level %6s dBFS  rtt %.1f ms  buffer %.0f ms  loss %.2f%% "
               "(%llu lost, %llu healed)  %s",
               activity.c_str(), secs, dbfs(peak).c_str(), rtt_ms, buffer_ms, loss,
               static_cast<unsigned long long>(lost), static_cast<unsigned long long>(healed),
               std::string(to_string(media.transport)).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void status_line::finish() {
  if (active_ && drawn_) {
    std::fputs("\n", stderr);
    drawn_ = false;
  }
}

}  // namespace controlroom::cli
