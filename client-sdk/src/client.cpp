#include "controlroom/client.hpp"

#include <utility>

#include "client_impl.hpp"

namespace controlroom {
namespace {

template <class T = void>
result<T> moved_from() {
  return {errc::not_connected, "use of a moved-from client"};
}

}  // namespace

std::string_view to_string(connection_state s) noexcept {
  switch (s) {
    case connection_state::connected:
      return "connected";
    case connection_state::reconnecting:
      return "reconnecting";
    case connection_state::resumed:
      return "resumed";
    case connection_state::closed:
      return "closed";
  }
  return "unknown";
}

client::client(client_config config) : impl_(std::make_unique<impl>(std::move(config))) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

status client::connect() {
  return impl_ ? impl_->connect() : moved_from();
}

const user& client::me() const {
  static const user nobody;
  return impl_ ? impl_->me() : nobody;
}

std::string client::connection_id() const {
  return impl_ ? impl_->connection_id() : std::string();
}

std::uint32_t client::protocol_version() const {
  return impl_ ? impl_->protocol_version() : 0;
}

result<session_info> client::create_session(const session_options& options) {
  return impl_ ? impl_->create_session(options) : moved_from<session_info>();
}

result<joined_session> client::join(const std::string& session_id, std::vector<role> roles) {
  return impl_ ? impl_->join(session_id, roles) : moved_from<joined_session>();
}

status client::leave() {
  return impl_ ? impl_->leave() : moved_from();
}

result<std::chrono::microseconds> client::ping() {
  return impl_ ? impl_->ping() : moved_from<std::chrono::microseconds>();
}

void client::close() {
  if (impl_)
    impl_->close();
}

void client::interrupt() {
  if (impl_)
    impl_->interrupt();
}

result<std::uint64_t> client::submit(const intent& change, std::uint64_t expected_version) {
  return impl_ ? impl_->submit(change, expected_version) : moved_from<std::uint64_t>();
}

void client::submit_async(const intent& change, std::function<void(result<std::uint64_t>)> done,
                          std::uint64_t expected_version) {
  if (impl_) {
    impl_->submit_async(change, std::move(done), expected_version);
  } else if (done) {
    // No network thread to run it on: the caller's thread is the only one left.
    done(moved_from<std::uint64_t>());
  }
}

session_state client::state() const {
  return impl_ ? impl_->state() : session_state{};
}

std::uint64_t client::state_version() const {
  return impl_ ? impl_->state_version() : 0;
}

std::string client::state_bytes() const {
  return impl_ ? impl_->state_bytes() : std::string();
}

void client::on_state_changed(std::function<void(const event_info&)> handler) {
  if (impl_)
    impl_->on_state_changed(std::move(handler));
}

void client::on_connection_state(std::function<void(connection_state)> handler) {
  if (impl_)
    impl_->on_connection_state(std::move(handler));
}

void client::on_presence(std::function<void(const presence_event&)> handler) {
  if (impl_)
    impl_->on_presence(std::move(handler));
}

void client::on_disconnected(std::function<void(std::error_code, const std::string&)> handler) {
  if (impl_)
    impl_->on_disconnected(std::move(handler));
}

status client::open_media(const media_options& options) {
  return impl_ ? impl_->open_media(options) : moved_from();
}

result<audio_publisher> client::publish(stream_kind kind, const encoder_options& options) {
  return impl_ ? impl_->publish(kind, options) : moved_from<audio_publisher>();
}

std::vector<audio_stream_info> client::streams() const {
  return impl_ ? impl_->streams() : std::vector<audio_stream_info>{};
}

std::vector<audio_stream> client::audio_streams() const {
  return impl_ ? impl_->audio_streams() : std::vector<audio_stream>{};
}

audio_mixer client::mixer(std::vector<stream_kind> kinds) {
  return impl_ ? impl_->mixer(std::move(kinds)) : audio_mixer{};
}

controlroom::media_status client::media_status() const {
  return impl_ ? impl_->media_status() : controlroom::media_status{};
}

std::optional<std::int64_t> client::heard_position(stream_kind kind) const {
  return impl_ ? impl_->heard_position(kind) : std::nullopt;
}

void client::on_streams_changed(
    std::function<void(const std::vector<audio_stream_info>&)> handler) {
  if (impl_)
    impl_->on_streams_changed(std::move(handler));
}

}  // namespace controlroom
