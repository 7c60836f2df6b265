#include "convert.hpp"

#include <gtest/gtest.h>

#include "controlroom/types.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom::detail {
namespace {

v1::Participant make_participant(const std::string& id, const std::string& user_id,
                                 std::initializer_list<v1::Role> roles) {
  v1::Participant p;
  p.set_participant_id(id);
  p.mutable_user()->set_id(user_id);
  p.mutable_user()->set_name("name of " + user_id);
  for (auto r : roles)
    p.add_roles(r);
  return p;
}

TEST(convert, role_numbers_match_the_proto) {
  EXPECT_EQ(static_cast<int>(role::engineer), v1::ROLE_ENGINEER);
  EXPECT_EQ(static_cast<int>(role::producer), v1::ROLE_PRODUCER);
  EXPECT_EQ(static_cast<int>(role::artist), v1::ROLE_ARTIST);
  EXPECT_EQ(static_cast<int>(role::listener), v1::ROLE_LISTENER);
  EXPECT_EQ(v1::Role_MAX, v1::ROLE_LISTENER) << "a new proto role needs a controlroom::role";
}

TEST(convert, role_names) {
  EXPECT_EQ(to_string(role::engineer), "engineer");
  EXPECT_EQ(to_string(role::producer), "producer");
  EXPECT_EQ(to_string(role::artist), "artist");
  EXPECT_EQ(to_string(role::listener), "listener");
  EXPECT_EQ(to_string(static_cast<role>(99)), "unknown");
}

TEST(convert, roles_drop_unspecified_and_unknown_values) {
  google::protobuf::RepeatedField<int> in;
  in.Add(v1::ROLE_PRODUCER);
  in.Add(v1::ROLE_UNSPECIFIED);
  in.Add(17);
  in.Add(v1::ROLE_ARTIST);
  EXPECT_EQ(roles_from_proto(in), (std::vector<role>{role::producer, role::artist}));
}

TEST(convert, user) {
  v1::User in;
  in.set_id("u-1");
  in.set_name("Rick");
  in.set_admin(true);
  const auto out = from_proto(in);
  EXPECT_EQ(out.id, "u-1");
  EXPECT_EQ(out.name, "Rick");
  EXPECT_TRUE(out.admin);
}

TEST(convert, session_info) {
  v1::SessionInfo in;
  in.set_id("s-1");
  in.set_studio_id("st-1");
  in.set_title("Album day 3");
  in.set_scheduled_start_unix_ms(1'700'000'000'000);
  in.set_created_unix_ms(1'690'000'000'000);
  const auto out = from_proto(in);
  EXPECT_EQ(out.id, "s-1");
  EXPECT_EQ(out.studio_id, "st-1");
  EXPECT_EQ(out.title, "Album day 3");
  EXPECT_EQ(out.scheduled_start_unix_ms, 1'700'000'000'000);
  EXPECT_EQ(out.created_unix_ms, 1'690'000'000'000);
}

TEST(convert, joined) {
  v1::Joined in;
  in.mutable_session()->set_id("s-1");
  *in.mutable_self() = make_participant("c-1", "u-1", {v1::ROLE_PRODUCER});
  *in.add_participants() = make_participant("c-0", "u-0", {v1::ROLE_ENGINEER, v1::ROLE_ARTIST});
  *in.add_participants() = make_participant("c-1", "u-1", {v1::ROLE_PRODUCER});
  const auto out = from_proto(in);
  EXPECT_EQ(out.session.id, "s-1");
  EXPECT_EQ(out.self.id, "c-1");
  EXPECT_EQ(out.self.who.id, "u-1");
  EXPECT_EQ(out.self.who.name, "name of u-1");
  EXPECT_EQ(out.self.roles, std::vector<role>{role::producer});
  ASSERT_EQ(out.participants.size(), 2u);
  EXPECT_EQ(out.participants[0].id, "c-0");
  EXPECT_EQ(out.participants[0].roles, (std::vector<role>{role::engineer, role::artist}));
  EXPECT_EQ(out.participants[1].who.id, "u-1");
}

TEST(convert, presence_joined_and_left) {
  v1::Presence in;
  in.set_session_id("s-1");
  in.set_change(v1::Presence::CHANGE_JOINED);
  *in.mutable_participant() = make_participant("c-2", "u-2", {v1::ROLE_LISTENER});
  auto joined = from_proto(in);
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->what, presence_event::change::joined);
  EXPECT_EQ(joined->session_id, "s-1");
  EXPECT_EQ(joined->who.id, "c-2");
  EXPECT_EQ(joined->who.roles, std::vector<role>{role::listener});

  in.set_change(v1::Presence::CHANGE_LEFT);
  auto left = from_proto(in);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->what, presence_event::change::left);
}

TEST(convert, presence_with_unspecified_or_unknown_change_is_dropped) {
  v1::Presence in;
  in.set_change(v1::Presence::CHANGE_UNSPECIFIED);
  EXPECT_FALSE(from_proto(in).has_value());
  in.set_change(static_cast<v1::Presence::Change>(9));
  EXPECT_FALSE(from_proto(in).has_value());
}

TEST(convert, session_options_to_create_session) {
  session_options in;
  in.title = "Vocals";
  in.studio_id = "st-2";
  in.scheduled_start_unix_ms = 42;
  in.creator_roles = {role::engineer, role::producer};
  in.invitees = {{"u-7", {role::artist}}, {"u-8", {}}};
  v1::CreateSession out;
  to_proto(in, &out);
  EXPECT_EQ(out.title(), "Vocals");
  EXPECT_EQ(out.studio_id(), "st-2");
  EXPECT_EQ(out.scheduled_start_unix_ms(), 42);
  ASSERT_EQ(out.creator_roles_size(), 2);
  EXPECT_EQ(out.creator_roles(0), v1::ROLE_ENGINEER);
  EXPECT_EQ(out.creator_roles(1), v1::ROLE_PRODUCER);
  ASSERT_EQ(out.invitees_size(), 2);
  EXPECT_EQ(out.invitees(0).user_id(), "u-7");
  ASSERT_EQ(out.invitees(0).roles_size(), 1);
  EXPECT_EQ(out.invitees(0).roles(0), v1::ROLE_ARTIST);
  EXPECT_EQ(out.invitees(1).roles_size(), 0);
}

TEST(convert, defaults_round_trip_to_an_empty_message) {
  v1::CreateSession out;
  to_proto(session_options{}, &out);
  EXPECT_EQ(out.ByteSizeLong(), 0u);
}

TEST(convert, server_error_keeps_code_and_message) {
  v1::Error in;
  in.set_code(v1::ERROR_CODE_UNAUTHENTICATED);
  in.set_message("token revoked");
  const auto s = to_status(in);
  EXPECT_EQ(s.error(), errc::unauthenticated);
  EXPECT_EQ(s.message(), "token revoked");
}

TEST(convert, every_server_error_code_maps_to_the_same_number) {
  for (int code = v1::ERROR_CODE_MALFORMED; code <= v1::ErrorCode_MAX; ++code) {
    v1::Error in;
    in.set_code(static_cast<v1::ErrorCode>(code));
    EXPECT_EQ(to_status(in).error(), static_cast<errc>(code));
  }
}

TEST(convert, unspecified_or_unknown_server_error_is_a_protocol_error) {
  v1::Error in;
  in.set_message("oops");
  auto s = to_status(in);
  EXPECT_EQ(s.error(), errc::protocol_error);
  EXPECT_NE(s.message().find("oops"), std::string::npos);

  in.set_code(static_cast<v1::ErrorCode>(57));
  s = to_status(in);
  EXPECT_EQ(s.error(), errc::protocol_error);
  EXPECT_NE(s.message().find("57"), std::string::npos);
}

TEST(convert, body_names) {
  EXPECT_EQ(body_name(v1::ServerEnvelope::kJoined), "Joined");
  EXPECT_EQ(body_name(v1::ServerEnvelope::kPong), "Pong");
  EXPECT_EQ(body_name(v1::ServerEnvelope::kHelloReply), "HelloReply");
  EXPECT_EQ(body_name(v1::ServerEnvelope::BODY_NOT_SET), "an empty body");
  EXPECT_EQ(body_name(static_cast<v1::ServerEnvelope::BodyCase>(999)), "an unknown body");
}

}  // namespace
}  // namespace controlroom::detail
