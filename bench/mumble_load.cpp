// mumble_load: the same voice load as media_load, on Mumble's server
// (murmurd 1.3.x), over its UDP voice path (OCB2-AES128) or its TLS/TCP
// tunnel; docs/benchmarks.md ("Side by side with Mumble").
//
//   mumble_load --port 64738 --superuser-password PW [--server-pid PID]
//               [--transport udp|tcp] [--participants 5] [--rooms 10,20,40]
//               [--frame-ms 5] [--opus-bytes 322] [--seconds 10] [--json out.json]
//   mumble_load --self-test          (OCB2 known-answer tests, then exit)
//
// Rooms of `participants` users (one Mumble channel each, one speaker, the
// rest listening), grown step by step through the --rooms list, one measured
// step per entry. The table and JSON are media_load's (media_report.hpp), so
// the two servers' rows line up.

#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>

#include "cpu_usage.hpp"
#include "media_report.hpp"
#include "mumble/fleet.hpp"
#include "mumble/ocb2.hpp"
#include "mumble/self_test.hpp"

using namespace controlroom::bench;

namespace {

struct options {
  mumble::fleet_config fleet;
  mumble::step_config step;
  pid_t server_pid = 0;
  std::vector<std::size_t> rooms = {10};
  double frame_ms = 5;
  std::string json;
  bool self_test = false;
};

const char* usage =
    "mumble_load --superuser-password PW [--host 127.0.0.1] [--port 64738] [--server-pid PID]\n"
    "  [--transport udp|tcp] [--participants 5] [--rooms 10,20,40] [--frame-ms 5]\n"
    "  [--opus-bytes 322] [--seconds 10] [--warmup 1] [--grace 0.3] [--tick-us 200]\n"
    "  [--receive-wait block|poll]"
    "  [--verify-every 32] [--json FILE]\n"
    "mumble_load --self-test\n";

std::vector<std::size_t> parse_list(const std::string& v) {
  std::vector<std::size_t> out;
  std::stringstream in(v);
  for (std::string item; std::getline(in, item, ',');) {
    out.push_back(std::stoul(item));
  }
  if (out.empty()) {
    throw std::invalid_argument("--rooms is a comma-separated list");
  }
  return out;
}

options parse(int argc, char** argv) {
  options o;
  std::string transport = "udp";
  std::map<std::string, std::function<void(const std::string&)>> set = {
      {"--host", [&](auto& v) { o.fleet.host = v; }},
      {"--port", [&](auto& v) { o.fleet.port = static_cast<std::uint16_t>(std::stoi(v)); }},
      {"--superuser-password", [&](auto& v) { o.fleet.superuser_password = v; }},
      {"--server-pid", [&](auto& v) { o.server_pid = std::stoi(v); }},
      {"--transport", [&](auto& v) { transport = v; }},
      {"--participants", [&](auto& v) { o.fleet.participants = std::stoi(v); }},
      {"--rooms", [&](auto& v) { o.rooms = parse_list(v); }},
      {"--frame-ms", [&](auto& v) { o.frame_ms = std::stod(v); }},
      {"--opus-bytes", [&](auto& v) { o.fleet.opus_bytes = std::stoul(v); }},
      {"--seconds", [&](auto& v) { o.step.seconds = std::stod(v); }},
      {"--warmup", [&](auto& v) { o.step.warmup = std::stod(v); }},
      {"--grace", [&](auto& v) { o.step.grace = std::stod(v); }},
      {"--tick-us", [&](auto& v) { o.step.tick_us = std::stoi(v); }},
      {"--receive-wait",
       [&](auto& v) {
         if (v != "block" && v != "poll") {
           throw std::invalid_argument("--receive-wait is block or poll");
         }
         o.step.receive_block = v == "block";
       }},
      {"--verify-every", [&](auto& v) { o.fleet.verify_every = std::stoi(v); }},
      {"--json", [&](auto& v) { o.json = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--self-test") {
      o.self_test = true;
      continue;
    }
    const auto it = set.find(key);
    if (it == set.end() || i + 1 >= argc) {
      throw std::invalid_argument(key == "--help" ? "" : "unknown or incomplete option " + key);
    }
    it->second(argv[++i]);
  }
  if (o.self_test) {
    return o;
  }
  if (o.fleet.superuser_password.empty()) {
    throw std::invalid_argument(
        "--superuser-password is required (channels are created as SuperUser)");
  }
  if (transport != "udp" && transport != "tcp") {
    throw std::invalid_argument("--transport is udp or tcp");
  }
  o.fleet.udp = transport == "udp";
  if (o.fleet.participants < 2) {
    throw std::invalid_argument("--participants must be at least 2");
  }
  if (o.fleet.opus_bytes < 16 || o.fleet.opus_bytes > 900) {
    throw std::invalid_argument(
        "--opus-bytes is 16..900 (Mumble reads datagrams of up to 1024 bytes)");
  }
  o.fleet.frame_us = static_cast<int>(std::lround(o.frame_ms * 1000));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << (std::string(e.what()).empty() ? ""
                                                : std::string("mumble_load: ") + e.what() + "\n")
              << usage;
    return 2;
  }
  if (o.self_test) {
    const int failures = mumble::self_test() + mumble::codec_self_test();
    std::printf("OCB2-AES128, wire and crypt_state self-test: %s\n",
                failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
  }
  try {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) == 0) {
      l.rlim_cur = l.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &l);
    }
    if (mumble::self_test() + mumble::codec_self_test() != 0) {
      throw std::runtime_error("the self-test failed (mumble_load --self-test)");
    }
    run_description d;
    d.command_line = "mumble_load";
    for (int i = 1; i < argc; ++i) {
      d.command_line += ' ';
      d.command_line += argv[i];
    }
    if (const auto t = d.command_line.find("--superuser-password "); t != std::string::npos) {
      d.command_line.replace(t + 21, o.fleet.superuser_password.size(), "PASSWORD");
    }
    d.machine = describe_machine();
    d.shape.frame_samples = static_cast<std::uint16_t>(o.fleet.frame_us * 48 / 1000);
    d.shape.opus_bytes = o.fleet.opus_bytes;
    d.shape.redundancy = false;  // the Opus bytes as given: media_stream's 2 + 2 x 160
    d.threads = o.fleet.udp ? 2 : 1;
    d.tick_us = o.step.tick_us;
    const std::string transport = o.fleet.udp ? "mumble-udp" : "mumble-tcp";
    std::printf("stream: %d us frames (%.0f packets/s), %zu Opus bytes; %s; %s\n", o.fleet.frame_us,
                1e6 / o.fleet.frame_us, o.fleet.opus_bytes, transport.c_str(), d.machine.c_str());
    print_header(stdout);
    mumble::fleet fleet(o.fleet);
    std::vector<step_result> steps;
    std::vector<std::pair<std::string, int>> summary;
    for (const auto rooms : o.rooms) {
      const auto started = std::chrono::steady_clock::now();
      fleet.grow_to(rooms);
      const double setup =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (setup > 1) {
        std::fprintf(stderr, "mumble_load: %zu rooms of %d set up in %.1f s\n", rooms,
                     o.fleet.participants, setup);
      }
      const auto closed_before = fleet.closed_connections();
      cpu_sample before, after;
      step_result r;
      r.scenario = "ladder";
      r.sessions = rooms;
      r.participants = o.fleet.participants;
      r.transport = transport;
      r.counts = fleet.run_step(
          o.step, [&] { before = sample_cpu(o.server_pid); },
          [&] { after = sample_cpu(o.server_pid); });
      r.cpu = after - before;
      r.closed_connections = fleet.closed_connections() - closed_before;
      print_row(stdout, r);
      summary.emplace_back("rooms_" + std::to_string(rooms), static_cast<int>(steps.size()));
      steps.push_back(r);
      if (!o.json.empty()) {
        write_json(o.json, d, steps, summary);  // after each step: a later failure keeps these
      }
    }
    if (fleet.tunnelled_in_udp_mode() > 0 || fleet.decrypt_failures() > 0) {
      std::fprintf(stderr,
                   "mumble_load: %llu voice packets came through the TCP tunnel in UDP mode, "
                   "%llu datagrams failed to decrypt\n",
                   static_cast<unsigned long long>(fleet.tunnelled_in_udp_mode()),
                   static_cast<unsigned long long>(fleet.decrypt_failures()));
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mumble_load: " << e.what() << "\n";
    return 1;
  }
}
