// Connections that name their session in the upgrade (`?session=`, protocol
// §1) are served on the network worker that owns that session, over ws://
// and wss://, and work there like any other; a hint that is not an id is
// ignored; the SDK names the session when it rejoins.
//
// The server runs two workers and nothing else connects during a test: the
// listener deals consecutive connections to the workers in turn, so of two
// consecutive connections exactly one is accepted away from the session's
// worker and handed over (controlroom_connections_moved_total).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "event_log.hpp"
#include "metrics/registry.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using namespace std::chrono_literals;

struct member {
  std::unique_ptr<controlroom::client> sdk;
  std::shared_ptr<event_log<std::uint64_t>> versions = std::make_shared<event_log<std::uint64_t>>();
  std::shared_ptr<event_log<connection_state>> states =
      std::make_shared<event_log<connection_state>>();

  bool saw_version(std::uint64_t version) {
    return versions->wait_for([version](std::uint64_t v) { return v == version; }).has_value();
  }
  /// Takes the next report of `s` (each is taken once).
  bool reached(connection_state s) {
    return states->wait_for([s](connection_state got) { return got == s; }).has_value();
  }
};

// Parameter: over TLS (wss://) or not.
class session_placement_e2e : public ::testing::TestWithParam<bool> {
 protected:
  scratch_dir dir;
  certificate cert = make_certificate(dir, "server", "IP:127.0.0.1");
  test_server server{[this](server::config& cfg) {
    cfg.workers = 2;
    if (GetParam()) {
      cfg.tls_cert_file = cert.cert_file;
      cfg.tls_key_file = cert.key_file;
    }
  }};
  person ada = server.make_person("ada");
  std::string session_id;

  std::unique_ptr<member> connect(const std::string& query = {}) {
    client_config config{std::string(GetParam() ? "wss" : "ws") + "://127.0.0.1:" +
                             std::to_string(server.port()) + "/v1/control" + query,
                         ada.token};
    config.ca_file = cert.cert_file;
    config.reconnect_initial_backoff = 20ms;
    auto m = std::make_unique<member>();
    m->sdk = std::make_unique<controlroom::client>(config);
    m->sdk->on_state_changed([log = m->versions](const event_info& e) { log->push(e.version); });
    m->sdk->on_connection_state([log = m->states](connection_state s) { log->push(s); });
    const auto connected = m->sdk->connect();
    EXPECT_TRUE(connected) << connected.message();
    return m;
  }

  /// The first member: creates the session and joins it, naming nothing.
  std::unique_ptr<member> creator() {
    auto m = connect();
    session_options options;
    options.title = "Placement";
    options.creator_roles = {role::engineer, role::producer};
    const auto created = m->sdk->create_session(options);
    EXPECT_TRUE(created) << created.message();
    session_id = created ? created.value().id : "";
    const auto joined = m->sdk->join(session_id);
    EXPECT_TRUE(joined) << joined.message();
    return m;
  }

  std::unique_ptr<member> joiner(const std::string& query) {
    auto m = connect(query);
    const auto joined = m->sdk->join(session_id);
    EXPECT_TRUE(joined) << joined.message();
    return m;
  }

  std::uint64_t moved() {
    const auto text = server.instance().metrics().render();
    const std::string name = "\ncontrolroom_connections_moved_total ";
    const auto at = text.find(name);
    EXPECT_NE(at, std::string::npos);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size()));
  }
};

TEST_P(session_placement_e2e, connections_naming_their_session_are_handed_to_its_worker_and_work) {
  auto first = creator();
  const auto before = moved();
  std::vector<std::unique_ptr<member>> hinted;
  for (int i = 0; i < 4; ++i) {
    hinted.push_back(joiner("?session=" + session_id));
  }
  EXPECT_EQ(moved() - before, 2u) << "two of four consecutive connections were accepted elsewhere";

  // Every connection, handed over or not, submits and hears everyone.
  std::vector<std::uint64_t> versions;
  for (int i = 0; i < 4; ++i) {
    const auto v =
        hinted[i]->sdk->submit(add_marker{48'000 * (i + 1), "m" + std::to_string(i), ""});
    ASSERT_TRUE(v) << v.message();
    versions.push_back(v.value());
  }
  hinted.push_back(std::move(first));
  for (const auto& m : hinted) {
    for (const auto v : versions) {
      EXPECT_TRUE(m->saw_version(v)) << "version " << v;
    }
  }
}

TEST_P(session_placement_e2e, a_hint_that_is_not_an_id_is_ignored) {
  auto first = creator();
  const auto before = moved();
  auto a = joiner("?session=not%20an%20id");
  auto b = joiner("?session=not%20an%20id");
  EXPECT_EQ(moved(), before) << "neither connection was handed over";
  const auto v = b->sdk->submit(add_marker{48'000, "heard", ""});
  ASSERT_TRUE(v) << v.message();
  EXPECT_TRUE(a->saw_version(v.value()));
}

TEST_P(session_placement_e2e, the_sdk_names_the_session_when_it_rejoins) {
  auto m = creator();
  const auto before = moved();
  for (int i = 0; i < 2; ++i) {
    m->sdk->interrupt();
    ASSERT_TRUE(m->reached(connection_state::resumed)) << "rejoin " << i;
  }
  EXPECT_EQ(moved() - before, 1u) << "one of the two reconnections was accepted elsewhere";
  const auto v = m->sdk->submit(add_marker{48'000, "after", ""});
  ASSERT_TRUE(v) << v.message();
}

INSTANTIATE_TEST_SUITE_P(ws_and_wss, session_placement_e2e, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "wss" : "ws"; });

}  // namespace
}  // namespace controlroom::testing
