// The SDK over wss:// against the real server with a throwaway certificate
// (trusted, untrusted, for another name, unchecked), and the SDK following a
// MOVED redirect and a GoAway between two nodes on one database.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "event_log.hpp"
#include "metrics/registry.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using namespace std::chrono_literals;

// Engineer and producer, so that the creator may place markers.
session_options studio_session(std::string title) {
  session_options o;
  o.title = std::move(title);
  o.creator_roles = {role::engineer, role::producer};
  return o;
}

add_marker marker(std::string label) {
  add_marker m;
  m.position_samples = 48000;
  m.label = std::move(label);
  return m;
}

client_config config_for(std::string url, std::string token) {
  client_config c;
  c.url = std::move(url);
  c.token = std::move(token);
  return c;
}

std::string wss_url(std::string host, std::uint16_t port) {
  return "wss://" + host + ":" + std::to_string(port) + "/v1/control";
}

std::uint64_t tls_failures(test_server& server) {
  const auto text = server.instance().metrics().render();
  const std::string name = "controlroom_tls_handshake_failures_total ";
  const auto at = text.find("\n" + name);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + 1 + name.size()));
}

// The server counts a failed handshake when it notices the client gave up,
// which may be after connect() has returned on the client's side.
bool wait_tls_failures(test_server& server, std::uint64_t at_least) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (tls_failures(server) < at_least) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class sdk_tls_e2e : public ::testing::Test {
 protected:
  scratch_dir dir;
  certificate good = make_certificate(dir, "good", "IP:127.0.0.1,DNS:localhost");
  certificate stranger = make_certificate(dir, "stranger", "IP:127.0.0.1,DNS:localhost");
  test_server server{[this](server::config& cfg) {
    cfg.tls_cert_file = good.cert_file;
    cfg.tls_key_file = good.key_file;
  }};
  person ada = server.make_person("ada");

  client_config config(std::string host = "127.0.0.1") {
    auto c = config_for(wss_url(std::move(host), server.port()), ada.token);
    c.connect_timeout = 3s;
    c.request_timeout = 3s;
    return c;
  }
};

TEST_F(sdk_tls_e2e, connects_with_the_right_ca_file_and_works) {
  auto c = config();
  c.ca_file = good.cert_file;
  controlroom::client sdk(c);
  const auto connected = sdk.connect();
  ASSERT_TRUE(connected) << connected.message();
  auto created = sdk.create_session(studio_session("Over TLS"));
  ASSERT_TRUE(created) << created.message();
  auto joined = sdk.join(created.value().id);
  ASSERT_TRUE(joined) << joined.message();
  auto version = sdk.submit(marker("verse"));
  ASSERT_TRUE(version) << version.message();
  EXPECT_EQ(sdk.state_version(), version.value());
  EXPECT_EQ(tls_failures(server), 0u);

  // The name in the URL is checked too, not only the address.
  auto by_name = config("localhost");
  by_name.ca_file = good.cert_file;
  controlroom::client named(by_name);
  const auto named_connected = named.connect();
  EXPECT_TRUE(named_connected) << named_connected.message();
}

TEST_F(sdk_tls_e2e, refuses_a_certificate_it_does_not_trust) {
  auto c = config();
  c.ca_file = stranger.cert_file;
  controlroom::client sdk(c);
  const auto refused = sdk.connect();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::handshake_failed);
  EXPECT_NE(refused.message().find("certificate"), std::string::npos) << refused.message();
  EXPECT_TRUE(wait_tls_failures(server, 1)) << "server counted " << tls_failures(server);

  // The system store does not know a throwaway CA either.
  controlroom::client no_ca(config());
  const auto also_refused = no_ca.connect();
  ASSERT_FALSE(also_refused);
  EXPECT_EQ(also_refused.error(), errc::handshake_failed) << also_refused.message();
  EXPECT_TRUE(wait_tls_failures(server, 2)) << "server counted " << tls_failures(server);
}

TEST_F(sdk_tls_e2e, refuses_a_certificate_for_another_host) {
  const auto elsewhere = make_certificate(dir, "elsewhere", "DNS:studio.example");
  test_server other([&](server::config& cfg) {
    cfg.tls_cert_file = elsewhere.cert_file;
    cfg.tls_key_file = elsewhere.key_file;
  });
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto c = config_for(wss_url(host, other.port()), ada.token);
    c.ca_file = elsewhere.cert_file;
    controlroom::client sdk(c);
    const auto refused = sdk.connect();
    ASSERT_FALSE(refused) << host;
    EXPECT_EQ(refused.error(), errc::handshake_failed) << host;
    EXPECT_NE(refused.message().find("mismatch"), std::string::npos) << refused.message();
  }
}

TEST_F(sdk_tls_e2e, insecure_skip_verify_connects_to_any_certificate) {
  auto c = config();
  c.insecure_skip_verify = true;
  controlroom::client sdk(c);
  const auto connected = sdk.connect();
  EXPECT_TRUE(connected) << connected.message();
  EXPECT_TRUE(sdk.ping()) << "the connection does not carry requests";
}

TEST_F(sdk_tls_e2e, an_unreadable_ca_file_is_reported) {
  auto c = config();
  c.ca_file = dir.path() + "/missing.pem";
  controlroom::client sdk(c);
  const auto refused = sdk.connect();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::handshake_failed);
  EXPECT_NE(refused.message().find("ca_file"), std::string::npos) << refused.message();
}

// ---- Several nodes ------------------------------------------------------------

class sdk_redirect_e2e : public ::testing::Test {
 protected:
  static void quick_drain(server::config& cfg) { cfg.drain_timeout = 3s; }
  test_server a{quick_drain};
  test_server b{a.database_url(), quick_drain};
  person ada = a.make_person("ada", true);

  std::unique_ptr<controlroom::client> connect_to(test_server& node) {
    auto c = config_for(node.ws_url(), ada.token);
    c.reconnect_initial_backoff = 20ms;
    c.reconnect_max_backoff = 200ms;
    auto sdk = std::make_unique<controlroom::client>(c);
    const auto connected = sdk->connect();
    EXPECT_TRUE(connected) << connected.message();
    return sdk;
  }
};

TEST_F(sdk_redirect_e2e, a_join_at_the_wrong_node_ends_up_joined_at_the_owner) {
  auto first = connect_to(a);
  auto created = first->create_session(studio_session("Two nodes"));
  ASSERT_TRUE(created) << created.message();
  ASSERT_TRUE(first->join(created.value().id));  // node a owns the session now

  auto second = connect_to(b);
  const auto before = second->connection_id();
  auto joined = second->join(created.value().id);
  ASSERT_TRUE(joined) << joined.message();
  EXPECT_NE(second->connection_id(), before) << "still on the first connection";
  // Presence is per live session, which only its owner hosts: both are there.
  EXPECT_EQ(joined.value().participants.size(), 2u);
  auto version = second->submit(marker("moved"));
  ASSERT_TRUE(version) << version.message();
}

TEST_F(sdk_redirect_e2e, a_draining_node_sends_the_client_to_the_other_one) {
  auto sdk = connect_to(a);
  auto states = std::make_shared<event_log<connection_state>>();
  sdk->on_connection_state([states](connection_state s) { states->push(s); });
  auto created = sdk->create_session(studio_session("Drained"));
  ASSERT_TRUE(created) << created.message();
  ASSERT_TRUE(sdk->join(created.value().id));

  // Only the GoAway names b: reconnecting to a's URL would fail for good.
  a.stop();
  ASSERT_TRUE(
      states->wait_for([](connection_state s) { return s == connection_state::resumed; }, 15s))
      << "never resumed at the other node";
  auto version = sdk->submit(marker("after drain"));
  ASSERT_TRUE(version) << version.message();
}

}  // namespace
}  // namespace controlroom::testing
