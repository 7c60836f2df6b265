// Where sessions are placed over the network workers: new sessions fill the
// workers in order up to `fill`, then go to the least loaded; a placed
// session stays put until released, and a claim never places it twice.

#include "session/session_placement.hpp"

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

TEST(session_placement, fills_the_first_worker_before_using_the_next) {
  session_placement p(3, 10);
  EXPECT_EQ(p.choose(), 0u);
  EXPECT_EQ(p.claim("a", p.choose()), 0u);
  p.adjust(0, 4);  // "a" has five participants
  EXPECT_EQ(p.load(0), 5);
  EXPECT_EQ(p.claim("b", p.choose()), 0u) << "worker 0 is under its fill";
  p.adjust(0, 4);
  EXPECT_EQ(p.load(0), 10);
  EXPECT_EQ(p.choose(), 1u) << "worker 0 is full";
  EXPECT_EQ(p.claim("c", p.choose()), 1u);
  p.adjust(1, 9);
  EXPECT_EQ(p.choose(), 2u);
  p.adjust(2, 12);
  EXPECT_EQ(p.choose(), 0u) << "all full: the least loaded (ties: the first)";
  p.adjust(0, 3);
  EXPECT_EQ(p.choose(), 1u);
}

TEST(session_placement, zero_fill_spreads_over_the_least_loaded) {
  session_placement p(2, 0);
  EXPECT_EQ(p.claim("a", p.choose()), 0u);
  EXPECT_EQ(p.claim("b", p.choose()), 1u);
  p.adjust(1, 2);
  EXPECT_EQ(p.claim("c", p.choose()), 0u);
  EXPECT_EQ(p.claim("d", p.choose()), 0u) << "worker 0 has 2, worker 1 has 3";
  EXPECT_EQ(p.choose(), 0u) << "a tie goes to the first";
  p.adjust(0, 1);
  EXPECT_EQ(p.choose(), 1u);
}

TEST(session_placement, a_session_is_placed_once_and_stays_until_released) {
  session_placement p(2, 0);
  EXPECT_EQ(p.find("a"), std::nullopt);
  EXPECT_EQ(p.claim("a", 1), 1u);
  EXPECT_EQ(p.claim("a", 0), 1u) << "a second claim finds the first";
  EXPECT_EQ(p.load(0), 0);
  EXPECT_EQ(p.load(1), 1);
  EXPECT_EQ(p.find("a"), 1u);
  EXPECT_EQ(p.owner_of("a"), 1u);
  p.release("a", 0);
  EXPECT_EQ(p.find("a"), 1u) << "only its own worker releases it";
  p.release("a", 1);
  EXPECT_EQ(p.find("a"), std::nullopt);
  EXPECT_EQ(p.load(1), 0);
  EXPECT_EQ(p.owner_of("a"), 0u) << "unplaced: where a new session would go";
}

TEST(session_placement, needs_a_worker) {
  EXPECT_THROW(session_placement(0, 1), std::invalid_argument);
}

// Two workers race to place the same sessions, as two joins posted to
// different workers do; each worker, like room_directory, loads a session
// only where claim() says it is and releases only its own. No session is
// ever loaded on both, and every load returns to zero.
TEST(session_placement, racing_claims_place_each_session_once) {
  session_placement p(2, 3);
  constexpr int sessions = 16;
  std::array<std::atomic<int>, sessions> loaded_on{};  // bit w: loaded on worker w
  std::atomic<bool> twice{false};
  auto worker = [&](std::size_t self) {
    for (int round = 0; round < 2000; ++round) {
      const int s = (round * 7 + static_cast<int>(self) * 3) % sessions;
      const auto id = std::to_string(s);
      if (p.claim(id, self) != self) {
        continue;  // placed on the other worker: the join would be forwarded there
      }
      const int before = loaded_on[s].fetch_or(1 << self);
      if ((before & ~(1 << self)) != 0) {
        twice = true;
      }
      p.adjust(self, 2);  // two people join, then leave
      p.adjust(self, -2);
      loaded_on[s].fetch_and(~(1 << self));
      p.release(id, self);
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  EXPECT_FALSE(twice) << "a session was loaded on both workers at once";
  EXPECT_EQ(p.load(0), 0);
  EXPECT_EQ(p.load(1), 0);
  for (int s = 0; s < sessions; ++s) {
    EXPECT_EQ(p.find(std::to_string(s)), std::nullopt);
  }
}

}  // namespace
}  // namespace controlroom::server
