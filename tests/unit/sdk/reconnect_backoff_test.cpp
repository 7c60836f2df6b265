#include "reconnect_backoff.hpp"

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

using std::chrono::milliseconds;

TEST(reconnect_backoff, doubles_up_to_the_maximum) {
  reconnect_backoff b(milliseconds(100), milliseconds(5000), 1);
  EXPECT_EQ(b.nominal(0), milliseconds(100));
  EXPECT_EQ(b.nominal(1), milliseconds(200));
  EXPECT_EQ(b.nominal(5), milliseconds(3200));
  EXPECT_EQ(b.nominal(6), milliseconds(5000));
  EXPECT_EQ(b.nominal(1000), milliseconds(5000));
}

TEST(reconnect_backoff, each_delay_lies_in_the_upper_half_of_its_nominal_delay) {
  reconnect_backoff b(milliseconds(100), milliseconds(5000), 42);
  for (unsigned attempt = 0; attempt < 200; ++attempt) {
    const auto nominal = b.nominal(attempt);
    const auto delay = b.next();
    EXPECT_GE(delay, nominal / 2) << attempt;
    EXPECT_LE(delay, nominal) << attempt;
  }
}

TEST(reconnect_backoff, jitter_spreads_clients_dropped_together) {
  reconnect_backoff a(milliseconds(1000), milliseconds(1000), 1);
  reconnect_backoff b(milliseconds(1000), milliseconds(1000), 2);
  int different = 0;
  for (int i = 0; i < 20; ++i)
    different += a.next() != b.next() ? 1 : 0;
  EXPECT_GT(different, 10);
}

TEST(reconnect_backoff, reset_starts_over) {
  reconnect_backoff b(milliseconds(100), milliseconds(5000), 7);
  for (int i = 0; i < 10; ++i)
    (void)b.next();
  b.reset();
  EXPECT_LE(b.next(), milliseconds(100));
}

TEST(reconnect_backoff, odd_configurations_stay_sane) {
  reconnect_backoff zero(milliseconds(0), milliseconds(0), 1);
  EXPECT_EQ(zero.next(), milliseconds(0));
  EXPECT_EQ(zero.next(), milliseconds(0));
  reconnect_backoff inverted(milliseconds(300), milliseconds(100), 1);
  EXPECT_EQ(inverted.nominal(3), milliseconds(300));
  reconnect_backoff negative(milliseconds(-5), milliseconds(100), 1);
  EXPECT_EQ(negative.nominal(0), milliseconds(0));
}

}  // namespace
}  // namespace controlroom::detail
