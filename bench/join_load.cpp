// join_load: the join storm and memory per participant (docs/benchmarks.md).
//
//   join_load --url ws://127.0.0.1:7700/v1/control --token T --server-pid PID
//             [--sessions 20] [--joins 2000] [--concurrency 64] [--json out.json]
//
// Creates --sessions sessions (one engineer connection each), samples the
// server's resident memory (VmRSS), then opens --joins new connections as
// fast as --concurrency allows, each doing what a client does to enter a
// room: TCP + WebSocket handshake, Hello, Authenticate (token lookup),
// JoinSession as a listener (the state snapshot comes with Joined). It
// reports joins/s and the latency of a whole join (connect to Joined) and of
// JoinSession alone (p50/p99/max), then, with every participant still
// connected and idle, the server's RSS again: (after - before) / joins is
// the memory per participant (user space only: the kernel's socket buffers
// are not in RSS).
//
// Threading: one io_context thread; --concurrency coroutines take joins from
// a shared counter.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "control_client.hpp"
#include "cpu_usage.hpp"
#include "latency_histogram.hpp"

namespace asio = boost::asio;
namespace v1 = controlroom::v1;
using namespace controlroom::bench;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string url = "ws://127.0.0.1:7700/v1/control";
  std::string token;
  pid_t server_pid = 0;
  std::size_t sessions = 20;
  std::size_t joins = 2000;
  std::size_t concurrency = 64;
  std::string json;
};

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

std::int64_t ns_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t).count();
}

struct storm {
  const options& o;
  server_address address;
  std::vector<std::string> session_ids;
  std::vector<std::unique_ptr<control_client>> creators;
  std::vector<std::unique_ptr<control_client>> joined;
  std::size_t next = 0;
  std::size_t failures = 0;
  std::string first_error;
  latency_histogram whole, join_only;

  asio::awaitable<void> create_sessions(asio::io_context& ioc) {
    for (std::size_t i = 0; i < o.sessions; ++i) {
      auto c = std::make_unique<control_client>(ioc);
      co_await c->open(address, o.token);
      v1::ClientEnvelope create;
      auto* cs = create.mutable_create_session();
      cs->set_title("join storm " + std::to_string(i));
      cs->add_creator_roles(v1::ROLE_ENGINEER);
      cs->add_creator_roles(v1::ROLE_LISTENER);
      const auto created =
          co_await c->expect(create, v1::ServerEnvelope::kSessionCreated, "create");
      session_ids.push_back(created.session_created().session().id());
      v1::ClientEnvelope join;
      join.mutable_join_session()->set_session_id(session_ids.back());
      join.mutable_join_session()->add_roles(v1::ROLE_ENGINEER);
      co_await c->expect(join, v1::ServerEnvelope::kJoined, "join");
      creators.push_back(std::move(c));
    }
  }

  asio::awaitable<void> worker(asio::io_context& ioc) {
    while (next < o.joins) {
      const auto i = next++;
      const auto started = clock_type::now();
      try {
        auto c = std::make_unique<control_client>(ioc);
        co_await c->open(address, o.token);
        v1::ClientEnvelope join;
        join.mutable_join_session()->set_session_id(session_ids[i % session_ids.size()]);
        join.mutable_join_session()->add_roles(v1::ROLE_LISTENER);
        const auto join_started = clock_type::now();
        co_await c->expect(join, v1::ServerEnvelope::kJoined, "join");
        join_only.record(ns_since(join_started));
        whole.record(ns_since(started));
        joined.push_back(std::move(c));
      } catch (const std::exception& e) {
        if (failures++ == 0) {
          first_error = e.what();
        }
      }
    }
  }
};

options parse(int argc, char** argv) {
  options o;
  std::map<std::string, std::function<void(const std::string&)>> set = {
      {"--url", [&](auto& v) { o.url = v; }},
      {"--token", [&](auto& v) { o.token = v; }},
      {"--server-pid", [&](auto& v) { o.server_pid = std::stoi(v); }},
      {"--sessions", [&](auto& v) { o.sessions = std::stoul(v); }},
      {"--joins", [&](auto& v) { o.joins = std::stoul(v); }},
      {"--concurrency", [&](auto& v) { o.concurrency = std::stoul(v); }},
      {"--json", [&](auto& v) { o.json = v; }},
  };
  for (int i = 1; i < argc; i += 2) {
    const auto it = set.find(argv[i]);
    if (it == set.end() || i + 1 >= argc) {
      throw std::invalid_argument(std::string("unknown or incomplete option ") + argv[i]);
    }
    it->second(argv[i + 1]);
  }
  if (o.token.empty() || o.server_pid <= 0 || o.sessions == 0 || o.concurrency == 0) {
    throw std::invalid_argument("--token, --server-pid, --sessions >= 1 and --concurrency >= 1");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "join_load: " << e.what() << "\n"
              << "join_load --token T --server-pid PID [--url ws://...] [--sessions 20]\n"
                 "  [--joins 2000] [--concurrency 64] [--json FILE]\n";
    return 2;
  }
  try {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) == 0) {
      l.rlim_cur = l.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &l);
    }
    asio::io_context ioc{1};
    storm s{o, parse_ws_url(o.url), {}, {}, {}, 0, 0, {}, {}, {}};
    auto run = [&](asio::awaitable<void> work) {
      asio::co_spawn(ioc, std::move(work), [](std::exception_ptr e) {
        if (e) {
          std::rethrow_exception(e);
        }
      });
      ioc.run();
      ioc.restart();
    };
    run(s.create_sessions(ioc));
    // Let the server settle (allocator, session state) before the baseline.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_before = rss_kib(o.server_pid);
    const auto cpu_before = sample_cpu(o.server_pid);
    const auto started = clock_type::now();
    for (std::size_t i = 0; i < o.concurrency; ++i) {
      asio::co_spawn(ioc, s.worker(ioc), asio::detached);
    }
    ioc.run();
    ioc.restart();
    const double seconds = static_cast<double>(ns_since(started)) / 1e9;
    const auto cpu = sample_cpu(o.server_pid) - cpu_before;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_after = rss_kib(o.server_pid);
    const auto ok = s.joined.size();
    const double per_participant =
        ok == 0 ? 0 : static_cast<double>(rss_after - rss_before) * 1024 / static_cast<double>(ok);
    auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000; };
    std::printf("%-10s %8s %9s %9s %9s %9s %9s %9s %9s %10s %10s %12s\n", "sessions", "joins",
                "failed", "joins/s", "p50 ms", "p99 ms", "max ms", "join p50", "join p99",
                "srv us/join", "rss MiB", "KiB/particip");
    std::printf("%-10zu %8zu %9zu %9.0f %9.2f %9.2f %9.2f %9.2f %9.2f %10.0f %10.1f %12.1f\n",
                o.sessions, ok, s.failures, static_cast<double>(ok) / seconds,
                us(s.whole.quantile_ns(0.5)) / 1000, us(s.whole.quantile_ns(0.99)) / 1000,
                us(s.whole.max_ns()) / 1000, us(s.join_only.quantile_ns(0.5)) / 1000,
                us(s.join_only.quantile_ns(0.99)) / 1000,
                ok == 0 ? 0 : cpu.process_seconds * 1e6 / static_cast<double>(ok),
                static_cast<double>(rss_after) / 1024, per_participant / 1024);
    if (s.failures > 0) {
      std::printf("first failure: %s\n", s.first_error.c_str());
    }
    if (!o.json.empty()) {
      std::ofstream out(o.json);
      out << "{\"sessions\":" << o.sessions << ",\"joins\":" << ok << ",\"failed\":" << s.failures
          << ",\"concurrency\":" << o.concurrency << ",\"seconds\":" << seconds
          << ",\"joins_per_second\":" << static_cast<double>(ok) / seconds
          << ",\"join_ms\":{\"p50\":" << us(s.whole.quantile_ns(0.5)) / 1000
          << ",\"p99\":" << us(s.whole.quantile_ns(0.99)) / 1000
          << ",\"max\":" << us(s.whole.max_ns()) / 1000 << "}"
          << ",\"join_session_only_ms\":{\"p50\":" << us(s.join_only.quantile_ns(0.5)) / 1000
          << ",\"p99\":" << us(s.join_only.quantile_ns(0.99)) / 1000 << "}"
          << ",\"server_cpu_seconds\":" << cpu.process_seconds
          << ",\"other_processes_cpu_seconds\":"
          << std::max(0.0, cpu.machine_busy_seconds - cpu.process_seconds - cpu.self_seconds)
          << ",\"rss_kib_before\":" << rss_before << ",\"rss_kib_after\":" << rss_after
          << ",\"rss_bytes_per_participant\":" << per_participant << "}\n";
    }
    return s.failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "join_load: " << e.what() << "\n";
    return 1;
  }
}
