// The network workers know themselves: current() names the worker whose
// thread calls, and nothing on any other thread (the test's, another
// pool's). (In the e2e binary because worker_pool is in the Asio-linked
// server library; it needs no database.)

#include "net/worker_pool.hpp"

#include <future>
#include <optional>

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

std::optional<std::size_t> current_on(worker_pool& asked, worker_pool& runner, std::size_t index) {
  std::promise<std::optional<std::size_t>> seen;
  runner.post(index, [&] { seen.set_value(asked.current()); });
  return seen.get_future().get();
}

TEST(worker_pool, current_names_the_calling_worker_of_this_pool_only) {
  worker_pool pool(3);
  worker_pool other(2);
  pool.start();
  other.start();
  EXPECT_EQ(pool.current(), std::nullopt) << "the test's own thread";
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(current_on(pool, pool, i), i);
  }
  EXPECT_EQ(current_on(pool, other, 1), std::nullopt) << "another pool's worker";
  EXPECT_EQ(current_on(other, other, 1), 1u);
}

}  // namespace
}  // namespace controlroom::server
