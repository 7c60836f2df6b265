// The named limits over real sockets (docs/protocol.md §1, "Limits and
// closes"): a flooding connection is refused and then closed while the rest
// of its session is served, connections past the per-address limit are
// refused with a 429 while the open ones keep working, and every trip is
// counted in controlroom_limit_exceeded_total.

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "prometheus_text.hpp"
#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;

// One series of a scrape; 0 when the series is absent.
double metric(std::uint16_t port, const std::string& family, const std::string& label,
              const std::string& value) {
  const auto scrape = http_request(port, "/metrics");
  if (scrape.status != 200) {
    throw std::runtime_error("/metrics answered " + std::to_string(scrape.status));
  }
  const auto families = parse_prometheus(scrape.body);
  const auto it = families.find(family);
  if (it == families.end()) {
    return 0;
  }
  for (const auto& sample : it->second.samples) {
    const auto l = sample.labels.find(label);
    if (l != sample.labels.end() && l->second == value) {
      return sample.value;
    }
  }
  return 0;
}

double limit_exceeded(std::uint16_t port, const std::string& limit) {
  return metric(port, "controlroom_limit_exceeded_total", "limit", limit);
}

// limit_exceeded(), scraped again while the scrape itself is refused (its
// connection over a limit too) until `deadline`; nullopt if it never got in.
std::optional<double> limit_exceeded_once_in(std::uint16_t port, const std::string& limit,
                                             std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    try {
      return limit_exceeded(port, limit);
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() > deadline) {
        return std::nullopt;
      }
    }
  }
}

v1::ClientEnvelope add_track(const std::string& operation_id) {
  v1::ClientEnvelope env;
  env.mutable_submit_intent()->set_operation_id(operation_id);
  env.mutable_submit_intent()->mutable_intent()->mutable_add_track()->set_name(operation_id);
  return env;
}

v1::ClientEnvelope ping(std::uint64_t id) {
  v1::ClientEnvelope env;
  env.set_request_id(id);
  env.mutable_ping()->set_client_time_us(id);
  return env;
}

class request_rate_e2e : public ::testing::Test {
 protected:
  // 5 requests/s with a burst of 10: a person clicking never notices, a loop
  // does at once. 20 refusals in a row close the connection.
  test_server server{[](server::config& cfg) {
    cfg.max_requests_per_second = 5;
    cfg.request_burst = 10;
    cfg.rate_limit_close_after = 20;
  }};
  person eddie = server.make_person("eddie");
  person pia = server.make_person("pia");

  std::string create_session(raw_ws& ws) {
    v1::ClientEnvelope create;
    create.mutable_create_session()->set_title("Rate");
    auto* invitee = create.mutable_create_session()->add_invitees();
    invitee->set_user_id(pia.user.id);
    invitee->add_roles(v1::ROLE_ENGINEER);
    const auto reply = ws.request(create);
    if (!reply.has_session_created()) {
      throw std::runtime_error(reply.DebugString());
    }
    return reply.session_created().session().id();
  }
  static void join(raw_ws& ws, const std::string& session_id) {
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(session_id);
    const auto reply = ws.request(join);
    if (!reply.has_joined()) {
      throw std::runtime_error(reply.DebugString());
    }
  }
};

TEST_F(request_rate_e2e, a_flooding_client_is_refused_then_closed_while_its_session_is_served) {
  raw_ws flooder(server.port());
  flooder.handshake(eddie.token);
  const auto session_id = create_session(flooder);
  join(flooder, session_id);
  raw_ws steady(server.port());
  steady.handshake(pia.token);
  join(steady, session_id);

  // Far more intents than the budget, pipelined without waiting.
  constexpr std::uint64_t flood = 200;
  for (std::uint64_t i = 1; i <= flood; ++i) {
    auto env = add_track("flood-" + std::to_string(i));
    env.set_request_id(1000 + i);
    flooder.send(env);
  }
  // The other participant is served meanwhile: its budget is its own.
  const auto during = steady.request(add_track("steady-during"));
  ASSERT_TRUE(during.has_intent_accepted()) << during.DebugString();

  std::set<std::string> accepted;
  std::set<std::string> refused;
  std::uint64_t last_answered = 0;  // the highest request id answered
  for (;;) {
    const auto message = flooder.receive();
    if (!message) {
      break;
    }
    last_answered = std::max(last_answered, message->request_id());
    if (message->has_intent_accepted()) {
      accepted.insert(message->intent_accepted().operation_id());
    } else if (message->has_error()) {
      ASSERT_EQ(message->error().code(), v1::ERROR_CODE_RATE_LIMITED) << message->DebugString();
      ASSERT_GE(message->request_id(), 1001u);
      EXPECT_GT(message->error().retry_after_ms(), 0u);
      EXPECT_LE(message->error().retry_after_ms(), 200u);  // one token at 5/s
      refused.insert("flood-" + std::to_string(message->request_id() - 1000));
    }
  }
  EXPECT_EQ(flooder.close_code(), 1008);  // policy violation
  EXPECT_EQ(flooder.close_reason(), "rate_limited");
  EXPECT_GE(refused.size(), 20u);
  EXPECT_LT(last_answered, 1000 + flood) << "frames after the close are not served";

  // Still served after the flooder is gone.
  const auto after = steady.request(add_track("steady-after"));
  ASSERT_TRUE(after.has_intent_accepted()) << after.DebugString();
  EXPECT_TRUE(steady.request(ping(0)).has_pong());

  // Nothing refused was applied, nor anything sent after the close. An
  // accepted intent whose commit ends after the close began is applied
  // without an IntentAccepted (the client resumes and re-submits it, §6.4):
  // hence no equality with `accepted`.
  const auto state =
      http_request(server.port(), "/api/v1/sessions/" + session_id + "/state", "GET", pia.token);
  ASSERT_EQ(state.status, 200u) << state.body;
  const auto json = boost::json::parse(state.body).as_object();
  std::set<std::string> tracks;
  for (const auto& t : json.at("tracks").as_array()) {
    tracks.insert(std::string(t.as_object().at("name").as_string()));
  }
  EXPECT_TRUE(tracks.contains("steady-during") && tracks.contains("steady-after"));
  EXPECT_TRUE(std::any_of(tracks.begin(), tracks.end(), [](const std::string& t) {
    return t.starts_with("flood-");
  })) << "the burst is served";
  for (const auto& op : accepted) {
    EXPECT_TRUE(tracks.contains(op)) << op << " was acknowledged but is not in the state";
  }
  for (const auto& name : tracks) {
    EXPECT_FALSE(refused.contains(name)) << name << " was refused but applied";
    if (name.starts_with("flood-")) {
      EXPECT_LE(std::stoull(name.substr(6)) + 1000, last_answered) << name << " after the close";
    }
  }

  EXPECT_EQ(limit_exceeded(server.port(), "request_rate"), static_cast<double>(refused.size()));
  // The server counts the close when its side of the close handshake ends,
  // which may be just after the client's: poll (each scrape a round trip).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metric(server.port(), "controlroom_connections_closed_total", "reason", "rate_limited") <
         1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the close was not counted";
  }
}

TEST_F(request_rate_e2e, a_client_that_waits_as_told_is_served_again) {
  raw_ws ws(server.port());
  ws.handshake(eddie.token);  // 2 of the 10
  std::uint64_t id = 1;
  for (; id <= 8; ++id) {
    ASSERT_TRUE(ws.request(ping(id)).has_pong()) << id;
  }
  const auto refused = ws.request(ping(id++));
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_RATE_LIMITED);
  // Waiting is the behaviour under test here, not a synchronization: the
  // hint must be enough (one token at 5/s: at most 200 ms).
  const auto wait = std::chrono::milliseconds(refused.error().retry_after_ms());
  ASSERT_GT(wait.count(), 0);
  ASSERT_LE(wait.count(), 200);
  std::this_thread::sleep_for(wait);
  const auto reply = ws.request(ping(id++));
  EXPECT_TRUE(reply.has_pong()) << reply.DebugString();
}

class connection_limit_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) { cfg.max_connections_per_address = 3; }};
  person ada = server.make_person("ada");
};

// The Upgrade request a WebSocket client sends.
http_result upgrade_request(std::uint16_t port) {
  return http_request(port, "/v1/control", "GET", {},
                      {{"Connection", "Upgrade"},
                       {"Upgrade", "websocket"},
                       {"Sec-WebSocket-Version", "13"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
}

TEST_F(connection_limit_e2e,
       connections_past_the_per_address_limit_are_refused_the_open_ones_work) {
  const auto refused_before = limit_exceeded(server.port(), "connections_per_address");
  std::vector<std::unique_ptr<raw_ws>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<raw_ws>(server.port()));
    open.back()->handshake(ada.token);
  }

  const auto upgrade = upgrade_request(server.port());
  EXPECT_EQ(upgrade.status, 429u) << upgrade.body;
  EXPECT_NE(upgrade.body.find("\"too_many_connections\""), std::string::npos) << upgrade.body;
  EXPECT_NE(upgrade.body.find("max_connections_per_address"), std::string::npos);
  EXPECT_EQ(upgrade.headers.at("retry-after"), "1");
  const auto plain = http_request(server.port(), "/healthz");
  EXPECT_EQ(plain.status, 429u);
  controlroom::client sdk(client_config{server.ws_url(), ada.token});
  const auto connected = sdk.connect();
  EXPECT_FALSE(connected);
  EXPECT_EQ(connected.error(), errc::handshake_failed) << connected.message();

  for (std::size_t i = 0; i < open.size(); ++i) {
    const auto reply = open[i]->request(ping(0));
    EXPECT_TRUE(reply.has_pong()) << "connection " << i << ": " << reply.DebugString();
  }

  // A closed connection gives its place back: a new one gets in once the
  // server has seen the close (each attempt is a real round trip).
  open.pop_back();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  http_result health;
  do {
    health = http_request(server.port(), "/healthz");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  } while (health.status == 429);
  EXPECT_EQ(health.status, 200u);
  // The scrape is a connection too: let the rest go, then count.
  open.clear();
  const auto refused = limit_exceeded_once_in(server.port(), "connections_per_address", deadline);
  ASSERT_TRUE(refused) << "/metrics stayed refused";
  EXPECT_GE(*refused - refused_before, 3);
}

// What a TCP client past max_connections sees: accepted by the kernel, then
// closed by the server before a byte is read or written. Returns the bytes
// the server sent (none expected) once the connection ended.
std::string answer_to_raw_request(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  timeval timeout{10, 0};  // a server that kept it open would fail the test, not hang it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);  // may fail once it is closed
  std::string got;
  char buffer[512];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      got.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    const bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    ::close(fd);
    if (timed_out) {
      throw std::runtime_error("the server kept the connection open");
    }
    return got;  // EOF or reset: the server closed it
  }
}

TEST(connection_total_limit_e2e, connections_past_max_connections_are_dropped_unanswered) {
  test_server server{[](server::config& cfg) {
    cfg.max_connections = 2;
    cfg.max_connections_per_address = 0;  // only the total counts here
  }};
  const auto ada = server.make_person("ada");
  std::vector<std::unique_ptr<raw_ws>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<raw_ws>(server.port()));
    open.back()->handshake(ada.token);
  }

  EXPECT_EQ(answer_to_raw_request(server.port()), "") << "no refusal page: it would cost what "
                                                         "the limit protects";
  EXPECT_EQ(answer_to_raw_request(server.port()), "");
  for (std::size_t i = 0; i < open.size(); ++i) {
    const auto reply = open[i]->request(ping(0));
    EXPECT_TRUE(reply.has_pong()) << "connection " << i << ": " << reply.DebugString();
  }

  // A closed connection gives its place back; the scrape then gets in
  // (each attempt a real round trip) and has counted both drops.
  open.pop_back();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  const auto dropped = limit_exceeded_once_in(server.port(), "connections", deadline);
  ASSERT_TRUE(dropped) << "no connection got in again";
  EXPECT_GE(*dropped, 2);
  const auto reply = open.front()->request(ping(0));
  EXPECT_TRUE(reply.has_pong()) << reply.DebugString();
}

}  // namespace
}  // namespace controlroom::testing
