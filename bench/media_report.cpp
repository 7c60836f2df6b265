#include "media_report.hpp"

#include <fstream>
#include <sstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace controlroom::bench {
namespace {

double micros(std::uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void write_step(std::ostream& out, const step_result& r) {
  const auto& c = r.counts;
  out << "{\"scenario\":" << json_string(r.scenario) << ",\"sessions\":" << r.sessions
      << ",\"participants\":" << r.participants << ",\"transport\":" << json_string(r.transport)
      << ",\"seconds\":" << c.send_seconds << ",\"sent\":" << c.sent
      << ",\"send_errors\":" << c.send_errors << ",\"expected\":" << c.expected
      << ",\"received\":" << c.received << ",\"lost\":" << r.lost()
      << ",\"loss_percent\":" << r.loss_fraction() * 100 << ",\"gap_events\":" << c.gap_events
      << ",\"gap_packets\":" << c.gap_packets << ",\"late\":" << c.late
      << ",\"dropped_at_generator_sockets\":" << c.socket_drops
      << ",\"udp_rcvbuf_errors_machine\":" << r.cpu.udp_rcvbuf_errors
      << ",\"udp_sndbuf_errors_machine\":" << r.cpu.udp_sndbuf_errors
      << ",\"other_datagrams\":" << c.other
      << ",\"unauthenticated_datagrams\":" << c.unauthenticated
      << ",\"closed_connections\":" << r.closed_connections
      << ",\"offered_pps\":" << r.offered_pps() << ",\"forwarded_pps\":" << r.forwarded_pps()
      << ",\"latency_us\":{\"samples\":" << c.latency.count()
      << ",\"p50\":" << micros(c.latency.quantile_ns(0.5))
      << ",\"p99\":" << micros(c.latency.quantile_ns(0.99))
      << ",\"p999\":" << micros(c.latency.quantile_ns(0.999))
      << ",\"max\":" << micros(c.latency.max_ns()) << "}"
      << ",\"server_cpu_seconds\":" << r.cpu.process_seconds
      << ",\"server_cpu_us_per_forwarded_packet\":" << r.server_us_per_packet()
      << ",\"server_runqueue_wait_seconds\":" << r.cpu.process_runqueue_wait_seconds
      << ",\"server_timeslices\":" << r.cpu.process_timeslices
      << ",\"server_packets_received_per_timeslice\":"
      << (r.cpu.process_timeslices == 0
              ? 0.0
              : static_cast<double>(r.counts.sent) / static_cast<double>(r.cpu.process_timeslices))
      << ",\"generator_cpu_seconds\":" << r.cpu.self_seconds
      << ",\"machine_busy_percent\":" << r.cpu.machine_busy_fraction * 100
      << ",\"other_processes_cpu_seconds\":" << r.other_cpu_seconds()
      << ",\"sends_over_1ms_late\":" << c.late_slots
      << ",\"max_send_lag_us\":" << micros(static_cast<std::uint64_t>(c.max_lag_ns)) << "}";
}

}  // namespace

void print_header(std::FILE* out) {
  std::fprintf(out, "%-18s %6s %3s %10s %10s %9s %8s %8s %8s %8s %9s %6s %6s %6s %8s\n", "scenario",
               "sess", "par", "offered/s", "fwd/s", "lost", "loss%", "p50 us", "p99 us", "p99.9 us",
               "srv us/pk", "srv%", "gen%", "other%", "srvwait%");
}

void print_row(std::FILE* out, const step_result& r) {
  const auto& l = r.counts.latency;
  const double wall = r.counts.send_seconds;
  std::fprintf(out,
               "%-18s %6zu %3d %10.0f %10.0f %9llu %8.4f %8.1f %8.1f %8.1f %9.2f %6.1f %6.1f "
               "%6.1f %8.1f%s\n",
               r.scenario.c_str(), r.sessions, r.participants, r.offered_pps(), r.forwarded_pps(),
               static_cast<unsigned long long>(r.lost()), r.loss_fraction() * 100,
               micros(l.quantile_ns(0.5)), micros(l.quantile_ns(0.99)),
               micros(l.quantile_ns(0.999)), r.server_us_per_packet(),
               r.cpu.process_seconds < 0 ? -1 : r.cpu.process_seconds / wall * 100,
               r.cpu.self_seconds / wall * 100, r.other_cpu_seconds() / wall * 100,
               r.cpu.process_runqueue_wait_seconds / wall * 100,
               r.closed_connections != 0 ? "  (control connections lost)" : "");
  std::fflush(out);
}

void write_json(const std::string& path, const run_description& run,
                const std::vector<step_result>& steps,
                const std::vector<std::pair<std::string, int>>& summary) {
  std::ofstream out(path);
  out << "{\"command\":" << json_string(run.command_line)
      << ",\"machine\":" << json_string(run.machine)
      << ",\"stream\":{\"frame_samples\":" << run.shape.frame_samples
      << ",\"channels\":" << static_cast<int>(run.shape.channels)
      << ",\"opus_bytes\":" << run.shape.opus_bytes
      << ",\"redundancy\":" << (run.shape.redundancy ? "true" : "false")
      << ",\"datagram_bytes\":" << run.shape.datagram_bytes()
      << ",\"packets_per_second_per_stream\":" << run.shape.packets_per_second() << "}"
      << ",\"generator\":{\"threads\":" << run.threads << ",\"send_batch\":" << run.send_batch
      << ",\"tick_us\":" << run.tick_us
      << ",\"kernel_timestamps\":" << (run.kernel_timestamps ? "true" : "false")
      << ",\"shared_send_socket\":" << (run.shared_send_socket ? "true" : "false")
      << ",\"shared_receive_socket\":" << (run.shared_receive_socket ? "true" : "false") << "}";
  out << ",\"summary\":{";
  bool first = true;
  for (const auto& [name, index] : summary) {
    out << (first ? "" : ",") << json_string(name) << ":";
    first = false;
    if (index < 0) {
      out << "null";
    } else {
      write_step(out, steps[static_cast<std::size_t>(index)]);
    }
  }
  out << "},\"steps\":[";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    out << (i == 0 ? "" : ",");
    write_step(out, steps[i]);
  }
  out << "]}\n";
}

std::string describe_machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  std::ostringstream s;
  s << sysconf(_SC_NPROCESSORS_ONLN) << " x " << model << ", Linux " << u.release;
  return s.str();
}

}  // namespace controlroom::bench
