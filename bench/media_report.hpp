#pragma once

// The media load generator's figures: one row per measured step, printed as
// a table and written as JSON.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cpu_usage.hpp"
#include "session_pool.hpp"

namespace controlroom::bench {

struct step_result {
  std::string scenario;
  std::size_t sessions = 0;
  int participants = 0;
  std::string transport;
  step_counts counts;
  cpu_delta cpu;
  std::uint64_t closed_connections = 0;  ///< control connections lost during the step

  std::uint64_t lost() const noexcept {
    return counts.expected > counts.received ? counts.expected - counts.received : 0;
  }
  double loss_fraction() const noexcept {
    return counts.expected == 0
               ? 0
               : static_cast<double>(lost()) / static_cast<double>(counts.expected);
  }
  double offered_pps() const noexcept {
    return static_cast<double>(counts.sent) / counts.send_seconds;
  }
  double forwarded_pps() const noexcept {
    return static_cast<double>(counts.received) / counts.send_seconds;
  }
  /// Server CPU per forwarded packet in µs; -1 without --server-pid.
  double server_us_per_packet() const noexcept {
    return cpu.process_seconds < 0 || counts.received == 0
               ? -1
               : cpu.process_seconds * 1e6 / static_cast<double>(counts.received);
  }
  /// CPU seconds the rest of the machine used meanwhile (other engineers'
  /// builds on a shared box): busy time minus the server's and ours.
  double other_cpu_seconds() const noexcept {
    return std::max(
        0.0, cpu.machine_busy_seconds - std::max(0.0, cpu.process_seconds) - cpu.self_seconds);
  }
  /// Zero loss: every datagram sent reached every receiver, none skipped a
  /// sequence number, and no control connection dropped.
  bool held(double tolerance) const noexcept {
    return counts.expected > 0 && loss_fraction() <= tolerance &&
           (tolerance > 0 || counts.gap_packets == 0) && closed_connections == 0 &&
           counts.send_errors == 0;
  }
};

void print_header(std::FILE* out);
void print_row(std::FILE* out, const step_result& r);

struct run_description {
  std::string command_line;
  std::string machine;
  stream_shape shape;
  int threads = 0;
  int send_batch = 0;
  int tick_us = 0;
  bool kernel_timestamps = true;
  bool shared_send_socket = true;
  bool shared_receive_socket = true;
};

/// Writes every step and the named summary rows (indices into `steps`,
/// -1 when absent) as one JSON object.
void write_json(const std::string& path, const run_description& run,
                const std::vector<step_result>& steps,
                const std::vector<std::pair<std::string, int>>& summary);

/// "model name" of the first CPU, the core count and the kernel.
std::string describe_machine();

}  // namespace controlroom::bench
