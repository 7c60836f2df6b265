#pragma once

// CPU and kernel counters sampled around a measurement: the server's CPU
// (utime + stime of /proc/<pid>/stat), the load generator's own, the whole
// machine's (/proc/stat), and the kernel's UDP drop counters
// (/proc/net/snmp), which show datagrams dropped at a full socket buffer
// whoever owned it.

#include <cstdint>
#include <sys/types.h>

namespace controlroom::bench {

struct cpu_sample {
  double process_seconds = -1;  ///< utime + stime of the watched process; -1: unknown
  double self_seconds = 0;      ///< this process, all threads (getrusage)
  /// The watched process's threads, summed from /proc/<pid>/task/*/schedstat:
  /// time spent runnable but waiting for a CPU, and timeslices run (each
  /// wake-up of an event loop is at least one).
  double process_runqueue_wait_seconds = 0;
  std::uint64_t process_timeslices = 0;
  std::uint64_t machine_busy_ticks = 0;
  std::uint64_t machine_total_ticks = 0;
  std::uint64_t udp_rcvbuf_errors = 0;
  std::uint64_t udp_sndbuf_errors = 0;
  std::uint64_t udp_in_datagrams = 0;
};

/// Samples everything now. `pid` <= 0 leaves process_seconds at -1.
cpu_sample sample_cpu(pid_t pid);

struct cpu_delta {
  double process_seconds = -1;  ///< -1 when the process could not be read
  double self_seconds = 0;
  double process_runqueue_wait_seconds = 0;
  std::uint64_t process_timeslices = 0;
  double machine_busy_fraction = 0;  ///< 0..1 of all cores
  double machine_busy_seconds = 0;   ///< CPU time of everything, all cores summed
  std::uint64_t udp_rcvbuf_errors = 0;
  std::uint64_t udp_sndbuf_errors = 0;
  std::uint64_t udp_in_datagrams = 0;
};

cpu_delta operator-(const cpu_sample& after, const cpu_sample& before);

}  // namespace controlroom::bench
