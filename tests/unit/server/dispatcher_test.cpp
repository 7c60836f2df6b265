// The conversation rules of the control plane, without sockets or a
// database: these requests never reach the store.

#include "control/dispatcher.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "offline_services.hpp"

namespace controlroom::server {
namespace {

using testing::fake_peer;

class dispatcher_test : public ::testing::Test, protected testing::offline_services {
 protected:
  v1::ClientEnvelope hello(unsigned low, unsigned high, std::uint64_t id = 1) {
    v1::ClientEnvelope env;
    env.set_request_id(id);
    env.mutable_hello()->set_min_version(low);
    env.mutable_hello()->set_max_version(high);
    return env;
  }
};

TEST_F(dispatcher_test, garbage_gets_a_malformed_error_and_is_counted) {
  dispatch_frame(svc, peer, std::string("\xff\xff\xff\x01garbage", 11));
  ASSERT_EQ(peer->sent.size(), 1u);
  const auto reply = peer->last();
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(reply.request_id(), 0u);
  EXPECT_EQ(metrics.malformed_frames.value(), 1u);
}

TEST_F(dispatcher_test, an_envelope_without_a_known_body_is_malformed_and_names_its_request) {
  v1::ClientEnvelope empty;
  empty.set_request_id(9);
  send(empty);
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(peer->last().request_id(), 9u);
}

TEST_F(dispatcher_test, hello_negotiates_the_highest_common_version) {
  send(hello(1, 7, 42));
  const auto reply = peer->last();
  ASSERT_TRUE(reply.has_hello_reply()) << reply.DebugString();
  EXPECT_EQ(reply.request_id(), 42u);
  EXPECT_EQ(reply.hello_reply().version(), 1u);
  EXPECT_EQ(reply.hello_reply().connection_id(), peer->id());
  EXPECT_EQ(reply.hello_reply().max_frame_bytes(), cfg.max_frame_bytes);
  EXPECT_EQ(peer->state().protocol_version, 1u);
}

TEST_F(dispatcher_test, hello_without_a_common_version_is_refused) {
  send(hello(2, 3));
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_UNSUPPORTED_VERSION);
  EXPECT_EQ(peer->state().protocol_version, 0u);
  send(hello(0, 0));
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_UNSUPPORTED_VERSION);
}

TEST_F(dispatcher_test, a_second_hello_is_refused) {
  send(hello(1, 1));
  send(hello(1, 1, 2));
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST_F(dispatcher_test, requests_before_hello_are_refused) {
  v1::ClientEnvelope join;
  join.set_request_id(5);
  join.mutable_join_session()->set_session_id("00000000-0000-0000-0000-000000000001");
  send(join);
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().request_id(), 5u);
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_FAILED_PRECONDITION);
}

TEST_F(dispatcher_test, requests_before_authentication_are_refused) {
  send(hello(1, 1));
  v1::ClientEnvelope create;
  create.set_request_id(6);
  create.mutable_create_session()->set_title("Album");
  send(create);
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_UNAUTHENTICATED);
}

TEST_F(dispatcher_test, an_empty_token_is_refused_without_a_query) {
  send(hello(1, 1));
  v1::ClientEnvelope auth;
  auth.set_request_id(3);
  auth.mutable_authenticate();
  send(auth);
  ASSERT_TRUE(peer->last().has_error());
  EXPECT_EQ(peer->last().error().code(), v1::ERROR_CODE_UNAUTHENTICATED);
  EXPECT_FALSE(peer->state().authenticating);
}

TEST_F(dispatcher_test, ping_answers_with_the_client_time) {
  send(hello(1, 1));
  v1::ClientEnvelope ping;
  ping.set_request_id(8);
  ping.mutable_ping()->set_client_time_us(123456);
  send(ping);
  ASSERT_TRUE(peer->last().has_pong());
  EXPECT_EQ(peer->last().pong().client_time_us(), 123456u);
  EXPECT_GT(peer->last().pong().server_time_us(), 0u);
}

TEST_F(dispatcher_test, request_id_zero_gets_no_reply_but_errors_still_arrive) {
  send(hello(1, 1, 0));
  EXPECT_TRUE(peer->sent.empty());
  EXPECT_EQ(peer->state().protocol_version, 1u);
  send(hello(1, 1, 0));
  ASSERT_EQ(peer->sent.size(), 1u);
  EXPECT_TRUE(peer->last().has_error());
}

class authenticated_dispatcher_test : public dispatcher_test {
 protected:
  void SetUp() override {
    peer->state().protocol_version = 1;
    peer->state().user = user_record{"11111111-1111-1111-1111-111111111111", "ada", false};
  }
  v1::ClientEnvelope create(const std::string& title) {
    v1::ClientEnvelope env;
    env.set_request_id(1);
    env.mutable_create_session()->set_title(title);
    return env;
  }
  v1::ErrorCode last_error() {
    EXPECT_TRUE(peer->last().has_error()) << peer->last().DebugString();
    return peer->last().error().code();
  }
};

TEST_F(authenticated_dispatcher_test, create_session_validates_before_the_database) {
  send(create(""));
  EXPECT_EQ(last_error(), v1::ERROR_CODE_MALFORMED);
  send(create(std::string(201, 'x')));
  EXPECT_EQ(last_error(), v1::ERROR_CODE_TOO_LARGE);
  auto bad_studio = create("Album");
  bad_studio.mutable_create_session()->set_studio_id("not-a-uuid");
  send(bad_studio);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_MALFORMED);
  auto bad_role = create("Album");
  bad_role.mutable_create_session()->add_creator_roles(static_cast<v1::Role>(99));
  send(bad_role);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_MALFORMED);
  auto roleless = create("Album");
  roleless.mutable_create_session()->add_invitees()->set_user_id(
      "22222222-2222-2222-2222-222222222222");
  send(roleless);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(db.queue_depth(), 0u);
}

TEST_F(authenticated_dispatcher_test,
       a_media_frame_in_a_session_tells_the_connection_it_carries_audio) {
  v1::ClientEnvelope media;
  media.mutable_media_frame()->set_datagram(std::string(40, '\0'));
  send(media);
  EXPECT_EQ(peer->media_hints, 0) << "dropped before a session: not a media connection yet";
  peer->state().session_id = "33333333-3333-3333-3333-333333333333";
  send(media);
  send(media);
  EXPECT_EQ(peer->media_hints, 2);
  EXPECT_TRUE(peer->sent.empty()) << "media is never answered";
}

TEST_F(authenticated_dispatcher_test, join_and_leave_check_their_preconditions) {
  v1::ClientEnvelope join;
  join.set_request_id(2);
  join.mutable_join_session()->set_session_id("nope");
  send(join);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_MALFORMED);

  v1::ClientEnvelope leave;
  leave.set_request_id(3);
  leave.mutable_leave_session();
  send(leave);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_FAILED_PRECONDITION);

  peer->state().session_id = "33333333-3333-3333-3333-333333333333";
  join.mutable_join_session()->set_session_id("44444444-4444-4444-4444-444444444444");
  send(join);
  EXPECT_EQ(last_error(), v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(db.queue_depth(), 0u);
}

}  // namespace
}  // namespace controlroom::server
