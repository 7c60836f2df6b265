// The randomized convergence test of the session log: several SDK clients
// submit random intents (valid and not) while their connections are cut at
// random. At the end every replica equals the server's state and a replay of
// the database log, and every acknowledged intent is in the log exactly once.

#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "controlroom/controlroom.hpp"
#include "controlroom/state/reducer.hpp"
#include "event_log.hpp"
#include "raw_clients.hpp"
#include "store/event_repository.hpp"
#include "store/statements.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;

// A random intent for `who`: mostly plausible, sometimes referring to things
// that do not exist or that the sender may not do. Every marker and comment
// carries a unique label so that the log shows how often each was applied.
controlroom::intent random_intent(std::mt19937& rng, const std::string& tag,
                                  const controlroom::session_state& seen) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto any_id = [&](const auto& items, const char* fallback) -> std::string {
    if (items.empty() || pick(5) == 0) {
      return fallback;
    }
    return items[static_cast<std::size_t>(pick(static_cast<int>(items.size())))].id;
  };
  switch (pick(12)) {
    case 0:
      return controlroom::add_song{"song " + tag, std::nullopt};
    case 1:
      return controlroom::select_song{any_id(seen.songs, "s999999")};
    case 2:
      return controlroom::record{pick(48000 * 60)};
    case 3:
      return controlroom::stop{48000 * 60 + pick(48000)};
    case 4:
      return controlroom::play{pick(48000 * 60)};
    case 5:
      return controlroom::rate_take{any_id(seen.takes, "tk999999"),
                                    static_cast<std::uint32_t>(pick(6))};
    case 6:
      return controlroom::pick_take{any_id(seen.takes, "tk999999")};
    case 7:
      return controlroom::add_comment{any_id(seen.markers, "m999999"), "", "comment " + tag};
    case 8:
      return controlroom::remove_marker{any_id(seen.markers, "m999999")};
    case 9:
      return controlroom::start_talkback{controlroom::talkback_target::everyone, pick(2) == 0};
    case 10:
      return controlroom::stop_talkback{""};
    default:
      return controlroom::add_marker{pick(48000 * 300), "marker " + tag, ""};
  }
}

struct participant_run {
  person who;
  std::vector<controlroom::role> roles;
  std::unique_ptr<controlroom::client> sdk;
  std::vector<std::uint64_t> acknowledged;  // versions of accepted submits
};

// What the database says the session is: the latest snapshot plus every
// event after it, applied with the same reducer the replicas use.
v1::SessionState replay_from_database(const std::string& url, const std::string& session_id) {
  pqxx::connection conn(url);
  server::prepare_statements(conn);
  pqxx::read_transaction tx(conn);
  auto stored = server::event_repository::load(tx, session_id);
  for (const auto& event : stored.events) {
    state::apply(stored.snapshot, event);
  }
  return stored.snapshot;
}

TEST(convergence_e2e, replicas_converge_under_random_intents_and_disconnects) {
  test_server server([](server::config& cfg) {
    cfg.resume_window = 16;  // both resume paths: missed events and snapshots
    cfg.snapshot_every = 40;
  });
  std::vector<participant_run> runs;
  runs.push_back({server.make_person("ada"), {controlroom::role::engineer}, nullptr, {}});
  runs.push_back({server.make_person("bob"), {controlroom::role::producer}, nullptr, {}});
  runs.push_back({server.make_person("cy"), {controlroom::role::artist}, nullptr, {}});
  runs.push_back({server.make_person("dee"),
                  {controlroom::role::engineer, controlroom::role::producer},
                  nullptr,
                  {}});

  for (auto& r : runs) {
    controlroom::client_config cfg{server.ws_url(), r.who.token};
    cfg.request_timeout = std::chrono::seconds(20);
    r.sdk = std::make_unique<controlroom::client>(cfg);
    ASSERT_TRUE(r.sdk->connect());
  }
  controlroom::session_options options;
  options.title = "Convergence";
  options.creator_roles = runs[0].roles;
  for (std::size_t i = 1; i < runs.size(); ++i) {
    options.invitees.push_back({runs[i].who.user.id, runs[i].roles});
  }
  const auto session = runs[0].sdk->create_session(options);
  ASSERT_TRUE(session) << session.message();
  for (auto& r : runs) {
    ASSERT_TRUE(r.sdk->join(session.value().id)) << r.who.user.name;
  }

  constexpr int steps = 120;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    threads.emplace_back([&, i] {
      auto& r = runs[i];
      std::mt19937 rng(1234 + static_cast<unsigned>(i));
      for (int step = 0; step < steps; ++step) {
        if (rng() % 12 == 0) {
          r.sdk->interrupt();  // a network blip; the SDK resumes by itself
        }
        const auto tag = r.who.user.name + "-" + std::to_string(step);
        const auto result = r.sdk->submit(random_intent(rng, tag, r.sdk->state()));
        if (result) {
          r.acknowledged.push_back(result.value());
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }

  // Quiesce: every replica reaches the server's version.
  raw_ws probe(server.port());
  probe.handshake(runs[0].who.token);
  v1::ClientEnvelope join;
  join.mutable_join_session()->set_session_id(session.value().id);
  const auto fresh = probe.request(join);
  ASSERT_TRUE(fresh.has_joined() && fresh.joined().has_snapshot()) << fresh.DebugString();
  const auto& server_state = fresh.joined().snapshot();
  for (auto& r : runs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (r.sdk->state_version() < server_state.version() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    EXPECT_EQ(r.sdk->state_version(), server_state.version()) << r.who.user.name;
  }

  const auto replayed = replay_from_database(server.database_url(), session.value().id);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(replayed, server_state));
  const auto server_bytes = server_state.SerializeAsString();
  EXPECT_EQ(replayed.SerializeAsString(), server_bytes);
  for (auto& r : runs) {
    EXPECT_EQ(r.sdk->state_bytes(), server_bytes) << r.who.user.name << "'s replica differs";
  }

  // Every acknowledged intent is in the log exactly once, by its author; no
  // labelled intent was applied twice, resent or not.
  pqxx::connection conn(server.database_url());
  pqxx::read_transaction tx(conn);
  std::map<std::uint64_t, v1::Event> log;
  std::map<std::string, int> labels;
  for (const auto& row : tx.exec("SELECT event FROM session_events WHERE session_id = " +
                                 tx.quote(session.value().id))) {
    const pqxx::binarystring bytes(row[0]);
    v1::Event event;
    ASSERT_TRUE(event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    const auto& intent = event.intent();
    if (intent.has_add_marker()) {
      ++labels[intent.add_marker().label()];
    } else if (intent.has_add_comment()) {
      ++labels[intent.add_comment().text()];
    } else if (intent.has_add_song()) {
      ++labels[intent.add_song().title()];
    }
    EXPECT_TRUE(log.emplace(event.version(), event).second);
  }
  std::size_t acknowledged = 0;
  for (auto& r : runs) {
    for (auto version : r.acknowledged) {
      ++acknowledged;
      const auto it = log.find(version);
      ASSERT_NE(it, log.end()) << "acknowledged version " << version << " is not in the log";
      EXPECT_EQ(it->second.author_user_id(), r.who.user.id);
    }
  }
  for (const auto& [label, count] : labels) {
    EXPECT_EQ(count, 1) << label << " applied " << count << " times";
  }
  EXPECT_GT(acknowledged, 50u) << "the random walk accepted too little to prove anything";
  ::testing::Test::RecordProperty("acknowledged", static_cast<int>(acknowledged));
  ::testing::Test::RecordProperty("log_length", static_cast<int>(log.size()));
  std::cout << "convergence: " << acknowledged << " acknowledged of " << runs.size() * steps
            << " submitted, log length " << log.size() << ", final version "
            << server_state.version() << "\n";
  // Versions are contiguous from 1: nothing lost in between.
  std::uint64_t expected = 1;
  for (const auto& [version, event] : log) {
    EXPECT_EQ(version, expected++);
  }
}

}  // namespace
}  // namespace controlroom::testing
