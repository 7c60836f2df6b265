// intent_load: durable intents per second and intent -> broadcast latency.
//
// Opens S sessions on a running controlroomd; in each, a "producer"
// connection submits AddMarker intents and an "observer" connection receives
// the SessionEvents. Latency is from the moment the producer's frame is
// written to the moment the observer holds the event: the whole path through
// decide, group commit (synchronous_commit on) and broadcast.
//
//   intent_load --url ws://127.0.0.1:7700/v1/control --token T
//               [--sessions 50] [--window 64] [--seconds 10] [--rate 1000]
//               [--json out.json]
//
// Phase 1 (throughput): every producer keeps `window` intents in flight.
// Phase 2 (latency): a steady total of `rate` intents/s across the sessions.
//
// Threading: one io_context on one thread runs every connection.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "controlroom/v1/control.pb.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace v1 = controlroom::v1;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using asio::use_awaitable;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string path = "/v1/control";
  std::string token;
  int sessions = 50;
  int window = 64;
  double seconds = 10;
  double rate = 1000;
  bool saturate = true;  // --saturate 0 runs only the steady phase
  std::string json;
};

// One control-plane connection with a request/reply helper for set-up.
class connection {
 public:
  explicit connection(asio::io_context& ioc) : ws_(ioc) {}

  asio::awaitable<void> open(const options& o) {
    tcp::resolver resolver(ws_.get_executor());
    auto endpoints = co_await resolver.async_resolve(o.host, o.port, use_awaitable);
    co_await asio::async_connect(ws_.next_layer(), endpoints, use_awaitable);
    ws_.next_layer().set_option(tcp::no_delay(true));
    co_await ws_.async_handshake(o.host, o.path, use_awaitable);
    ws_.binary(true);
    v1::ClientEnvelope hello;
    hello.mutable_hello()->set_min_version(1);
    hello.mutable_hello()->set_max_version(1);
    co_await request(hello);
    v1::ClientEnvelope auth;
    auth.mutable_authenticate()->set_bearer_token(o.token);
    const auto reply = co_await request(auth);
    if (!reply.has_authenticated()) {
      throw std::runtime_error("authentication failed: " + reply.error().message());
    }
  }

  asio::awaitable<v1::ServerEnvelope> request(v1::ClientEnvelope env) {
    env.set_request_id(++next_id_);
    co_await send(env);
    for (;;) {
      auto reply = co_await receive();
      if (reply.request_id() == env.request_id()) {
        co_return reply;
      }
    }
  }

  asio::awaitable<void> send(const v1::ClientEnvelope& env) {
    const auto bytes = env.SerializeAsString();
    co_await ws_.async_write(asio::buffer(bytes), use_awaitable);
  }

  asio::awaitable<v1::ServerEnvelope> receive() {
    buffer_.clear();
    co_await ws_.async_read(buffer_, use_awaitable);
    v1::ServerEnvelope env;
    const auto data = buffer_.cdata();
    env.ParseFromArray(data.data(), static_cast<int>(data.size()));
    co_return env;
  }

  std::uint64_t next_id() { return ++next_id_; }

 private:
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::uint64_t next_id_ = 0;
};

struct stats {
  std::vector<double> latencies_ms;
  std::uint64_t accepted = 0;
  std::uint64_t errors = 0;
};

struct session_pair {
  std::unique_ptr<connection> producer;
  std::unique_ptr<connection> observer;
  std::map<std::string, clock_type::time_point> sent_at;  // operation id -> time
  std::uint64_t next_op = 0;
  int in_flight = 0;
  std::string final_op;  // the driver's last intent of a phase; its echo ends the phase
};

asio::awaitable<void> set_up(asio::io_context& ioc, const options& o, session_pair& s, int n) {
  s.producer = std::make_unique<connection>(ioc);
  s.observer = std::make_unique<connection>(ioc);
  co_await s.producer->open(o);
  co_await s.observer->open(o);
  v1::ClientEnvelope create;
  create.mutable_create_session()->set_title("bench " + std::to_string(n));
  create.mutable_create_session()->add_creator_roles(v1::ROLE_PRODUCER);
  create.mutable_create_session()->add_creator_roles(v1::ROLE_ENGINEER);
  const auto created = co_await s.producer->request(create);
  if (!created.has_session_created()) {
    throw std::runtime_error("create failed: " + created.error().message());
  }
  const auto id = created.session_created().session().id();
  for (auto* c : {s.producer.get(), s.observer.get()}) {
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(id);
    join.mutable_join_session()->add_roles(c == s.producer.get() ? v1::ROLE_PRODUCER
                                                                 : v1::ROLE_ENGINEER);
    const auto joined = co_await c->request(join);
    if (!joined.has_joined()) {
      throw std::runtime_error("join failed: " + joined.error().message());
    }
  }
}

v1::ClientEnvelope marker_intent(session_pair& s, std::uint64_t request_id) {
  v1::ClientEnvelope env;
  env.set_request_id(request_id);
  auto* submit = env.mutable_submit_intent();
  submit->set_operation_id("b" + std::to_string(++s.next_op));
  auto* marker = submit->mutable_intent()->mutable_add_marker();
  marker->set_position_samples(static_cast<std::int64_t>(s.next_op) * 480);
  marker->set_label("take note");
  return env;
}

// The observer's side: match each SessionEvent to its send time.
asio::awaitable<void> observe(session_pair& s, stats& st, const bool& measuring) {
  for (;;) {
    const auto env = co_await s.observer->receive();
    if (!env.has_session_event()) {
      continue;
    }
    const auto& op = env.session_event().event().operation_id();
    if (op == s.final_op) {
      s.sent_at.erase(op);
      co_return;  // events arrive in order: everything before it is in
    }
    const auto it = s.sent_at.find(op);
    if (it == s.sent_at.end()) {
      continue;
    }
    if (measuring) {
      st.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(clock_type::now() - it->second).count());
    }
    s.sent_at.erase(it);
  }
}

// The producer's replies: IntentAccepted frees a window slot.
asio::awaitable<void> acknowledge(session_pair& s, stats& st, asio::steady_timer& slot) {
  for (;;) {
    const auto env = co_await s.producer->receive();
    if (env.has_intent_accepted()) {
      if (env.intent_accepted().operation_id() == s.final_op) {
        co_return;
      }
      ++st.accepted;
    } else if (env.has_error()) {
      ++st.errors;
    } else {
      continue;
    }
    --s.in_flight;
    slot.cancel_one();
  }
}

// Ends a phase: one last intent whose acknowledgement and event tell the
// reader coroutines that nothing else of this phase is coming.
asio::awaitable<void> finish(session_pair& s) {
  auto env = marker_intent(s, s.producer->next_id());
  s.final_op = env.submit_intent().operation_id();
  co_await s.producer->send(env);
}

asio::awaitable<void> drive_window(session_pair& s, int window,
                                   const clock_type::time_point& stop_at,
                                   asio::steady_timer& slot) {
  while (clock_type::now() < stop_at) {
    if (s.in_flight >= window) {
      slot.expires_at(clock_type::time_point::max());
      boost::system::error_code ec;
      co_await slot.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    auto env = marker_intent(s, s.producer->next_id());
    s.sent_at[env.submit_intent().operation_id()] = clock_type::now();
    ++s.in_flight;
    co_await s.producer->send(env);
  }
  co_await finish(s);
}

// Sends at a steady rate; session `index` of `count` is offset by
// index/count of a period so that the total arrives evenly, not in bursts.
asio::awaitable<void> drive_rate(session_pair& s, double per_session_rate, std::size_t index,
                                 std::size_t count, const clock_type::time_point& stop_at) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  const auto period = std::chrono::duration_cast<clock_type::duration>(
      std::chrono::duration<double>(1.0 / per_session_rate));
  auto next = clock_type::now() + period * static_cast<long>(index) / static_cast<long>(count);
  while (next < stop_at) {
    tick.expires_at(next);
    co_await tick.async_wait(use_awaitable);
    auto env = marker_intent(s, s.producer->next_id());
    s.sent_at[env.submit_intent().operation_id()] = clock_type::now();
    ++s.in_flight;
    co_await s.producer->send(env);
    next += period;
  }
  co_await finish(s);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--url") {
      // ws://host:port/path
      auto rest = v.substr(v.find("://") + 3);
      const auto slash = rest.find('/');
      o.path = slash == std::string::npos ? "/v1/control" : rest.substr(slash);
      rest = rest.substr(0, slash);
      o.host = rest.substr(0, rest.find(':'));
      o.port = rest.substr(rest.find(':') + 1);
    } else if (k == "--token") {
      o.token = v;
    } else if (k == "--sessions") {
      o.sessions = std::stoi(v);
    } else if (k == "--window") {
      o.window = std::stoi(v);
    } else if (k == "--seconds") {
      o.seconds = std::stod(v);
    } else if (k == "--rate") {
      o.rate = std::stod(v);
    } else if (k == "--saturate") {
      o.saturate = v != "0";
    } else if (k == "--json") {
      o.json = v;
    } else {
      throw std::runtime_error("unknown option " + k);
    }
  }
  if (o.token.empty()) {
    throw std::runtime_error("--token is required");
  }
  return o;
}

struct phase_result {
  double intents_per_second = 0;
  double p50 = 0, p99 = 0, p999 = 0;
  std::uint64_t accepted = 0, errors = 0;
};

asio::awaitable<phase_result> run_phase(std::vector<session_pair>& pairs, const options& o,
                                        bool windowed) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  stats st;
  bool measuring = true;
  const auto start = clock_type::now();
  const auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                                   std::chrono::duration<double>(o.seconds));
  std::vector<std::unique_ptr<asio::steady_timer>> slots;
  int remaining = static_cast<int>(pairs.size()) * 3;
  asio::steady_timer all_done(ex, clock_type::time_point::max());
  auto finished = [&](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
    if (--remaining == 0) {
      all_done.cancel();
    }
  };
  for (auto& s : pairs) {
    slots.push_back(std::make_unique<asio::steady_timer>(ex));
    s.final_op.clear();
    asio::co_spawn(ex, observe(s, st, measuring), finished);
    asio::co_spawn(ex, acknowledge(s, st, *slots.back()), finished);
    if (windowed) {
      asio::co_spawn(ex, drive_window(s, o.window, stop_at, *slots.back()), finished);
    } else {
      asio::co_spawn(ex,
                     drive_rate(s, o.rate / static_cast<double>(pairs.size()),
                                static_cast<std::size_t>(&s - pairs.data()), pairs.size(), stop_at),
                     finished);
    }
  }
  boost::system::error_code ec;
  co_await all_done.async_wait(asio::redirect_error(use_awaitable, ec));
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  for (auto& s : pairs) {
    s.in_flight = 0;
    s.sent_at.clear();
  }
  phase_result r;
  r.accepted = st.accepted;
  r.errors = st.errors;
  r.intents_per_second = static_cast<double>(st.accepted) / elapsed;
  r.p50 = percentile(st.latencies_ms, 0.50);
  r.p99 = percentile(st.latencies_ms, 0.99);
  r.p999 = percentile(st.latencies_ms, 0.999);
  co_return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto o = parse(argc, argv);
    asio::io_context ioc(1);
    std::vector<session_pair> pairs(static_cast<std::size_t>(o.sessions));
    phase_result throughput, steady;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < o.sessions; ++i) {
            co_await set_up(ioc, o, pairs[static_cast<std::size_t>(i)], i);
          }
          if (o.saturate) {
            throughput = co_await run_phase(pairs, o, true);
          }
          steady = co_await run_phase(pairs, o, false);
        },
        [](std::exception_ptr e) {
          if (e) {
            std::rethrow_exception(e);
          }
        });
    ioc.run();
    std::printf("%-34s %14s %10s %10s %10s %8s\n", "phase", "intents/s", "p50 ms", "p99 ms",
                "p99.9 ms", "errors");
    std::printf("%-34s %14.0f %10.2f %10.2f %10.2f %8llu\n",
                ("saturated, window " + std::to_string(o.window) + " x " +
                 std::to_string(o.sessions) + " sessions")
                    .c_str(),
                throughput.intents_per_second, throughput.p50, throughput.p99, throughput.p999,
                static_cast<unsigned long long>(throughput.errors));
    std::printf("%-34s %14.0f %10.2f %10.2f %10.2f %8llu\n",
                ("steady " + std::to_string(static_cast<int>(o.rate)) + "/s").c_str(),
                steady.intents_per_second, steady.p50, steady.p99, steady.p999,
                static_cast<unsigned long long>(steady.errors));
    if (!o.json.empty()) {
      std::ofstream out(o.json);
      auto phase = [&](const char* name, const phase_result& r) {
        out << "\"" << name << "\":{\"intents_per_second\":" << r.intents_per_second
            << ",\"latency_ms\":{\"p50\":" << r.p50 << ",\"p99\":" << r.p99
            << ",\"p999\":" << r.p999 << "},\"accepted\":" << r.accepted
            << ",\"errors\":" << r.errors << "}";
      };
      out << "{\"sessions\":" << o.sessions << ",\"window\":" << o.window
          << ",\"seconds\":" << o.seconds << ",\"rate\":" << o.rate << ",";
      phase("saturated", throughput);
      out << ",";
      phase("steady", steady);
      out << "}\n";
    }
    return throughput.errors + steady.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "intent_load: " << e.what() << "\n";
    return 1;
  }
}
