// Bad input on the wire: a clear error, nothing lost, the server stays up
// for everyone else.

#include <gtest/gtest.h>

#include "controlroom/controlroom.hpp"
#include "prometheus_text.hpp"
#include "raw_clients.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;

v1::ClientEnvelope ping(std::uint64_t id) {
  v1::ClientEnvelope env;
  env.set_request_id(id);
  env.mutable_ping()->set_client_time_us(id);
  return env;
}

class robustness_e2e : public ::testing::Test {
 protected:
  test_server server{[](server::config& cfg) { cfg.max_frame_bytes = 4096; }};
  person ada = server.make_person("ada");
};

TEST_F(robustness_e2e, a_malformed_frame_gets_an_error_and_the_connection_stays_usable) {
  controlroom::client bystander(client_config{server.ws_url(), ada.token});
  ASSERT_TRUE(bystander.connect());

  raw_ws raw(server.port());
  raw.handshake(ada.token);
  raw.send_binary(std::string("\x0a\xff\xff\xff\xff\xff\xff\x01garbage", 15));
  auto reply = raw.receive();
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->has_error()) << reply->DebugString();
  EXPECT_EQ(reply->error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_FALSE(reply->error().message().empty());

  raw.send(ping(77));
  reply = raw.receive();
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->has_pong()) << reply->DebugString();
  EXPECT_EQ(reply->request_id(), 77u);

  EXPECT_TRUE(bystander.ping()) << "the other client lost service";
}

TEST_F(robustness_e2e, a_text_frame_gets_an_error_then_a_close) {
  raw_ws raw(server.port());
  raw.send_text("{\"hello\": 1}");
  auto reply = raw.receive();
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_FALSE(raw.receive());
  EXPECT_EQ(raw.close_code(), 1008);  // policy violation
}

TEST_F(robustness_e2e, an_oversize_frame_closes_only_that_connection) {
  controlroom::client bystander(client_config{server.ws_url(), ada.token});
  ASSERT_TRUE(bystander.connect());
  {
    raw_ws raw(server.port());
    raw.handshake(ada.token);
    raw.send_binary(std::string(5000, 'x'));
    EXPECT_FALSE(raw.receive());
    EXPECT_EQ(raw.close_code(), 1009);  // message too big
    EXPECT_TRUE(bystander.ping());
  }
  // Counted as a limit the peer ran into, once the server's side of the
  // connection has ended (after the client's): poll, each scrape a round trip.
  const auto frame_size_trips = [&] {
    const auto families = parse_prometheus(http_request(server.port(), "/metrics").body);
    for (const auto& sample : families.at("controlroom_limit_exceeded_total").samples) {
      if (sample.labels.at("limit") == "frame_size") {
        return sample.value;
      }
    }
    return -1.0;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (frame_size_trips() < 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the oversize frame was not counted";
  }
  EXPECT_EQ(frame_size_trips(), 1);
  EXPECT_TRUE(bystander.ping());
}

TEST_F(robustness_e2e, requests_out_of_order_are_refused_with_reasons) {
  raw_ws raw(server.port());
  raw.send(ping(1));
  auto reply = raw.receive();
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);

  v1::ClientEnvelope hello;
  hello.set_request_id(2);
  hello.mutable_hello()->set_min_version(1);
  hello.mutable_hello()->set_max_version(1);
  raw.send(hello);
  reply = raw.receive();
  ASSERT_TRUE(reply && reply->has_hello_reply());

  v1::ClientEnvelope join;
  join.set_request_id(3);
  join.mutable_join_session()->set_session_id("00000000-0000-0000-0000-000000000001");
  raw.send(join);
  reply = raw.receive();
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->request_id(), 3u);
  EXPECT_EQ(reply->error().code(), v1::ERROR_CODE_UNAUTHENTICATED);
}

TEST_F(robustness_e2e, an_unsupported_protocol_version_is_refused) {
  controlroom::client ok(client_config{server.ws_url(), ada.token});
  ASSERT_TRUE(ok.connect());
  EXPECT_EQ(ok.protocol_version(), 1u);

  raw_ws raw(server.port());
  v1::ClientEnvelope hello;
  hello.set_request_id(1);
  hello.mutable_hello()->set_min_version(5);
  hello.mutable_hello()->set_max_version(9);
  raw.send(hello);
  const auto reply = raw.receive();
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::ERROR_CODE_UNSUPPORTED_VERSION);
}

}  // namespace
}  // namespace controlroom::testing
