// Open connections in all and per client address: who is admitted, who gets
// a refusal, and that closing gives the place back.

#include "net/connection_limits.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

using verdict = connection_limits::verdict;

TEST(connection_limits, an_address_at_its_maximum_is_refused_while_others_are_admitted) {
  connection_limits limits(100, 2);
  auto a1 = limits.admit("10.0.0.1");
  auto a2 = limits.admit("10.0.0.1");
  EXPECT_EQ(a1.result, verdict::admitted);
  EXPECT_EQ(a2.result, verdict::admitted);
  auto a3 = limits.admit("10.0.0.1");
  EXPECT_EQ(a3.result, verdict::over_address);
  EXPECT_EQ(limits.admit("10.0.0.2").result, verdict::admitted);
  EXPECT_EQ(limits.open_from("10.0.0.1"), 2u);
  // The refused one holds a place in the total while its refusal is sent,
  // never one of its address.
  EXPECT_EQ(limits.open_total(), 3u);
  a3.place.release();
  EXPECT_EQ(limits.open_total(), 2u);
}

TEST(connection_limits, closing_a_connection_gives_its_place_back) {
  connection_limits limits(100, 1);
  {
    auto first = limits.admit("10.0.0.1");
    ASSERT_EQ(first.result, verdict::admitted);
    EXPECT_EQ(limits.admit("10.0.0.1").result, verdict::over_address);
  }
  EXPECT_EQ(limits.open_from("10.0.0.1"), 0u);
  EXPECT_EQ(limits.open_total(), 0u);
  EXPECT_EQ(limits.admit("10.0.0.1").result, verdict::admitted);
}

TEST(connection_limits, past_the_total_a_connection_gets_no_place_at_all) {
  connection_limits limits(2, 0);
  auto a = limits.admit("10.0.0.1");
  auto b = limits.admit("10.0.0.2");
  auto c = limits.admit("10.0.0.3");
  EXPECT_EQ(c.result, verdict::over_total);
  EXPECT_EQ(limits.open_total(), 2u);
  c.place.release();  // holds nothing: a no-op
  EXPECT_EQ(limits.open_total(), 2u);
  b.place.release();
  EXPECT_EQ(limits.admit("10.0.0.3").result, verdict::admitted);
}

TEST(connection_limits, zero_means_no_limit) {
  connection_limits limits(0, 0);
  std::vector<connection_limits::slot> places;
  for (int i = 0; i < 1000; ++i) {
    auto admission = limits.admit("10.0.0.1");
    ASSERT_EQ(admission.result, verdict::admitted);
    places.push_back(std::move(admission.place));
  }
  EXPECT_EQ(limits.open_from("10.0.0.1"), 1000u);
}

TEST(connection_limits, a_moved_slot_releases_once) {
  connection_limits limits(10, 10);
  auto admission = limits.admit("10.0.0.1");
  connection_limits::slot moved = std::move(admission.place);
  connection_limits::slot assigned;
  assigned = std::move(moved);
  EXPECT_EQ(limits.open_total(), 1u);
  moved.release();
  admission.place.release();
  EXPECT_EQ(limits.open_total(), 1u);
  assigned.release();
  assigned.release();
  EXPECT_EQ(limits.open_total(), 0u);
}

TEST(connection_limits, a_slot_may_outlive_the_limits_that_gave_it) {
  connection_limits::slot kept;
  {
    connection_limits limits(10, 10);
    kept = std::move(limits.admit("10.0.0.1").place);
  }
  kept.release();  // must not touch freed memory (ASan would say)
}

TEST(connection_limits, releases_from_other_threads_are_counted_exactly) {
  connection_limits limits(0, 0);
  std::vector<connection_limits::slot> places;
  for (int i = 0; i < 4000; ++i) {
    places.push_back(std::move(limits.admit(i % 2 ? "10.0.0.1" : "10.0.0.2").place));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&places, t] {
      for (std::size_t i = t; i < places.size(); i += 4) {
        places[i].release();
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(limits.open_total(), 0u);
  EXPECT_EQ(limits.open_from("10.0.0.1"), 0u);
}

}  // namespace
}  // namespace controlroom::server
