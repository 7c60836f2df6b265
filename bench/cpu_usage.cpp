#include "cpu_usage.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace controlroom::bench {
namespace {

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return -1;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are
  // counted from the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) {
    return -1;
  }
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  // After ')' come state (field 3) ... utime is field 14, stime field 15.
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) {
      utime = std::stoull(field);
    } else if (n == 15) {
      stime = std::stoull(field);
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void read_schedstat(pid_t pid, cpu_sample& s) {
  std::error_code ec;
  const auto dir = std::filesystem::path("/proc") / std::to_string(pid) / "task";
  for (const auto& task : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(task.path() / "schedstat");
    std::uint64_t on_cpu = 0, waiting = 0, slices = 0;
    if (in >> on_cpu >> waiting >> slices) {
      s.process_runqueue_wait_seconds += static_cast<double>(waiting) / 1e9;
      s.process_timeslices += slices;
    }
  }
}

void read_machine(cpu_sample& s) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  std::uint64_t v = 0;
  std::vector<std::uint64_t> ticks;
  while (ticks.size() < 8 && in >> v) {
    ticks.push_back(v);
  }
  // user nice system idle iowait irq softirq steal
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    s.machine_total_ticks += ticks[i];
    if (i != 3 && i != 4) {
      s.machine_busy_ticks += ticks[i];
    }
  }
}

void read_udp(cpu_sample& s) {
  std::ifstream in("/proc/net/snmp");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("Udp:", 0) != 0) {
      continue;
    }
    std::istringstream n(names), val(values);
    std::string name, value;
    while (n >> name && val >> value) {
      if (name == "RcvbufErrors") {
        s.udp_rcvbuf_errors = std::stoull(value);
      } else if (name == "SndbufErrors") {
        s.udp_sndbuf_errors = std::stoull(value);
      } else if (name == "InDatagrams") {
        s.udp_in_datagrams = std::stoull(value);
      }
    }
    return;
  }
}

}  // namespace

cpu_sample sample_cpu(pid_t pid) {
  cpu_sample s;
  if (pid > 0) {
    s.process_seconds = process_cpu_seconds(pid);
    read_schedstat(pid, s);
  }
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  s.self_seconds = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                   static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  read_machine(s);
  read_udp(s);
  return s;
}

cpu_delta operator-(const cpu_sample& after, const cpu_sample& before) {
  cpu_delta d;
  if (after.process_seconds >= 0 && before.process_seconds >= 0) {
    d.process_seconds = after.process_seconds - before.process_seconds;
  }
  d.self_seconds = after.self_seconds - before.self_seconds;
  d.process_runqueue_wait_seconds =
      after.process_runqueue_wait_seconds - before.process_runqueue_wait_seconds;
  d.process_timeslices = after.process_timeslices - before.process_timeslices;
  const auto total = after.machine_total_ticks - before.machine_total_ticks;
  d.machine_busy_seconds =
      static_cast<double>(after.machine_busy_ticks - before.machine_busy_ticks) /
      static_cast<double>(sysconf(_SC_CLK_TCK));
  if (total > 0) {
    d.machine_busy_fraction =
        static_cast<double>(after.machine_busy_ticks - before.machine_busy_ticks) /
        static_cast<double>(total);
  }
  d.udp_rcvbuf_errors = after.udp_rcvbuf_errors - before.udp_rcvbuf_errors;
  d.udp_sndbuf_errors = after.udp_sndbuf_errors - before.udp_sndbuf_errors;
  d.udp_in_datagrams = after.udp_in_datagrams - before.udp_in_datagrams;
  return d;
}

}  // namespace controlroom::bench
