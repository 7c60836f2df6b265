// The request budget of a connection: the token bucket itself, then the
// dispatcher's use of it (one gate for every request but media frames).

#include "control/rate_limiter.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "offline_services.hpp"

namespace controlroom::server {
namespace {

using namespace std::chrono_literals;
using clock_type = rate_limiter::clock;

const clock_type::time_point t0{std::chrono::seconds(1000)};

TEST(rate_limiter, a_full_bucket_allows_the_burst_then_refuses) {
  rate_limiter limiter(10, 3, t0);
  EXPECT_TRUE(limiter.take(t0).allowed);
  EXPECT_TRUE(limiter.take(t0).allowed);
  EXPECT_TRUE(limiter.take(t0).allowed);
  const auto refused = limiter.take(t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.consecutive_refusals, 1u);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token at 10/s
}

TEST(rate_limiter, tokens_flow_back_at_the_rate_and_never_past_the_burst) {
  rate_limiter limiter(10, 3, t0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.take(t0).allowed);
  }
  EXPECT_FALSE(limiter.take(t0 + 50ms).allowed);
  EXPECT_EQ(limiter.take(t0 + 50ms).retry_after, 50ms);  // half a token is there
  EXPECT_TRUE(limiter.take(t0 + 100ms).allowed);
  EXPECT_FALSE(limiter.take(t0 + 100ms).allowed);
  // An hour of silence refills to the burst, not to 36 000.
  EXPECT_DOUBLE_EQ(limiter.tokens(t0 + 1h), 3.0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.take(t0 + 1h).allowed);
  }
  EXPECT_FALSE(limiter.take(t0 + 1h).allowed);
}

TEST(rate_limiter, refusals_in_a_row_are_counted_and_an_allowed_request_resets_them) {
  rate_limiter limiter(1, 1, t0);
  ASSERT_TRUE(limiter.take(t0).allowed);
  EXPECT_EQ(limiter.take(t0).consecutive_refusals, 1u);
  EXPECT_EQ(limiter.take(t0).consecutive_refusals, 2u);
  EXPECT_EQ(limiter.take(t0 + 10ms).consecutive_refusals, 3u);
  const auto later = limiter.take(t0 + 1s);
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.consecutive_refusals, 0u);
  EXPECT_EQ(limiter.take(t0 + 1s).consecutive_refusals, 1u);
}

TEST(rate_limiter, a_steady_client_at_the_rate_is_never_refused) {
  rate_limiter limiter(50, 1, t0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.take(t0 + i * 20ms).allowed) << i;
  }
}

TEST(rate_limiter, the_retry_hint_is_at_least_a_millisecond_and_rounds_up) {
  rate_limiter fast(100'000, 1, t0);
  ASSERT_TRUE(fast.take(t0).allowed);
  EXPECT_EQ(fast.take(t0).retry_after, 1ms);
  rate_limiter slow(3, 1, t0);
  ASSERT_TRUE(slow.take(t0).allowed);
  EXPECT_EQ(slow.take(t0).retry_after, 334ms);
}

TEST(rate_limiter, rate_zero_is_no_limit) {
  rate_limiter limiter(0, 1, t0);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(limiter.take(t0).allowed);
  }
}

TEST(rate_limiter, a_clock_that_goes_back_refills_nothing) {
  rate_limiter limiter(10, 1, t0);
  ASSERT_TRUE(limiter.take(t0).allowed);
  EXPECT_FALSE(limiter.take(t0 - 1h).allowed);
  EXPECT_FALSE(limiter.take(t0).allowed);
  EXPECT_TRUE(limiter.take(t0 + 100ms).allowed);
}

// The dispatcher's gate, with a bucket slow enough (1/s) that no token
// flows back while a test runs.
class request_budget_test : public ::testing::Test, protected testing::offline_services {
 protected:
  request_budget_test() {
    cfg.max_requests_per_second = 1;
    cfg.request_burst = 3;
    cfg.rate_limit_close_after = 4;
  }
  static v1::ClientEnvelope hello(std::uint64_t id) {
    v1::ClientEnvelope env;
    env.set_request_id(id);
    env.mutable_hello()->set_min_version(1);
    env.mutable_hello()->set_max_version(1);
    return env;
  }
  static v1::ClientEnvelope ping(std::uint64_t id) {
    v1::ClientEnvelope env;
    env.set_request_id(id);
    env.mutable_ping()->set_client_time_us(id);
    return env;
  }
  std::uint64_t limit_count() { return metrics.limit_exceeded(limit::request_rate).value(); }
};

TEST_F(request_budget_test, over_the_burst_a_request_is_refused_with_a_retry_hint_and_not_run) {
  send(hello(1));
  send(ping(2));
  send(ping(3));
  ASSERT_EQ(peer->sent.size(), 3u);
  EXPECT_TRUE(peer->last().has_pong());
  send(ping(4));
  ASSERT_EQ(peer->sent.size(), 4u);
  const auto reply = peer->last();
  ASSERT_TRUE(reply.has_error()) << reply.DebugString();
  EXPECT_EQ(reply.request_id(), 4u);
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_GT(reply.error().retry_after_ms(), 0u);
  EXPECT_LE(reply.error().retry_after_ms(), 1000u);
  EXPECT_EQ(limit_count(), 1u);
  EXPECT_FALSE(peer->shut_down_for);
}

TEST_F(request_budget_test, a_refused_hello_is_not_applied) {
  send(ping(1));  // before Hello: refused, but it spends a token
  send(ping(2));
  send(ping(3));
  send(hello(4));
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_EQ(peer->state().protocol_version, 0u);
}

TEST_F(request_budget_test, garbage_spends_the_budget_too) {
  for (int i = 0; i < 3; ++i) {
    dispatch_frame(svc, peer, std::string("\xff\xff\xff\x01garbage", 11));
  }
  send(hello(1));
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_EQ(peer->last().request_id(), 1u);
}

TEST_F(request_budget_test, media_frames_do_not_spend_the_budget) {
  send(hello(1));
  v1::ClientEnvelope media;
  media.mutable_media_frame()->set_datagram(std::string(40, '\0'));
  for (int i = 0; i < 50; ++i) {
    send(media);
  }
  send(ping(2));
  send(ping(3));
  EXPECT_TRUE(peer->last().has_pong()) << peer->last().DebugString();
  EXPECT_EQ(limit_count(), 0u);
}

TEST_F(request_budget_test, a_client_that_keeps_flooding_is_closed_after_the_configured_refusals) {
  for (std::uint64_t id = 1; id <= 3; ++id) {
    send(ping(id));
  }
  for (std::uint64_t id = 4; id <= 6; ++id) {
    send(ping(id));
    EXPECT_FALSE(peer->shut_down_for) << "refusal " << id - 3;
  }
  send(ping(7));  // the fourth refusal in a row
  ASSERT_TRUE(peer->shut_down_for);
  EXPECT_EQ(*peer->shut_down_for, close_reason::rate_limited);
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_NE(peer->last().error().message().find("closing"), std::string::npos);
  EXPECT_EQ(limit_count(), 4u);
}

TEST_F(request_budget_test, rate_zero_turns_the_gate_off) {
  cfg.max_requests_per_second = 0;
  send(hello(1));
  for (std::uint64_t id = 2; id < 100; ++id) {
    send(ping(id));
    ASSERT_TRUE(peer->last().has_pong()) << id;
  }
  EXPECT_EQ(limit_count(), 0u);
}

}  // namespace
}  // namespace controlroom::server
