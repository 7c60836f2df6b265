// realtime_priority: the real controlroomd, as a child process, puts exactly
// its network workers under SCHED_FIFO at the configured priority and says
// so in /metrics; where the system refuses, it serves anyway, normally
// scheduled, and its log says why and what would allow it.

#include <cerrno>
#include <dirent.h>
#include <fstream>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "prometheus_text.hpp"
#include "raw_clients.hpp"
#include "test_database.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using namespace std::chrono_literals;

constexpr int priority = 7;
constexpr int workers = 2;

// May this process's user put a thread under SCHED_FIFO? (The child runs
// with the same credentials and limits.) Asked of the kernel directly, not
// of the code under test.
bool fifo_allowed() {
  int rc = -1;
  std::thread probe([] {});
  sched_param param{};
  param.sched_priority = 1;
  rc = pthread_setschedparam(probe.native_handle(), SCHED_FIFO, &param);
  probe.join();
  return rc == 0;
}

// How many of `pid`'s threads run under SCHED_FIFO, and at which priorities.
std::vector<int> fifo_priorities(pid_t pid) {
  std::vector<int> out;
  const auto dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    ADD_FAILURE() << "cannot list " << dir;
    return out;
  }
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') {
      continue;
    }
    const pid_t tid = std::stoi(e->d_name);
    if (sched_getscheduler(tid) == SCHED_FIFO) {
      sched_param p{};
      sched_getparam(tid, &p);
      out.push_back(p.sched_priority);
    }
  }
  closedir(d);
  return out;
}

double realtime_gauge(std::uint16_t port) {
  const auto scrape = http_request(port, "/metrics");
  EXPECT_EQ(scrape.status, 200u);
  auto families = parse_prometheus(scrape.body);
  const auto it = families.find("controlroom_workers_realtime");
  if (it == families.end() || it->second.samples.size() != 1) {
    ADD_FAILURE() << "no controlroom_workers_realtime gauge";
    return -1;
  }
  EXPECT_EQ(it->second.type, "gauge");
  return it->second.samples[0].value;
}

class realtime_priority_e2e : public ::testing::Test {
 protected:
  test_database db;
  scratch_dir dir;
  std::string log_path = dir.path() + "/controlroomd.log";

  // Starts `wrapper...` controlroomd serve with realtime_priority.
  std::unique_ptr<child_process> serve(std::vector<std::string> wrapper) {
    std::vector<std::string> serve_args{"serve",
                                        "--database-url=" + db.url(),
                                        "--port=0",
                                        "--media-port=0",
                                        "--workers=" + std::to_string(workers),
                                        "--realtime-priority=" + std::to_string(priority),
                                        "--recordings-dir=" + dir.path() + "/rec"};
    std::string program = CONTROLROOMD_BINARY;
    if (!wrapper.empty()) {
      program = wrapper.front();
      wrapper.erase(wrapper.begin());
      wrapper.push_back(CONTROLROOMD_BINARY);
    }
    wrapper.insert(wrapper.end(), serve_args.begin(), serve_args.end());
    return std::make_unique<child_process>(program, wrapper, log_path);
  }

  static std::uint16_t port_of(const std::string& ready) {
    return static_cast<std::uint16_t>(std::stoi(ready.substr(ready.find("127.0.0.1:") + 10)));
  }

  std::string log_text() {
    std::ifstream in(log_path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
};

TEST_F(realtime_priority_e2e, the_network_workers_and_only_they_run_under_sched_fifo) {
  if (!fifo_allowed()) {
    GTEST_SKIP() << "this user may not use SCHED_FIFO here (no CAP_SYS_NICE, RLIMIT_RTPRIO 0); "
                    "the refusal is tested below";
  }
  auto server = serve({});
  const auto ready = server->wait_for_line("controlroomd ready:", 30s);
  ASSERT_TRUE(ready) << log_text();
  const auto port = port_of(*ready);

  const auto fifo = fifo_priorities(server->pid());
  EXPECT_EQ(fifo, std::vector<int>(workers, priority))
      << "the database, disk and lease threads stay normally scheduled";
  EXPECT_EQ(realtime_gauge(port), workers);
  // And they serve: a real request answered by a FIFO worker.
  EXPECT_EQ(http_request(port, "/healthz").status, 200u);

  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(30s), 0);
  EXPECT_EQ(log_text().find("stay normally scheduled"), std::string::npos) << log_text();
}

TEST_F(realtime_priority_e2e, refused_it_serves_normally_scheduled_and_says_why) {
  // Take the right away: anyone may lower their own RLIMIT_RTPRIO to 0, and
  // root (which has CAP_SYS_NICE where SCHED_FIFO is allowed at all) loses
  // that capability from its bounding set. Where the right was never
  // there, the limit alone is enough (and setpriv might not be allowed).
  std::vector<std::string> wrapper = {"/usr/bin/prlimit", "--rtprio=0:0", "--"};
  if (geteuid() == 0 && fifo_allowed()) {
    wrapper.insert(wrapper.end(), {"/usr/bin/setpriv", "--bounding-set=-sys_nice", "--"});
  }
  auto server = serve(wrapper);
  const auto ready = server->wait_for_line("controlroomd ready:", 30s);
  ASSERT_TRUE(ready) << log_text();
  const auto port = port_of(*ready);

  EXPECT_TRUE(fifo_priorities(server->pid()).empty());
  EXPECT_EQ(realtime_gauge(port), 0);
  EXPECT_EQ(http_request(port, "/healthz").status, 200u);

  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(30s), 0);
  const auto log = log_text();
  EXPECT_NE(log.find("realtime_priority 7: the network workers stay normally scheduled: "
                     "Operation not permitted (RLIMIT_RTPRIO is 0; grant CAP_SYS_NICE"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace controlroom::testing
