#include "controlroom/media/clock_estimator.hpp"

#include <cmath>
#include <cstdlib>

#include <gtest/gtest.h>

#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

// Exponentially distributed queueing delay with the given mean.
std::int64_t queueing(test::rng& rng, double mean_us) {
  return static_cast<std::int64_t>(-mean_us * std::log(1.0 - rng.uniform()));
}

struct path {
  std::int64_t forward_us;  // client -> server, fixed part
  std::int64_t backward_us;
  double forward_jitter_us;  // mean queueing
  double backward_jitter_us;
};

// The server clock runs at (1 + skew) of the client's, offset by `offset`.
struct clocks {
  std::int64_t offset_us;
  double skew = 0;
  std::int64_t server_at(std::int64_t client_us) const {
    return offset_us + client_us + static_cast<std::int64_t>(skew * static_cast<double>(client_us));
  }
};

clock_sample ping(const clocks& c, const path& p, test::rng& rng, std::int64_t send_us) {
  const std::int64_t there = p.forward_us + queueing(rng, p.forward_jitter_us);
  const std::int64_t back = p.backward_us + queueing(rng, p.backward_jitter_us);
  return {send_us, c.server_at(send_us + there), send_us + there + back};
}

TEST(ClockEstimator, MinRttFilteringBeatsAveragingOnAJitteryUplink) {
  const clocks c{5'000'000'000};
  // Symmetric fixed path; the uplink queues (mean 20 ms), the downlink hardly.
  const path p{10'000, 10'000, 20'000, 1'000};
  test::rng rng(7);
  clock_estimator est;
  double naive = 0;
  std::int64_t now = 0;
  for (int i = 0; i < 40; ++i) {
    now = i * 1'000'000;
    const auto s = ping(c, p, rng, now);
    ASSERT_TRUE(est.add(s));
    naive += static_cast<double>(s.server_time_us - (s.client_send_us + s.client_receive_us) / 2);
    now = s.client_receive_us;
  }
  naive /= 40;
  const auto e = est.estimate(now);
  ASSERT_TRUE(e);
  const auto error = std::llabs(e->offset_us - c.offset_us);
  EXPECT_LT(error, 1'000);
  EXPECT_LE(error, e->uncertainty_us);
  EXPECT_GT(std::abs(naive - static_cast<double>(c.offset_us)), 5'000.0) << "averaging is biased";
  EXPECT_GE(e->rtt_us, 20'000);
  EXPECT_LT(e->rtt_us, 23'000);
}

TEST(ClockEstimator, AsymmetryIsTheIrreducibleErrorAndStaysWithinTheBound) {
  const clocks c{-123'456'789};
  const path p{30'000, 10'000, 3'000, 3'000};  // 20 ms more one way
  test::rng rng(8);
  clock_estimator est;
  std::int64_t now = 0;
  for (int i = 0; i < 64; ++i) {
    const auto s = ping(c, p, rng, i * 500'000);
    est.add(s);
    now = s.client_receive_us;
  }
  const auto e = est.estimate(now);
  ASSERT_TRUE(e);
  const std::int64_t error = e->offset_us - c.offset_us;
  // (forward - backward) / 2 = 10 ms, invisible to any two-way method.
  EXPECT_NEAR(static_cast<double>(error), 10'000.0, 1'500.0);
  EXPECT_LE(std::llabs(error), e->uncertainty_us);
}

// Worst |error| of the offset estimate over 20 minutes of pings every 2 s
// against a server clock 50 ppm fast; also checks the error bound each time.
double worst_drift_error(double assumed_drift_ppm, bool& within_bound) {
  const clocks c{42'000'000, 50e-6};
  const path p{8'000, 8'000, 5'000, 5'000};
  test::rng rng(9);
  clock_estimator_config cfg;
  cfg.drift_ppm = assumed_drift_ppm;
  clock_estimator est(cfg);
  double worst = 0;
  within_bound = true;
  for (int i = 0; i < 600; ++i) {
    const auto s = ping(c, p, rng, std::int64_t{i} * 2'000'000);
    est.add(s);
    if (i < 20)
      continue;
    const std::int64_t now = s.client_receive_us;
    const auto e = est.estimate(now);
    const double error = std::abs(static_cast<double>(now + e->offset_us - c.server_at(now)));
    within_bound = within_bound && error <= static_cast<double>(e->uncertainty_us);
    worst = std::max(worst, error);
  }
  return worst;
}

TEST(ClockEstimator, FollowsDriftingClocks) {
  bool within_bound = false;
  const double with_age_penalty = worst_drift_error(100, within_bound);
  EXPECT_TRUE(within_bound) << "the reported uncertainty bounds the error";
  bool ignored = false;
  const double pure_min_rtt = worst_drift_error(0, ignored);
  // Pure min-RTT keeps a sample up to 2 minutes old: 50 ppm makes it ~6 ms off.
  EXPECT_LT(with_age_penalty, 3'000.0);
  EXPECT_GT(pure_min_rtt, 2 * with_age_penalty);
  RecordProperty("worst_error_us", std::to_string(with_age_penalty));
  RecordProperty("worst_error_without_age_penalty_us", std::to_string(pure_min_rtt));
}

TEST(ClockEstimator, RejectsImpossibleAndUselessSamples) {
  clock_estimator est;
  EXPECT_FALSE(est.estimate(0));
  EXPECT_FALSE(est.to_server(0));
  EXPECT_FALSE(est.add({1'000, 5, 999})) << "answer before the ping";
  EXPECT_FALSE(est.add({0, 5, 6'000'000})) << "slower than max_rtt";
  EXPECT_EQ(est.samples(), 0u);
  EXPECT_TRUE(est.add({1'000, 10'500, 2'000}));
  const auto e = est.estimate(2'000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset_us, 9'000);
  EXPECT_EQ(e->rtt_us, 1'000);
  EXPECT_EQ(e->uncertainty_us, 500);
}

TEST(ClockEstimator, ConvertsBothWays) {
  clock_estimator est;
  est.add({1'000'000, 901'000'000, 1'000'100});
  const auto server = est.to_server(2'000'000);
  ASSERT_TRUE(server);
  EXPECT_EQ(*server, 901'999'950);
  EXPECT_EQ(est.to_client(*server), 2'000'000);
}

TEST(ClockEstimator, WindowForgetsOldSamples) {
  clock_estimator_config cfg;
  cfg.window = 4;
  clock_estimator est(cfg);
  est.add({0, 1'000, 100});  // excellent rtt, offset 950
  for (int i = 1; i <= 4; ++i)
    est.add({i * 1'000'000, i * 1'000'000 + 5'000, i * 1'000'000 + 2'000});
  EXPECT_EQ(est.samples(), 4u);
  EXPECT_EQ(est.estimate(5'000'000)->offset_us, 4'000) << "the 100 us sample has left the window";
}

}  // namespace
}  // namespace controlroom::media
