#include "convert.hpp"

#include <string>

namespace controlroom::detail {

std::vector<role> roles_from_proto(const google::protobuf::RepeatedField<int>& roles) {
  std::vector<role> out;
  out.reserve(static_cast<std::size_t>(roles.size()));
  for (int r : roles) {
    if (r >= static_cast<int>(role::engineer) && r <= static_cast<int>(role::listener)) {
      out.push_back(static_cast<role>(r));
    }
  }
  return out;
}

user from_proto(const v1::User& in) {
  return {in.id(), in.name(), in.admin()};
}

participant from_proto(const v1::Participant& in) {
  return {in.participant_id(), from_proto(in.user()), roles_from_proto(in.roles())};
}

session_info from_proto(const v1::SessionInfo& in) {
  return {in.id(), in.studio_id(), in.title(), in.scheduled_start_unix_ms(), in.created_unix_ms()};
}

joined_session from_proto(const v1::Joined& in) {
  joined_session out{from_proto(in.session()), from_proto(in.self()), {}};
  out.participants.reserve(static_cast<std::size_t>(in.participants_size()));
  for (const auto& p : in.participants())
    out.participants.push_back(from_proto(p));
  return out;
}

std::optional<presence_event> from_proto(const v1::Presence& in) {
  presence_event out;
  switch (in.change()) {
    case v1::Presence::CHANGE_JOINED:
      out.what = presence_event::change::joined;
      break;
    case v1::Presence::CHANGE_LEFT:
      out.what = presence_event::change::left;
      break;
    default:
      return std::nullopt;
  }
  out.session_id = in.session_id();
  out.who = from_proto(in.participant());
  return out;
}

void roles_to_proto(const std::vector<role>& roles, google::protobuf::RepeatedField<int>* out) {
  out->Reserve(static_cast<int>(roles.size()));
  for (role r : roles)
    out->Add(static_cast<int>(r));
}

void to_proto(const session_options& in, v1::CreateSession* out) {
  out->set_title(in.title);
  out->set_studio_id(in.studio_id);
  out->set_scheduled_start_unix_ms(in.scheduled_start_unix_ms);
  roles_to_proto(in.creator_roles, out->mutable_creator_roles());
  for (const auto& i : in.invitees) {
    auto* invitee = out->add_invitees();
    invitee->set_user_id(i.user_id);
    roles_to_proto(i.roles, invitee->mutable_roles());
  }
}

status to_status(const v1::Error& error) {
  const int code = error.code();
  if (code >= static_cast<int>(errc::malformed) && code <= static_cast<int>(errc::moved)) {
    return {static_cast<errc>(code), error.message()};
  }
  return {errc::protocol_error,
          "server error with unknown code " + std::to_string(code) + ": " + error.message()};
}

std::string_view body_name(v1::ServerEnvelope::BodyCase body) {
  if (body == v1::ServerEnvelope::BODY_NOT_SET)
    return "an empty body";
  // A oneof case is its field's number; the descriptor names bodies added
  // after this SDK was written, too. Descriptors live as long as the program.
  const auto* field = v1::ServerEnvelope::descriptor()->FindFieldByNumber(static_cast<int>(body));
  if (field == nullptr || field->message_type() == nullptr)
    return "an unknown body";
  return field->message_type()->name();
}

result<v1::ServerEnvelope> expect_body(result<v1::ServerEnvelope> reply,
                                       v1::ServerEnvelope::BodyCase expected) {
  if (!reply)
    return reply;
  const auto& envelope = reply.value();
  if (envelope.has_error()) {
    auto s = to_status(envelope.error());
    return {s.error(), s.message()};
  }
  if (envelope.body_case() != expected) {
    return {errc::protocol_error, "expected " + std::string(body_name(expected)) +
                                      ", the server sent " +
                                      std::string(body_name(envelope.body_case()))};
  }
  return reply;
}

}  // namespace controlroom::detail
