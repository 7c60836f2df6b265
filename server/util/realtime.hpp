#pragma once

// Realtime scheduling for the threads that move audio. A network worker
// under SCHED_FIFO runs as soon as a datagram wakes it, ahead of every
// normally scheduled thread on the machine (the database, a compiler, a
// load generator), so the relay's latency tail stops depending on what
// else the host is doing. It costs CPU at low rates (a FIFO thread is
// never batched behind others) and needs the right to use it:
// CAP_SYS_NICE, or an RLIMIT_RTPRIO at least the priority asked for
// (systemd's LimitRTPRIO=, docker's --ulimit rtprio=N).
//
// The kernel still keeps 5 % of each period for normal threads
// (kernel.sched_rt_runtime_us), so a worker stuck in a loop cannot freeze
// the machine.

#include <string>
#include <thread>

namespace controlroom::server {

/// Puts `thread` under SCHED_FIFO at `priority` (1..99). Returns an empty
/// string on success, else why not, with what would allow it.
std::string make_realtime(std::thread& thread, int priority);

}  // namespace controlroom::server
