#include "replica.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

const std::string session = "5e0c0000-0000-0000-0000-000000000001";

v1::SessionState initial(std::uint64_t version = 0) {
  v1::SessionState s;
  s.set_session_id(session);
  s.set_version(version);
  s.set_title("Day 3");
  s.mutable_transport()->set_tempo_bpm(120);
  return s;
}

v1::Event marker_event(std::uint64_t version, const std::string& label) {
  v1::Event e;
  e.set_version(version);
  e.set_operation_id("op-" + std::to_string(version));
  e.set_author_user_id("u-pia");
  e.set_at_unix_ms(1718000000000 + static_cast<std::int64_t>(version));
  auto* m = e.mutable_intent()->mutable_add_marker();
  m->set_position_samples(static_cast<std::int64_t>(version) * 1000);
  m->set_label(label);
  m->set_color("#ffcc00");
  return e;
}

v1::SessionEvent live(std::uint64_t version, const std::string& for_session = session) {
  v1::SessionEvent e;
  e.set_session_id(for_session);
  *e.mutable_event() = marker_event(version, "live");
  return e;
}

v1::Joined with_snapshot(const v1::SessionState& state) {
  v1::Joined j;
  j.mutable_session()->set_id(state.session_id());
  *j.mutable_snapshot() = state;
  j.set_version(state.version());
  return j;
}

v1::Joined with_events(std::uint64_t from, std::uint64_t to) {
  v1::Joined j;
  j.mutable_session()->set_id(session);
  for (auto v = from; v <= to; ++v)
    *j.add_missed_events() = marker_event(v, "missed");
  j.set_version(to);
  return j;
}

struct recorder {
  std::vector<event_info> seen;
  std::function<bool(const event_info&)> fn() {
    return [this](const event_info& e) {
      seen.push_back(e);
      return true;
    };
  }
};

TEST(replica, starts_empty_and_asks_for_a_snapshot) {
  replica r;
  EXPECT_EQ(r.version(), 0u);
  EXPECT_EQ(r.bytes(), "");
  EXPECT_FALSE(r.resume_from(session).has_replica);
  EXPECT_EQ(r.copy(), session_state{});
}

TEST(replica, a_snapshot_replaces_it_and_is_reported_once) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial(7)), rec.fn()));
  ASSERT_EQ(rec.seen.size(), 1u);
  EXPECT_EQ(rec.seen[0].kind, "snapshot");
  EXPECT_EQ(rec.seen[0].version, 7u);
  EXPECT_EQ(r.version(), 7u);
  EXPECT_EQ(r.copy().title, "Day 3");
  const auto resume = r.resume_from(session);
  EXPECT_TRUE(resume.has_replica);
  EXPECT_EQ(resume.known_version, 7u);
  EXPECT_FALSE(r.resume_from("another-session").has_replica);
}

TEST(replica, live_events_apply_in_order_through_the_shared_reducer) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  auto applied = r.apply(live(1));
  ASSERT_TRUE(applied) << applied.message();
  EXPECT_EQ(applied.value(), (event_info{1, "op-1", "u-pia", 1718000000001, "add_marker"}));
  ASSERT_TRUE(r.apply(live(2)));
  const auto state = r.copy();
  EXPECT_EQ(state.version, 2u);
  ASSERT_EQ(state.markers.size(), 2u);
  // Ids come from the event's version, authors from the event.
  EXPECT_EQ(state.markers[0], (marker{"m1", 1000, "live", "#ffcc00", "u-pia"}));
  EXPECT_EQ(state.markers[1].id, "m2");
}

TEST(replica, a_gap_or_a_repeat_is_refused_and_changes_nothing) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  ASSERT_TRUE(r.apply(live(1)));
  const auto before = r.bytes();
  for (std::uint64_t v : {3u, 1u, 0u}) {
    auto refused = r.apply(live(v));
    ASSERT_FALSE(refused) << v;
    EXPECT_EQ(refused.error(), make_error_code(errc::protocol_error));
    EXPECT_EQ(r.bytes(), before);
  }
  // Still consistent, so a resume may start from it.
  EXPECT_TRUE(r.resume_from(session).has_replica);
  EXPECT_EQ(r.resume_from(session).known_version, 1u);
  EXPECT_TRUE(r.apply(live(2)));
}

TEST(replica, an_event_for_another_session_is_refused) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  auto refused = r.apply(live(1, "another-session"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("another-session"), std::string::npos);
  EXPECT_EQ(r.version(), 0u);
}

TEST(replica, an_unknown_change_means_it_needs_a_snapshot) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  auto from_newer_server = live(1);
  from_newer_server.mutable_event()->mutable_intent()->Clear();
  ASSERT_FALSE(r.apply(from_newer_server));
  EXPECT_EQ(r.version(), 0u);
  EXPECT_FALSE(r.resume_from(session).has_replica);
  EXPECT_FALSE(r.apply(live(1))) << "no events on top of a replica that could not follow";
}

TEST(replica, missed_events_continue_the_replica_one_report_each) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  ASSERT_TRUE(r.apply(live(1)));
  ASSERT_TRUE(r.catch_up(with_events(2, 4), rec.fn()));
  ASSERT_EQ(rec.seen.size(), 4u);
  EXPECT_EQ(rec.seen[1].version, 2u);
  EXPECT_EQ(rec.seen[3].version, 4u);
  EXPECT_EQ(rec.seen[3].kind, "add_marker");
  EXPECT_EQ(r.version(), 4u);
  EXPECT_EQ(r.copy().markers.size(), 4u);
  // A rejoin at the current version brings no events and no reports.
  ASSERT_TRUE(r.catch_up(with_events(5, 4), rec.fn()));
  EXPECT_EQ(rec.seen.size(), 4u);
}

TEST(replica, missed_events_that_do_not_continue_it_are_a_protocol_error) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  auto gap = r.catch_up(with_events(2, 3), rec.fn());
  EXPECT_EQ(gap.error(), make_error_code(errc::protocol_error));
  EXPECT_EQ(r.version(), 0u);
  auto short_of_version = with_events(1, 2);
  short_of_version.set_version(5);
  EXPECT_FALSE(r.catch_up(short_of_version, rec.fn()));
}

TEST(replica, missed_events_without_a_replica_of_that_session_are_a_protocol_error) {
  replica r;
  recorder rec;
  EXPECT_FALSE(r.catch_up(with_events(1, 2), rec.fn()));
  EXPECT_TRUE(rec.seen.empty());
}

TEST(replica, a_snapshot_that_does_not_match_the_reply_is_refused) {
  replica r;
  recorder rec;
  auto joined = with_snapshot(initial(3));
  joined.set_version(4);
  EXPECT_FALSE(r.catch_up(joined, rec.fn()));
  EXPECT_TRUE(rec.seen.empty());
}

TEST(replica, catching_up_stops_when_told_to) {
  replica r;
  recorder rec;
  ASSERT_TRUE(r.catch_up(with_snapshot(initial()), rec.fn()));
  int calls = 0;
  ASSERT_TRUE(r.catch_up(with_events(1, 5), [&](const event_info&) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.version(), 2u);
}

TEST(replica, bytes_are_the_deterministic_serialization_and_equal_for_equal_histories) {
  replica a;
  replica b;
  recorder rec;
  ASSERT_TRUE(a.catch_up(with_snapshot(initial()), rec.fn()));
  for (std::uint64_t v = 1; v <= 3; ++v)
    ASSERT_TRUE(a.apply(live(v)));
  // b joins later and catches up from a snapshot of a's state.
  v1::SessionState at3;
  ASSERT_TRUE(at3.ParseFromString(a.bytes()));
  ASSERT_TRUE(b.catch_up(with_snapshot(at3), rec.fn()));
  EXPECT_EQ(a.bytes(), b.bytes());
  ASSERT_TRUE(a.apply(live(4)));
  EXPECT_NE(a.bytes(), b.bytes());
  ASSERT_TRUE(b.apply(live(4)));
  EXPECT_EQ(a.bytes(), b.bytes());
  EXPECT_EQ(a.copy(), b.copy());
}

}  // namespace
}  // namespace controlroom::detail
