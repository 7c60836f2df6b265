#pragma once

// The UDP media load: paced datagrams from every publisher, sent in sendmmsg
// batches; every receiver's socket drained with epoll + recvmmsg, counting
// sequence gaps and the relay-added latency (kernel arrival time, from
// SO_TIMESTAMPNS, minus the capture_time_us the sender stamped just before
// handing the batch to the kernel; one host, one clock).
//
// Threading: run_udp_step() blocks its caller. With threads = 2 it runs a
// sender thread and a receiver thread; with 1, one thread does both (less
// scheduling on a 2-core machine shared with the server). The control thread
// must leave the participants' media fields alone meanwhile.

#include <functional>
#include <vector>

#include "session_pool.hpp"

namespace controlroom::bench {

struct pump_config {
  stream_shape shape;
  double seconds = 10;
  double warmup = 1;   ///< latency is recorded only for datagrams sent after it
  double grace = 0.3;  ///< how long to keep receiving after the last send
  int threads = 2;
  int send_batch = 16;  ///< datagrams per sendmmsg (one timestamp per batch)
  int tick_us = 200;    ///< the sender wakes at most this often
  bool kernel_timestamps = true;
  /// Receivers poll every tick / 2 and sleep in between instead of blocking
  /// in epoll (then the server's sends never wake them): --receive-wait poll.
  bool receive_poll = false;
  double keepalive_seconds = 4;  ///< probes keep the server's UDP bindings (§7.1)
};

/// Sends the streams of `publishers` for cfg.seconds and counts what
/// `receivers` get. on_start/on_stop run on the sending thread just before
/// the first and just after the last send (the caller samples CPU there).
step_counts run_udp_step(const pump_config& cfg, const std::vector<media_participant*>& publishers,
                         const std::vector<media_participant*>& receivers,
                         const std::function<void()>& on_start,
                         const std::function<void()>& on_stop);

}  // namespace controlroom::bench
