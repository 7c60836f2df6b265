// media_load: the media relay's throughput, loss, relay-added latency and
// CPU per forwarded packet (docs/benchmarks.md, "Media relay").
//
// Sessions of `participants` connections each: one engineer publishing the
// stereo program mix, the rest producers and listeners receiving it. Set-up
// goes through the control plane as a client's would (docs/protocol.md §7);
// the load is paced datagrams over UDP (or MediaFrames on the WebSocket).
//
//   media_load --url ws://127.0.0.1:7700/v1/control --token T [--server-pid PID]
//              [--ca-file cert.pem | --insecure]   (for a wss:// URL)
//              [--mode fixed|search|suite] [--sessions 500] [--participants 2]
//              [--frame-ms 5] [--bitrate-kbps 256] [--redundancy 1] [--seconds 10]
//              [--transport udp|websocket] [--json out.json] ...   (--help lists all)
//
// Modes: fixed runs --sessions for --seconds. search adds sessions
// (x --growth per step, --step-seconds each) until a step loses a datagram,
// then bisects --refine times: the highest zero-loss rate. suite is search,
// then fixed at half the found rate, then --pair-sessions two-party sessions
// (0: none). ladder runs one fixed step per --ladder count, growing the same
// sessions (the peer benchmark's rising load).
//
// Threading: one io_context thread owns the control connections; the UDP
// load runs on the main thread (and a receiver thread with --threads 2).

#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <time.h>

#include <boost/asio.hpp>

#include "cpu_usage.hpp"
#include "media_report.hpp"
#include "session_pool.hpp"
#include "udp_pump.hpp"

namespace asio = boost::asio;
using namespace controlroom::bench;

namespace {

struct options {
  std::string url = "ws://127.0.0.1:7700/v1/control";
  tls_options tls;  // wss:// only
  std::string token;
  pid_t server_pid = 0;
  std::string mode = "fixed";
  std::string transport = "udp";
  std::size_t sessions = 500;
  int participants = 2;
  double frame_ms = 5;
  double bitrate_kbps = 256;
  int opus_bytes = 0;  // 0: from the bitrate
  bool redundancy = true;
  double seconds = 10;
  double step_seconds = 5;
  double warmup = 1;
  double grace = 0.3;
  std::size_t start_sessions = 100;
  std::size_t max_sessions = 2000;
  double growth = 1.5;
  int refine = 2;
  double loss_tolerance = 0;
  std::size_t pair_sessions = 500;
  int threads = 2;
  int send_batch = 16;
  int tick_us = 200;
  bool kernel_timestamps = true;
  bool shared_send_socket = true;
  bool shared_receive_socket = true;
  int setup_concurrency = 16;
  bool session_hint = true;
  bool receive_poll = false;        // --receive-wait poll
  std::vector<std::size_t> ladder;  // mode ladder: one fixed step per count
  std::string json;
};

const char* usage =
    "media_load --token T [--url ws://127.0.0.1:7700/v1/control] [--server-pid PID]\n"
    "  [--ca-file PEM | --insecure]   (wss:// URLs: trust PEM's CAs, or check nothing)\n"
    "  [--mode fixed|search|suite|ladder] [--ladder 10,20,40] [--transport udp|websocket]\n"
    "  [--json FILE]\n"
    "  scenario: [--sessions 500] [--participants 2] [--frame-ms 5] [--bitrate-kbps 256]\n"
    "            [--opus-bytes N] [--redundancy 1] [--seconds 10] [--warmup 1] [--grace 0.3]\n"
    "  search:   [--start-sessions 100] [--max-sessions 2000] [--growth 1.5] [--refine 2]\n"
    "            [--step-seconds 5] [--loss-tolerance 0] [--pair-sessions 500]\n"
    "  pump:     [--threads 2] [--send-batch 16] [--tick-us 200] [--kernel-timestamps 1]\n"
    "            [--shared-send-socket 1] [--shared-receive-socket 1] [--setup-concurrency 16]\n"
    "            [--session-hint 1]   (connections name their session: ?session=)\n"
    "            [--receive-wait block|poll]  (receivers block until data arrives, or look\n"
    "                                          every tick/2 and sleep between: then the\n"
    "                                          server's writes never wake them)\n";

options parse(int argc, char** argv) {
  options o;
  std::map<std::string, std::function<void(const std::string&)>> set = {
      {"--url", [&](auto& v) { o.url = v; }},
      {"--token", [&](auto& v) { o.token = v; }},
      {"--ca-file", [&](auto& v) { o.tls.ca_file = v; }},
      {"--server-pid", [&](auto& v) { o.server_pid = std::stoi(v); }},
      {"--mode", [&](auto& v) { o.mode = v; }},
      {"--transport", [&](auto& v) { o.transport = v; }},
      {"--sessions", [&](auto& v) { o.sessions = std::stoul(v); }},
      {"--participants", [&](auto& v) { o.participants = std::stoi(v); }},
      {"--frame-ms", [&](auto& v) { o.frame_ms = std::stod(v); }},
      {"--bitrate-kbps", [&](auto& v) { o.bitrate_kbps = std::stod(v); }},
      {"--opus-bytes", [&](auto& v) { o.opus_bytes = std::stoi(v); }},
      {"--redundancy", [&](auto& v) { o.redundancy = v != "0"; }},
      {"--seconds", [&](auto& v) { o.seconds = std::stod(v); }},
      {"--step-seconds", [&](auto& v) { o.step_seconds = std::stod(v); }},
      {"--warmup", [&](auto& v) { o.warmup = std::stod(v); }},
      {"--grace", [&](auto& v) { o.grace = std::stod(v); }},
      {"--start-sessions", [&](auto& v) { o.start_sessions = std::stoul(v); }},
      {"--max-sessions", [&](auto& v) { o.max_sessions = std::stoul(v); }},
      {"--growth", [&](auto& v) { o.growth = std::stod(v); }},
      {"--refine", [&](auto& v) { o.refine = std::stoi(v); }},
      {"--loss-tolerance", [&](auto& v) { o.loss_tolerance = std::stod(v); }},
      {"--pair-sessions", [&](auto& v) { o.pair_sessions = std::stoul(v); }},
      {"--threads", [&](auto& v) { o.threads = std::stoi(v); }},
      {"--send-batch", [&](auto& v) { o.send_batch = std::stoi(v); }},
      {"--tick-us", [&](auto& v) { o.tick_us = std::stoi(v); }},
      {"--kernel-timestamps", [&](auto& v) { o.kernel_timestamps = v != "0"; }},
      {"--shared-send-socket", [&](auto& v) { o.shared_send_socket = v != "0"; }},
      {"--shared-receive-socket", [&](auto& v) { o.shared_receive_socket = v != "0"; }},
      {"--setup-concurrency", [&](auto& v) { o.setup_concurrency = std::stoi(v); }},
      {"--session-hint", [&](auto& v) { o.session_hint = v != "0"; }},
      {"--receive-wait",
       [&](auto& v) {
         if (v != "block" && v != "poll") {
           throw std::invalid_argument("--receive-wait is block or poll");
         }
         o.receive_poll = v == "poll";
       }},
      {"--json", [&](auto& v) { o.json = v; }},
      {"--ladder",
       [&](auto& v) {
         std::stringstream in(v);
         for (std::string item; std::getline(in, item, ',');) {
           o.ladder.push_back(std::stoul(item));
         }
       }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--insecure") {
      o.tls.insecure = true;
      continue;
    }
    const auto it = set.find(key);
    if (it == set.end() || i + 1 >= argc) {
      throw std::invalid_argument(key == "--help" ? "" : "unknown or incomplete option " + key);
    }
    it->second(argv[++i]);
  }
  if (o.token.empty()) {
    throw std::invalid_argument("--token is required");
  }
  if (o.participants < 2) {
    throw std::invalid_argument("--participants must be at least 2 (a publisher and a receiver)");
  }
  if (o.mode != "fixed" && o.mode != "search" && o.mode != "suite" && o.mode != "ladder") {
    throw std::invalid_argument("--mode is fixed, search, suite or ladder");
  }
  if (o.mode == "ladder" && o.ladder.empty()) {
    throw std::invalid_argument("--mode ladder needs --ladder N,N,...");
  }
  if (o.transport != "udp" && o.transport != "websocket") {
    throw std::invalid_argument("--transport is udp or websocket");
  }
  if (o.tls.insecure && !o.tls.ca_file.empty()) {
    throw std::invalid_argument("--ca-file and --insecure exclude each other");
  }
  parse_ws_url(o.url, o.tls);  // a bad scheme or unreadable --ca-file fails here, not mid-run
  return o;
}

stream_shape shape_of(const options& o) {
  stream_shape s;
  s.frame_samples = static_cast<std::uint16_t>(std::lround(o.frame_ms * 48));
  if (!controlroom::media::is_valid_frame_samples(s.frame_samples)) {
    throw std::invalid_argument("--frame-ms is 2.5, 5, 10 or 20");
  }
  s.opus_bytes =
      o.opus_bytes > 0
          ? static_cast<std::size_t>(o.opus_bytes)
          : static_cast<std::size_t>(std::lround(o.bitrate_kbps * 1000 / 8 * o.frame_ms / 1000));
  s.redundancy = o.redundancy;
  if (s.datagram_bytes() > controlroom::media::max_datagram_size) {
    throw std::invalid_argument("the datagram would exceed 1500 bytes");
  }
  return s;
}

// Drives the scenarios: owns the control thread and one pool of sessions per
// participant count.
class runner {
 public:
  explicit runner(const options& o) : o_(o), guard_(asio::make_work_guard(ioc_)) {
    io_thread_ = std::thread([this] {
      if (!o_.receive_poll) {
        ioc_.run();
        return;
      }
      const timespec nap{0, o_.tick_us * 1000L / 2};
      while (!ioc_.stopped()) {
        if (ioc_.poll() == 0) {
          ::nanosleep(&nap, nullptr);
        }
      }
    });
  }
  ~runner() {
    ioc_.stop();
    io_thread_.join();
  }

  step_result run(const std::string& scenario, std::size_t sessions, int participants,
                  double seconds) {
    auto& pool = pool_for(participants);
    const auto started = std::chrono::steady_clock::now();
    on_io([&]() -> asio::awaitable<void> { co_await pool.grow_to(sessions); });
    const double setup =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (setup > 1) {
      std::fprintf(stderr, "media_load: %zu sessions of %d set up in %.1f s\n", sessions,
                   participants, setup);
    }
    const auto closed_before = closed_total();
    cpu_sample before, after;
    auto on_start = [&] { before = sample_cpu(o_.server_pid); };
    auto on_stop = [&] { after = sample_cpu(o_.server_pid); };
    step_result r;
    r.scenario = scenario;
    r.sessions = sessions;
    r.participants = participants;
    r.transport = o_.transport;
    if (o_.transport == "udp") {
      std::vector<media_participant*> publishers, receivers;
      for (std::size_t i = 0; i < sessions; ++i) {
        for (auto& p : pool.session(i).people) {
          (p->publisher ? publishers : receivers).push_back(p.get());
        }
      }
      pump_config cfg;
      cfg.shape = pool.config().shape;
      cfg.seconds = seconds;
      cfg.warmup = std::min(o_.warmup, seconds / 2);
      cfg.grace = o_.grace;
      cfg.threads = o_.threads;
      cfg.send_batch = o_.send_batch;
      cfg.tick_us = o_.tick_us;
      cfg.kernel_timestamps = o_.kernel_timestamps;
      cfg.receive_poll = o_.receive_poll;
      r.counts = run_udp_step(cfg, publishers, receivers, on_start, on_stop);
    } else {
      on_io([&]() -> asio::awaitable<void> {
        r.counts =
            co_await pool.run_websocket_step(sessions, seconds, std::min(o_.warmup, seconds / 2),
                                             o_.grace, o_.tick_us, on_start, on_stop);
      });
    }
    r.cpu = after - before;
    r.closed_connections = closed_total() - closed_before;
    print_row(stdout, r);
    steps_.push_back(r);
    return r;
  }

  std::vector<step_result>& steps() { return steps_; }

 private:
  session_pool& pool_for(int participants) {
    auto& pool = pools_[participants];
    if (!pool) {
      pool_config c;
      c.address = parse_ws_url(o_.url, o_.tls);
      c.token = o_.token;
      c.participants = participants;
      c.shape = shape_of(o_);
      c.transport = o_.transport == "udp" ? media_transport::udp : media_transport::websocket;
      c.shared_send_socket = o_.shared_send_socket;
      c.shared_receive_socket = o_.shared_receive_socket;
      c.setup_concurrency = o_.setup_concurrency;
      c.session_hint = o_.session_hint;
      pool = std::make_unique<session_pool>(ioc_, c);
    }
    return *pool;
  }

  // Runs `work` on the control thread and waits for it; rethrows its failure.
  void on_io(std::function<asio::awaitable<void>()> work) {
    asio::co_spawn(ioc_, work(), asio::use_future).get();
  }

  std::uint64_t closed_total() {
    std::uint64_t total = 0;
    on_io([&]() -> asio::awaitable<void> {
      for (auto& [n, pool] : pools_) {
        total += pool->closed_connections();
      }
      co_return;
    });
    return total;
  }

  const options& o_;
  asio::io_context ioc_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread io_thread_;
  std::map<int, std::unique_ptr<session_pool>> pools_;
  std::vector<step_result> steps_;
};

// The highest session count whose step loses nothing; -1 when even the first
// step lost. Returns the index of that step in runner::steps().
int search(runner& run, const options& o) {
  int best = -1;
  std::size_t good = 0, bad = 0;
  for (std::size_t n = o.start_sessions; n <= o.max_sessions;) {
    const auto r = run.run("search", n, o.participants, o.step_seconds);
    if (!r.held(o.loss_tolerance)) {
      bad = n;
      break;
    }
    good = n;
    best = static_cast<int>(run.steps().size()) - 1;
    if (n == o.max_sessions) {
      break;
    }
    n = std::min(o.max_sessions,
                 std::max(n + 1, static_cast<std::size_t>(static_cast<double>(n) * o.growth)));
  }
  for (int i = 0; i < o.refine && bad != 0; ++i) {
    const auto mid = (good + bad) / 2;
    if (mid == good || mid == 0) {
      break;
    }
    const auto r = run.run("search", mid, o.participants, o.step_seconds);
    if (r.held(o.loss_tolerance)) {
      good = mid;
      best = static_cast<int>(run.steps().size()) - 1;
    } else {
      bad = mid;
    }
  }
  return best;
}

void raise_fd_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << (std::string(e.what()).empty() ? ""
                                                : std::string("media_load: ") + e.what() + "\n")
              << usage;
    return 2;
  }
  try {
    raise_fd_limit();
    run_description d;
    d.command_line = "media_load";
    for (int i = 1; i < argc; ++i) {
      d.command_line += ' ';
      d.command_line += argv[i];
    }
    if (const auto t = d.command_line.find("--token "); t != std::string::npos) {
      d.command_line.replace(t + 8, o.token.size(), "TOKEN");
    }
    d.machine = describe_machine();
    d.shape = shape_of(o);
    d.threads = o.threads;
    d.send_batch = o.send_batch;
    d.tick_us = o.tick_us;
    d.kernel_timestamps = o.kernel_timestamps;
    d.shared_send_socket = o.shared_send_socket;
    d.shared_receive_socket = o.shared_receive_socket;
    // The control plane's scheme matters to --transport websocket: over
    // wss:// every MediaFrame is a TLS record too.
    const bool tls = o.url.rfind("wss://", 0) == 0;
    std::printf("stream: %u samples/frame (%.0f packets/s), %zu-byte datagrams; %s%s; %s\n",
                d.shape.frame_samples, d.shape.packets_per_second(), d.shape.datagram_bytes(),
                o.transport.c_str(),
                tls ? (o.tls.insecure ? " over wss:// (unverified)" : " over wss://") : "",
                d.machine.c_str());
    print_header(stdout);

    runner run(o);
    std::vector<std::pair<std::string, int>> summary;
    if (o.mode == "fixed") {
      run.run("fixed", o.sessions, o.participants, o.seconds);
      summary.emplace_back("fixed", 0);
    } else if (o.mode == "ladder") {
      for (const auto n : o.ladder) {
        summary.emplace_back("sessions_" + std::to_string(n), static_cast<int>(run.steps().size()));
        run.run("ladder", n, o.participants, o.seconds);
      }
    } else {
      const int best = search(run, o);
      summary.emplace_back("max_zero_loss", best);
      if (o.mode == "suite") {
        const auto half = best < 0 ? o.start_sessions / 2
                                   : run.steps()[static_cast<std::size_t>(best)].sessions / 2;
        run.run("half load", std::max<std::size_t>(1, half), o.participants, o.seconds);
        summary.emplace_back("half_load", static_cast<int>(run.steps().size()) - 1);
        if (o.pair_sessions > 0) {
          run.run("two-party", o.pair_sessions, 2, o.seconds);
          summary.emplace_back("two_party_sessions", static_cast<int>(run.steps().size()) - 1);
        }
      }
    }
    std::printf("\n");
    print_header(stdout);
    for (const auto& [name, index] : summary) {
      if (index >= 0) {
        auto r = run.steps()[static_cast<std::size_t>(index)];
        r.scenario = name;
        print_row(stdout, r);
      } else {
        std::printf("%-18s no step without loss\n", name.c_str());
      }
    }
    if (!o.json.empty()) {
      write_json(o.json, d, run.steps(), summary);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "media_load: " << e.what() << "\n";
    return 1;
  }
}
