#include "control/envelope_codec.hpp"

namespace controlroom::server {

std::optional<v1::ClientEnvelope> decode_client_envelope(std::string_view bytes) {
  v1::ClientEnvelope envelope;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  return envelope;
}

frame_ptr encode(const v1::ServerEnvelope& envelope) {
  auto bytes = std::make_shared<std::string>();
  envelope.SerializeToString(bytes.get());
  return bytes;
}

frame_ptr make_error_frame(std::uint64_t request_id, v1::ErrorCode code,
                           const std::string& message) {
  v1::ServerEnvelope envelope;
  envelope.set_request_id(request_id);
  envelope.mutable_error()->set_code(code);
  envelope.mutable_error()->set_message(message);
  return encode(envelope);
}

v1::Role to_proto(role r) {
  switch (r) {
    case role::engineer:
      return v1::ROLE_ENGINEER;
    case role::producer:
      return v1::ROLE_PRODUCER;
    case role::artist:
      return v1::ROLE_ARTIST;
    case role::listener:
      return v1::ROLE_LISTENER;
  }
  return v1::ROLE_UNSPECIFIED;
}

std::optional<role> from_proto(int r) {
  switch (r) {
    case v1::ROLE_ENGINEER:
      return role::engineer;
    case v1::ROLE_PRODUCER:
      return role::producer;
    case v1::ROLE_ARTIST:
      return role::artist;
    case v1::ROLE_LISTENER:
      return role::listener;
    default:
      return std::nullopt;
  }
}

v1::User to_proto(const user_record& u) {
  v1::User out;
  out.set_id(u.id);
  out.set_name(u.name);
  out.set_admin(u.admin);
  return out;
}

v1::SessionInfo to_proto(const session_record& s) {
  v1::SessionInfo out;
  out.set_id(s.id);
  out.set_studio_id(s.studio_id);
  out.set_title(s.title);
  out.set_scheduled_start_unix_ms(s.scheduled_start_unix_ms);
  out.set_created_unix_ms(s.created_unix_ms);
  return out;
}

}  // namespace controlroom::server
