// worker_fill: new sessions go to the first network worker until its load
// (participants, a session nobody is in yet counting one) reaches the fill,
// then to the next; a session stays where it was placed, and its load
// leaves with its people. Seen through /metrics
// (controlroom_worker_load{worker}), over real connections.
//
// Each check follows a submit from a participant of the session it looks
// at: the submit is handled on that session's worker after the join's
// bookkeeping, so the gauge is settled when the submit is answered.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "metrics/registry.hpp"
#include "prometheus_text.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

class worker_fill_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) {
    cfg.workers = 2;
    cfg.worker_fill = 3;
  }};
  person ada = server.make_person("ada");

  std::unique_ptr<controlroom::client> connect() {
    auto c = std::make_unique<controlroom::client>(client_config{
        "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/control", ada.token});
    const auto connected = c->connect();
    EXPECT_TRUE(connected) << connected.message();
    return c;
  }

  std::string create(controlroom::client& c, const std::string& title) {
    session_options options;
    options.title = title;
    options.creator_roles = {role::engineer, role::producer};
    const auto created = c.create_session(options);
    EXPECT_TRUE(created) << created.message();
    return created ? created.value().id : "";
  }

  /// Joins and then submits, so the join's bookkeeping is done (see above).
  void join(controlroom::client& c, const std::string& session_id) {
    const auto joined = c.join(session_id);
    ASSERT_TRUE(joined) << joined.message();
    settle(c);
  }
  void settle(controlroom::client& c) {
    const auto v = c.submit(add_marker{48'000, "settle", ""});
    ASSERT_TRUE(v) << v.message();
  }

  std::vector<double> loads() {
    const auto families = parse_prometheus(server.instance().metrics().render());
    std::vector<double> out(2, -1);
    const auto it = families.find("controlroom_worker_load");
    EXPECT_NE(it, families.end());
    if (it != families.end()) {
      for (const auto& s : it->second.samples) {
        out.at(std::stoul(s.labels.at("worker"))) = s.value;
      }
    }
    return out;
  }
};

TEST_F(worker_fill_e2e, sessions_fill_the_first_worker_then_the_next) {
  EXPECT_EQ(loads(), (std::vector<double>{0, 0}));

  // Three people in session A: worker 0 reaches the fill.
  std::vector<std::unique_ptr<controlroom::client>> a;
  for (int i = 0; i < 3; ++i) {
    a.push_back(connect());
  }
  const auto a_id = create(*a[0], "A");
  for (auto& c : a) {
    join(*c, a_id);
  }
  EXPECT_EQ(loads(), (std::vector<double>{3, 0})) << "one session, on the first worker";

  // Session B goes to the next worker.
  auto b = connect();
  const auto b_id = create(*b, "B");
  join(*b, b_id);
  EXPECT_EQ(loads(), (std::vector<double>{3, 1}));

  // A fourth person in A stays with A, past the fill.
  a.push_back(connect());
  join(*a.back(), a_id);
  EXPECT_EQ(loads(), (std::vector<double>{4, 1})) << "a session stays where it was placed";

  // B empties and is dropped: its worker's load goes with it. Then the
  // people of A leave one by one; the last leave drops A.
  ASSERT_TRUE(b->leave());
  settle(*a[0]);
  EXPECT_EQ(loads(), (std::vector<double>{4, 0}));
  ASSERT_TRUE(a[3]->leave());
  settle(*a[0]);
  EXPECT_EQ(loads(), (std::vector<double>{3, 0}));
  for (std::size_t i = 1; i < 3; ++i) {
    ASSERT_TRUE(a[i]->leave());
  }
  settle(*a[0]);
  EXPECT_EQ(loads(), (std::vector<double>{1, 0}));

  // With both workers under the fill again, a new session C goes first.
  auto c = connect();
  const auto c_id = create(*c, "C");
  join(*c, c_id);
  EXPECT_EQ(loads(), (std::vector<double>{2, 0}));
}

}  // namespace
}  // namespace controlroom::testing
