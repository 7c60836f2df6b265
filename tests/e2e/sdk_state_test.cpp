// The SDK's replica, intents and automatic resume against the real server:
// replicas converge byte for byte, submits come back with their versions,
// refusals leave the client usable, and a dropped connection resumes with the
// missed events (or a snapshot) and re-sends what was not acknowledged.
//
// Timing without sleeps: what must happen while a client is away is done
// from inside its on_connection_state(reconnecting) callback, which holds its
// network thread, so it cannot come back before the callback returns.

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "controlroom/controlroom.hpp"
#include "event_log.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

using namespace std::chrono_literals;

struct sdk_client {
  std::unique_ptr<controlroom::client> sdk;
  std::shared_ptr<event_log<event_info>> changes = std::make_shared<event_log<event_info>>();
  // The versions of changes again, for waiting without taking from `changes`.
  std::shared_ptr<event_log<std::uint64_t>> versions = std::make_shared<event_log<std::uint64_t>>();
  std::shared_ptr<event_log<connection_state>> states =
      std::make_shared<event_log<connection_state>>();
  std::shared_ptr<event_log<presence_event>> presence =
      std::make_shared<event_log<presence_event>>();
  std::shared_ptr<event_log<std::error_code>> disconnects =
      std::make_shared<event_log<std::error_code>>();
  // Runs (once) inside the reconnecting callback, on the client's network thread.
  std::shared_ptr<std::function<void()>> while_away = std::make_shared<std::function<void()>>();

  /// Waits until on_state_changed reported `version`.
  bool wait_version(std::uint64_t version) {
    return versions->wait_for([version](std::uint64_t v) { return v == version; }).has_value();
  }
  bool wait_state(connection_state s) {
    return states->wait_for([s](connection_state got) { return got == s; }).has_value();
  }
};

class sdk_state_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) { cfg.resume_window = 4; }};
  person ada = server.make_person("ada");  // engineer
  person bob = server.make_person("bob");  // producer
  std::string session_id;

  sdk_client make_client(const person& who, bool auto_reconnect = true,
                         std::chrono::milliseconds backoff = 20ms) {
    sdk_client c;
    client_config config{server.ws_url(), who.token};
    config.auto_reconnect = auto_reconnect;
    config.reconnect_initial_backoff = backoff;
    config.reconnect_max_backoff = std::max<std::chrono::milliseconds>(backoff, 200ms);
    c.sdk = std::make_unique<controlroom::client>(config);
    c.sdk->on_state_changed([log = c.changes, versions = c.versions](const event_info& e) {
      log->push(e);
      versions->push(e.version);
    });
    c.sdk->on_presence([log = c.presence](const presence_event& e) { log->push(e); });
    c.sdk->on_disconnected(
        [log = c.disconnects](std::error_code ec, const std::string&) { log->push(ec); });
    c.sdk->on_connection_state([log = c.states, away = c.while_away](connection_state s) {
      if (s == connection_state::reconnecting && *away) {
        auto task = std::exchange(*away, {});
        task();
      }
      log->push(s);
    });
    const auto st = c.sdk->connect();
    EXPECT_TRUE(st) << st.message();
    return c;
  }

  void SetUp() override {
    auto owner = make_client(ada);
    session_options options;
    options.title = "Album day 3";
    options.creator_roles = {role::engineer};
    options.invitees = {{bob.user.id, {role::producer}}};
    auto created = owner.sdk->create_session(options);
    ASSERT_TRUE(created) << created.message();
    session_id = created.value().id;
  }

  sdk_client joined(const person& who, bool auto_reconnect = true) {
    auto c = make_client(who, auto_reconnect);
    auto j = c.sdk->join(session_id);
    EXPECT_TRUE(j) << j.message();
    return c;
  }

  void sql(const std::string& statement) {
    pqxx::connection conn(server.database_url());
    pqxx::work tx(conn);
    tx.exec0(statement);
    tx.commit();
  }
};

std::uint64_t ok(const result<std::uint64_t>& r) {
  EXPECT_TRUE(r) << r.message();
  return r ? r.value() : 0;
}

TEST_F(sdk_state_e2e, joining_sets_the_replica_from_a_snapshot) {
  auto eng = joined(ada);
  const auto snapshot = eng.changes->wait_for([](const event_info& e) { return true; });
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->kind, "snapshot");
  EXPECT_EQ(snapshot->version, 0u);
  const auto state = eng.sdk->state();
  EXPECT_EQ(state.session_id, session_id);
  EXPECT_EQ(state.title, "Album day 3");
  EXPECT_EQ(state.transport.tempo_bpm, 120.0);
  EXPECT_EQ(state.transport.meter, (meter{4, 4}));
  ASSERT_EQ(state.members.size(), 2u);
  EXPECT_FALSE(eng.sdk->state_bytes().empty());
}

TEST_F(sdk_state_e2e, two_replicas_converge_on_what_both_submit) {
  auto eng = joined(ada);
  auto prod = joined(bob);

  const auto song = ok(prod.sdk->submit(add_song{"Lighthouse", std::nullopt}));
  ok(prod.sdk->submit(add_song{"Intro", 0}));
  const auto song_id = "s" + std::to_string(song);
  const auto marker = ok(prod.sdk->submit(add_marker{5'292'000, "pitchy on 'home'", ""}));
  const auto marker_id = "m" + std::to_string(marker);
  ok(prod.sdk->submit(add_comment{marker_id, "", "try a lower key"}));
  ok(prod.sdk->submit(update_marker{marker_id, std::nullopt, "pitchy", "#00ff00"}));
  ok(eng.sdk->submit(add_track{"Vox", "In 1"}));
  ok(eng.sdk->submit(select_song{song_id}));
  const auto take = ok(eng.sdk->submit(record{48'000}));
  const auto take_id = "tk" + std::to_string(take);
  ok(eng.sdk->submit(stop{480'000}));
  ok(prod.sdk->submit(rate_take{take_id, 4}));
  ok(prod.sdk->submit(circle_take{take_id, true}));
  ok(prod.sdk->submit(set_take_notes{take_id, "keeper"}));
  ok(prod.sdk->submit(pick_take{take_id}));
  ok(prod.sdk->submit(start_talkback{talkback_target::artist, true}));
  const auto last = ok(prod.sdk->submit(set_planned_start{1'900'000'000'000}));

  // The author's replica holds its change when submit() returns.
  EXPECT_GE(prod.sdk->state_version(), last);
  ASSERT_TRUE(eng.wait_version(last));
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());

  const auto state = eng.sdk->state();
  EXPECT_EQ(state.version, last);
  ASSERT_EQ(state.songs.size(), 2u);
  EXPECT_EQ(state.songs[0].title, "Intro");
  EXPECT_EQ(state.songs[1].title, "Lighthouse");
  EXPECT_EQ(state.songs[1].picked_take_id, take_id);
  const auto* m = state.find_marker(marker_id);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->position_samples, 5'292'000);
  EXPECT_EQ(m->label, "pitchy");
  EXPECT_EQ(m->color, "#00ff00");
  EXPECT_EQ(m->author_user_id, bob.user.id);
  ASSERT_EQ(state.comments.size(), 1u);
  EXPECT_EQ(state.comments[0].marker_id, marker_id);
  EXPECT_TRUE(state.comments[0].take_id.empty());
  EXPECT_EQ(state.comments[0].text, "try a lower key");
  ASSERT_EQ(state.tracks.size(), 1u);
  EXPECT_EQ(state.tracks[0].input_label, "In 1");
  const auto* t = state.find_take(take_id);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->song_id, song_id);
  EXPECT_EQ(t->number, 1u);
  EXPECT_EQ(t->start_samples, 48'000);
  EXPECT_EQ(t->end_samples, 480'000);
  EXPECT_FALSE(t->recording);
  EXPECT_EQ(t->rating, 4u);
  EXPECT_TRUE(t->circled);
  EXPECT_EQ(t->notes, "keeper");
  EXPECT_EQ(state.transport.mode, transport_mode::stopped);
  EXPECT_EQ(state.transport.position_samples, 480'000);
  ASSERT_EQ(state.talkback.size(), 1u);
  EXPECT_EQ(state.talkback[0], (talkback_channel{bob.user.id, talkback_target::artist, true}));
  EXPECT_EQ(state.planned_start_unix_ms, 1'900'000'000'000);
  EXPECT_EQ(state, prod.sdk->state());

  // Every event reached both callbacks, in order, with the author's operation.
  for (auto* c : {&eng, &prod}) {
    std::uint64_t seen = 0;
    while (auto e = c->changes->wait_for([](const event_info&) { return true; }, 0ms)) {
      if (e->kind == "snapshot")
        continue;
      EXPECT_EQ(e->version, seen == 0 ? 1 : seen + 1);
      seen = e->version;
    }
    EXPECT_EQ(seen, last);
  }
}

TEST_F(sdk_state_e2e, refusals_come_back_typed_and_the_client_stays_usable) {
  auto prod = make_client(bob);
  auto before_join = prod.sdk->submit(add_marker{0, "early", ""});
  EXPECT_EQ(before_join.error(), make_error_code(errc::not_joined));
  ASSERT_TRUE(prod.sdk->join(session_id));

  auto forbidden = prod.sdk->submit(add_track{"Vox", ""});
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error(), make_error_code(errc::forbidden)) << forbidden.message();
  auto missing = prod.sdk->submit(rate_take{"tk999", 3});
  EXPECT_EQ(missing.error(), make_error_code(errc::not_found)) << missing.message();
  auto both = prod.sdk->submit(add_comment{"m1", "tk1", "which?"});
  EXPECT_EQ(both.error(), make_error_code(errc::malformed)) << both.message();
  auto bad_tempo = prod.sdk->submit(set_tempo{});
  EXPECT_FALSE(bad_tempo);

  const auto v1 = ok(prod.sdk->submit(add_marker{100, "one", ""}));
  auto stale = prod.sdk->submit(add_marker{200, "two", ""}, v1 + 5);
  EXPECT_EQ(stale.error(), make_error_code(errc::stale_version)) << stale.message();
  const auto v2 = ok(prod.sdk->submit(add_marker{200, "two", ""}, v1));
  EXPECT_EQ(v2, v1 + 1);
  EXPECT_EQ(prod.sdk->state().markers.size(), 2u);
}

TEST_F(sdk_state_e2e, submit_async_completes_on_the_network_thread) {
  auto prod = joined(bob);
  // Shared with the callbacks: the network thread may still be inside push()
  // when the test has seen the event and ends.
  auto done = std::make_shared<event_log<std::pair<std::uint64_t, std::thread::id>>>();
  prod.sdk->submit_async(add_marker{1, "async", ""}, [done](result<std::uint64_t> r) {
    done->push({r ? r.value() : 0, std::this_thread::get_id()});
  });
  // A blocking call from a callback would deadlock; it refuses instead.
  auto refused = std::make_shared<std::atomic<int>>(0);
  prod.sdk->submit_async(add_marker{2, "nested", ""},
                         [done, refused, sdk = prod.sdk.get()](result<std::uint64_t>) {
                           const auto r = sdk->submit(add_marker{3, "x", ""});
                           *refused = r.error() == errc::wrong_thread ? 1 : 2;
                           done->push({0, std::this_thread::get_id()});
                         });
  const auto first = done->wait_for([](const auto&) { return true; });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->first, 1u);
  EXPECT_NE(first->second, std::this_thread::get_id());
  ASSERT_TRUE(done->wait_for([](const auto&) { return true; }));
  EXPECT_EQ(refused->load(), 1);
}

TEST_F(sdk_state_e2e, an_interrupted_client_resumes_with_the_events_it_missed) {
  auto eng = joined(ada);
  auto prod = joined(bob);
  const auto before = ok(prod.sdk->submit(add_marker{1, "before", ""}));
  ASSERT_TRUE(eng.wait_version(before));
  const auto old_id = eng.sdk->connection_id();

  std::uint64_t missed = 0;
  *eng.while_away = [&] {
    for (int i = 0; i < 3; ++i)
      missed = ok(prod.sdk->submit(add_marker{10 + i, "missed", ""}));
  };
  eng.sdk->interrupt();
  ASSERT_TRUE(eng.wait_state(connection_state::reconnecting));
  ASSERT_TRUE(eng.wait_state(connection_state::resumed));
  EXPECT_EQ(missed, before + 3);
  for (auto v = before + 1; v <= missed; ++v) {
    auto e = eng.changes->wait_for([v](const event_info& e) { return e.version == v; });
    ASSERT_TRUE(e) << v;
    EXPECT_EQ(e->kind, "add_marker");
    EXPECT_EQ(e->author_user_id, bob.user.id);
  }
  EXPECT_FALSE(eng.changes->wait_for(
      [](const event_info& e) { return e.kind == "snapshot" && e.version != 0; }, 0ms))
      << "within the resume window the replica is caught up by events, not replaced";
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());
  EXPECT_NE(eng.sdk->connection_id(), old_id);

  // The others saw the old connection go and the new one come.
  ASSERT_TRUE(prod.presence->wait_for([&](const presence_event& e) {
    return e.what == presence_event::change::left && e.who.id == old_id;
  }));
  ASSERT_TRUE(prod.presence->wait_for([&](const presence_event& e) {
    return e.what == presence_event::change::joined && e.who.id == eng.sdk->connection_id();
  }));
  // It told its own application the same, so a list kept from join() stays right.
  ASSERT_TRUE(eng.presence->wait_for([&](const presence_event& e) {
    return e.what == presence_event::change::joined && e.who.id == eng.sdk->connection_id();
  }));
  // And the client keeps working on the new connection.
  const auto after = ok(eng.sdk->submit(add_track{"Gtr", ""}));
  ASSERT_TRUE(prod.wait_version(after));
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());
}

TEST_F(sdk_state_e2e, a_client_far_behind_resumes_from_a_snapshot) {
  auto eng = joined(ada);
  auto prod = joined(bob);
  std::uint64_t last = 0;
  *eng.while_away = [&] {
    for (int i = 0; i < 10; ++i)  // more than the resume window of 4
      last = ok(prod.sdk->submit(add_marker{i, "far", ""}));
  };
  eng.sdk->interrupt();
  ASSERT_TRUE(eng.wait_state(connection_state::resumed));
  const auto snapshot =
      eng.changes->wait_for([](const event_info& e) { return e.kind == "snapshot" && e.version; });
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->version, last);
  EXPECT_EQ(eng.sdk->state().markers.size(), 10u);
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());
}

TEST_F(sdk_state_e2e, unacknowledged_intents_are_resent_and_applied_once) {
  auto eng = joined(ada);
  auto prod = joined(bob);
  // Submitted while away: queued, sent after the resume.
  auto queued = std::make_shared<event_log<result<std::uint64_t>>>();
  *prod.while_away = [&] {
    prod.sdk->submit_async(add_marker{7, "queued", ""},
                           [queued](result<std::uint64_t> r) { queued->push(r); });
  };
  // Sent, then the connection drops as its event arrives: the answer is lost
  // with the connection, the re-send is answered with the original version.
  auto dropped = std::make_shared<std::atomic<bool>>(false);
  prod.sdk->on_state_changed([dropped, sdk = prod.sdk.get()](const event_info& e) {
    if (e.kind == "add_marker" && !dropped->exchange(true))
      sdk->interrupt();
  });
  const auto sent = prod.sdk->submit(add_marker{5, "sent", ""});
  ASSERT_TRUE(sent) << sent.message();
  ASSERT_TRUE(prod.wait_state(connection_state::resumed));
  const auto later = queued->wait_for([](const auto&) { return true; });
  ASSERT_TRUE(later);
  ASSERT_TRUE(*later) << later->message();
  ASSERT_TRUE(eng.wait_version(later->value()));

  const auto state = eng.sdk->state();
  ASSERT_EQ(state.markers.size(), 2u) << "each intent applied exactly once";
  EXPECT_EQ(state.markers[0].id, "m" + std::to_string(sent.value()));
  EXPECT_EQ(state.markers[0].label, "sent");
  EXPECT_EQ(state.markers[1].id, "m" + std::to_string(later->value()));
  EXPECT_EQ(state.markers[1].label, "queued");
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());
}

TEST_F(sdk_state_e2e, a_refused_rejoin_ends_the_connection_for_good) {
  auto prod = joined(bob);
  auto pending = std::make_shared<event_log<result<std::uint64_t>>>();
  *prod.while_away = [&] {
    sql("DELETE FROM session_members WHERE user_id = '" + bob.user.id + "'");
    prod.sdk->submit_async(add_marker{1, "never", ""},
                           [pending](result<std::uint64_t> r) { pending->push(r); });
  };
  prod.sdk->interrupt();
  ASSERT_TRUE(prod.wait_state(connection_state::closed));
  const auto why = prod.disconnects->wait_for([](const std::error_code&) { return true; });
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, make_error_code(errc::forbidden));
  const auto failed = pending->wait_for([](const auto&) { return true; });
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->error(), make_error_code(errc::disconnected));
  EXPECT_EQ(prod.sdk->ping().error(), make_error_code(errc::not_connected));
}

TEST_F(sdk_state_e2e, a_revoked_token_stops_reconnecting) {
  auto prod = joined(bob);
  *prod.while_away = [&] {
    sql("UPDATE api_tokens SET revoked_at = now() WHERE user_id = '" + bob.user.id + "'");
  };
  prod.sdk->interrupt();
  ASSERT_TRUE(prod.wait_state(connection_state::closed));
  const auto why = prod.disconnects->wait_for([](const std::error_code&) { return true; });
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, make_error_code(errc::unauthenticated));
}

TEST_F(sdk_state_e2e, without_auto_reconnect_an_interrupt_is_final) {
  auto prod = joined(bob, false);
  prod.sdk->interrupt();
  const auto why = prod.disconnects->wait_for([](const std::error_code&) { return true; });
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, make_error_code(errc::disconnected));
  EXPECT_TRUE(prod.wait_state(connection_state::closed));
  EXPECT_EQ(prod.sdk->submit(add_marker{}).error(), make_error_code(errc::not_connected));
}

TEST_F(sdk_state_e2e, close_while_reconnecting_stops_and_fails_waiting_intents) {
  auto prod = joined(bob);
  auto pending = std::make_shared<event_log<result<std::uint64_t>>>();
  *prod.while_away = [&] {
    prod.sdk->submit_async(add_marker{1, "never", ""},
                           [pending](result<std::uint64_t> r) { pending->push(r); });
    // Completions run in submission order: this one, refused by the SDK at
    // once, closes the client after the first intent is waiting for the resume.
    prod.sdk->submit_async(add_comment{"m1", "tk1", "both"},
                           [&](result<std::uint64_t>) { prod.sdk->close(); });
  };
  prod.sdk->interrupt();
  ASSERT_TRUE(prod.wait_state(connection_state::closed));
  const auto failed = pending->wait_for([](const auto&) { return true; });
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->error(), make_error_code(errc::disconnected));
  EXPECT_FALSE(prod.states->wait_for(
      [](connection_state s) { return s == connection_state::resumed; }, 300ms));
  EXPECT_EQ(prod.disconnects->size(), 0u);
}

TEST_F(sdk_state_e2e, connect_while_reconnecting_starts_over_outside_the_session) {
  auto prod = make_client(bob, true, 60s);  // its own reconnect would come much later
  ASSERT_TRUE(prod.sdk->join(session_id));
  prod.sdk->interrupt();
  ASSERT_TRUE(prod.wait_state(connection_state::reconnecting));
  EXPECT_EQ(prod.sdk->ping().error(), make_error_code(errc::not_connected));
  const auto st = prod.sdk->connect();
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(prod.wait_state(connection_state::closed));
  EXPECT_TRUE(prod.wait_state(connection_state::connected));
  EXPECT_EQ(prod.sdk->submit(add_marker{}).error(), make_error_code(errc::not_joined));
  // The replica survives and resumes from where it was.
  ASSERT_TRUE(prod.sdk->join(session_id));
  EXPECT_TRUE(prod.sdk->ping());
}

TEST_F(sdk_state_e2e, a_client_may_be_destroyed_from_its_callback_while_catching_up) {
  auto eng = joined(ada);
  auto prod = joined(bob);
  *eng.while_away = [&] {
    for (int i = 0; i < 3; ++i)
      ok(prod.sdk->submit(add_marker{i, "missed", ""}));
  };
  auto destroyed = std::make_shared<event_log<int>>();
  eng.sdk->on_state_changed([&eng, destroyed](const event_info& e) {
    if (e.version == 1) {
      eng.sdk.reset();  // in the middle of applying the catch-up
      destroyed->push(1);
    }
  });
  eng.sdk->interrupt();
  ASSERT_TRUE(destroyed->wait_for([](int) { return true; }));
  // The session goes on for the others.
  EXPECT_TRUE(prod.sdk->submit(add_marker{9, "after", ""}));
}

TEST_F(sdk_state_e2e, leaving_and_rejoining_catches_up_from_the_replica) {
  auto eng = joined(ada);
  auto prod = joined(bob);
  ASSERT_TRUE(eng.sdk->leave());
  std::uint64_t last = 0;
  for (int i = 0; i < 3; ++i)
    last = ok(prod.sdk->submit(add_marker{i, "while out", ""}));
  ASSERT_TRUE(eng.sdk->join(session_id));
  EXPECT_EQ(eng.sdk->state_version(), last);
  EXPECT_TRUE(eng.wait_version(last));
  EXPECT_FALSE(eng.changes->wait_for(
      [](const event_info& e) { return e.kind == "snapshot" && e.version != 0; }, 0ms));
  EXPECT_EQ(eng.sdk->state_bytes(), prod.sdk->state_bytes());
}

}  // namespace
}  // namespace controlroom::testing
