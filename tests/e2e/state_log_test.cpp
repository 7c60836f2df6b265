// The authoritative session log over the wire: intents become durable events
// before anyone hears of them, retries apply once, a restart loses nothing,
// and a returning replica gets exactly what it missed.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using google::protobuf::util::MessageDifferencer;

v1::ClientEnvelope join_request(const std::string& session_id, bool has_replica = false,
                                std::uint64_t known = 0) {
  v1::ClientEnvelope env;
  env.mutable_join_session()->set_session_id(session_id);
  env.mutable_join_session()->set_has_replica(has_replica);
  env.mutable_join_session()->set_known_version(known);
  return env;
}

v1::ClientEnvelope add_marker(const std::string& op, std::int64_t position,
                              const std::string& label = "chorus") {
  v1::ClientEnvelope env;
  auto* submit = env.mutable_submit_intent();
  submit->set_operation_id(op);
  submit->mutable_intent()->mutable_add_marker()->set_position_samples(position);
  submit->mutable_intent()->mutable_add_marker()->set_label(label);
  return env;
}

class state_log_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) { cfg.resume_window = 8; }};
  person engineer = server.make_person("ada");
  person producer = server.make_person("bob");
  person listener = server.make_person("cy");
  std::string session_id;

  void SetUp() override {
    raw_ws owner(server.port());
    owner.handshake(engineer.token);
    v1::ClientEnvelope create;
    auto* c = create.mutable_create_session();
    c->set_title("Day 3");
    c->add_creator_roles(v1::ROLE_ENGINEER);
    auto* p = c->add_invitees();
    p->set_user_id(producer.user.id);
    p->add_roles(v1::ROLE_PRODUCER);
    auto* l = c->add_invitees();
    l->set_user_id(listener.user.id);
    l->add_roles(v1::ROLE_LISTENER);
    const auto reply = owner.request(create);
    ASSERT_TRUE(reply.has_session_created()) << reply.DebugString();
    session_id = reply.session_created().session().id();
  }

  std::unique_ptr<raw_ws> joined(const person& who, v1::Joined* out = nullptr,
                                 bool has_replica = false, std::uint64_t known = 0) {
    auto ws = std::make_unique<raw_ws>(server.port());
    ws->handshake(who.token);
    const auto reply = ws->request(join_request(session_id, has_replica, known));
    EXPECT_TRUE(reply.has_joined()) << reply.DebugString();
    if (out != nullptr) {
      *out = reply.joined();
    }
    return ws;
  }

  std::int64_t rows_in_log() {
    pqxx::connection conn(server.database_url());
    pqxx::read_transaction tx(conn);
    return tx
        .exec1("SELECT count(*) FROM session_events WHERE session_id = " + tx.quote(session_id))[0]
        .as<std::int64_t>();
  }
};

TEST_F(state_log_e2e, an_accepted_intent_is_durable_and_reaches_everyone) {
  v1::Joined first;
  auto eng = joined(engineer, &first);
  ASSERT_TRUE(first.has_snapshot());
  EXPECT_EQ(first.snapshot().title(), "Day 3");
  EXPECT_EQ(first.version(), 0u);
  auto prod = joined(producer);

  const auto accepted = prod->request(add_marker("op-1", 48000));
  ASSERT_TRUE(accepted.has_intent_accepted()) << accepted.DebugString();
  EXPECT_EQ(accepted.intent_accepted().version(), 1u);
  // Acknowledged means committed: the row is there the moment we look.
  EXPECT_EQ(rows_in_log(), 1);

  for (auto* ws : {eng.get(), prod.get()}) {
    v1::ServerEnvelope event;
    do {
      event = ws->next_event();
    } while (!event.has_session_event());
    EXPECT_EQ(event.session_event().event().version(), 1u);
    EXPECT_EQ(event.session_event().event().author_user_id(), producer.user.id);
    EXPECT_EQ(event.session_event().event().intent().add_marker().position_samples(), 48000);
  }
}

TEST_F(state_log_e2e, a_retried_operation_is_applied_once_even_after_reconnecting) {
  auto prod = joined(producer);
  const auto first = prod->request(add_marker("op-same", 100));
  ASSERT_TRUE(first.has_intent_accepted());
  const auto again = prod->request(add_marker("op-same", 100));
  ASSERT_TRUE(again.has_intent_accepted()) << again.DebugString();
  EXPECT_EQ(again.intent_accepted().version(), first.intent_accepted().version());
  prod.reset();

  auto back = joined(producer);
  const auto after_reconnect = back->request(add_marker("op-same", 100));
  ASSERT_TRUE(after_reconnect.has_intent_accepted());
  EXPECT_EQ(after_reconnect.intent_accepted().version(), first.intent_accepted().version());
  EXPECT_EQ(rows_in_log(), 1);
}

TEST_F(state_log_e2e, a_restart_brings_back_the_same_state_and_keeps_exactly_once) {
  v1::Joined before;
  {
    auto prod = joined(producer);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          prod->request(add_marker("op-" + std::to_string(i), i * 1000)).has_intent_accepted());
    }
    auto eng = joined(engineer, &before);
  }
  server.restart();
  v1::Joined after;
  auto prod = joined(producer, &after);
  ASSERT_TRUE(after.has_snapshot());
  EXPECT_EQ(after.version(), 20u);
  EXPECT_TRUE(MessageDifferencer::Equals(before.snapshot(), after.snapshot()))
      << before.snapshot().DebugString() << "\nvs\n"
      << after.snapshot().DebugString();
  const auto retried = prod->request(add_marker("op-7", 7000));
  ASSERT_TRUE(retried.has_intent_accepted());
  EXPECT_EQ(retried.intent_accepted().version(), 8u);
  EXPECT_EQ(rows_in_log(), 20);
}

TEST_F(state_log_e2e, a_returning_replica_gets_exactly_the_missed_events_or_a_snapshot) {
  auto prod = joined(producer);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(prod->request(add_marker("a" + std::to_string(i), i)).has_intent_accepted());
  }
  v1::Joined resumed;
  auto eng = joined(engineer, &resumed, true, 3);
  EXPECT_FALSE(resumed.has_snapshot());
  ASSERT_EQ(resumed.missed_events_size(), 2);
  EXPECT_EQ(resumed.missed_events(0).version(), 4u);
  EXPECT_EQ(resumed.missed_events(1).version(), 5u);
  EXPECT_EQ(resumed.version(), 5u);
  eng.reset();

  v1::Joined current;
  eng = joined(engineer, &current, true, 5);
  EXPECT_FALSE(current.has_snapshot());
  EXPECT_EQ(current.missed_events_size(), 0);
  eng.reset();

  for (int i = 5; i < 20; ++i) {  // more than the resume window of 8
    ASSERT_TRUE(prod->request(add_marker("a" + std::to_string(i), i)).has_intent_accepted());
  }
  v1::Joined far;
  eng = joined(engineer, &far, true, 2);
  ASSERT_TRUE(far.has_snapshot());
  EXPECT_EQ(far.snapshot().version(), 20u);
  EXPECT_EQ(far.snapshot().markers_size(), 20);
  EXPECT_EQ(far.missed_events_size(), 0);
}

TEST_F(state_log_e2e, refusals_are_structured_and_leave_the_connection_usable) {
  auto lis = joined(listener);
  auto refused = lis->request(add_marker("l1", 5));
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);

  auto prod = joined(producer);
  v1::ClientEnvelope rate;
  rate.mutable_submit_intent()->set_operation_id("r1");
  rate.mutable_submit_intent()->mutable_intent()->mutable_rate_take()->set_take_id("tk999");
  rate.mutable_submit_intent()->mutable_intent()->mutable_rate_take()->set_rating(4);
  auto missing = prod->request(rate);
  ASSERT_TRUE(missing.has_error());
  EXPECT_EQ(missing.error().code(), v1::ERROR_CODE_NOT_FOUND);

  auto stale = add_marker("s1", 1);
  stale.mutable_submit_intent()->set_expected_version(42);
  auto stale_reply = prod->request(stale);
  ASSERT_TRUE(stale_reply.has_error());
  EXPECT_EQ(stale_reply.error().code(), v1::ERROR_CODE_STALE_VERSION);

  v1::ClientEnvelope empty;
  empty.mutable_submit_intent()->set_operation_id("e1");
  auto malformed = prod->request(empty);
  ASSERT_TRUE(malformed.has_error());
  EXPECT_EQ(malformed.error().code(), v1::ERROR_CODE_MALFORMED);

  auto fresh = add_marker("s2", 1);
  fresh.mutable_submit_intent()->set_expected_version(0);
  EXPECT_TRUE(prod->request(fresh).has_intent_accepted());
  EXPECT_EQ(rows_in_log(), 1);
}

TEST_F(state_log_e2e, intents_need_a_joined_session) {
  raw_ws ws(server.port());
  ws.handshake(producer.token);
  const auto reply = ws.request(add_marker("x", 1));
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST_F(state_log_e2e, a_talker_who_disconnects_is_cut_off) {
  auto eng = joined(engineer);
  {
    auto prod = joined(producer);
    v1::ClientEnvelope talk;
    talk.mutable_submit_intent()->set_operation_id("t1");
    auto* start = talk.mutable_submit_intent()->mutable_intent()->mutable_start_talkback();
    start->set_target(v1::TALKBACK_TARGET_EVERYONE);
    start->set_latched(true);
    ASSERT_TRUE(prod->request(talk).has_intent_accepted());
  }
  // The engineer sees the talkback start, then the server's stop.
  bool stopped = false;
  for (int i = 0; i < 10 && !stopped; ++i) {
    const auto event = eng->next_event();
    if (event.has_session_event() && event.session_event().event().intent().has_stop_talkback()) {
      EXPECT_EQ(event.session_event().event().author_user_id(), "");
      EXPECT_EQ(event.session_event().event().intent().stop_talkback().user_id(), producer.user.id);
      stopped = true;
    }
  }
  EXPECT_TRUE(stopped);
}

TEST_F(state_log_e2e, http_serves_the_replayed_state_and_the_log_to_members) {
  auto prod = joined(producer);
  ASSERT_TRUE(prod->request(add_marker("h1", 480, "verse")).has_intent_accepted());
  const auto base = "/api/v1/sessions/" + session_id;
  EXPECT_EQ(http_request(server.port(), base + "/state").status, 401u);
  const auto outsider = server.make_person("dee");
  EXPECT_EQ(http_request(server.port(), base + "/state", "GET", outsider.token).status, 403u);
  const auto state = http_request(server.port(), base + "/state", "GET", producer.token);
  EXPECT_EQ(state.status, 200u) << state.body;
  EXPECT_NE(state.body.find("\"verse\""), std::string::npos) << state.body;
  EXPECT_NE(state.body.find("\"version\":\"1\""), std::string::npos) << state.body;
  const auto log = http_request(server.port(), base + "/events?after=0", "GET", producer.token);
  EXPECT_EQ(log.status, 200u);
  EXPECT_NE(log.body.find("\"operation_id\":\"h1\""), std::string::npos) << log.body;
  const auto none = http_request(server.port(), base + "/events?after=1", "GET", producer.token);
  EXPECT_EQ(none.body, "{\"events\":[]}");
  EXPECT_EQ(
      http_request(server.port(), "/api/v1/sessions/nope/state", "GET", producer.token).status,
      404u);
}

}  // namespace
}  // namespace controlroom::testing
