#include "replica.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "controlroom/state/reducer.hpp"
#include "state_convert.hpp"

namespace controlroom::detail {

replica::resume_point replica::resume_from(const std::string& session_id) const {
  std::lock_guard lock(mutex_);
  if (!following_ || state_.session_id() != session_id)
    return {};
  return {true, state_.version()};
}

status replica::catch_up(const v1::Joined& joined,
                         const std::function<bool(const event_info&)>& applied) {
  const auto& session_id = joined.session().id();
  if (joined.has_snapshot()) {
    event_info info;
    {
      std::lock_guard lock(mutex_);
      if (joined.snapshot().session_id() != session_id ||
          joined.snapshot().version() != joined.version()) {
        following_ = false;
        return {errc::protocol_error,
                "Joined carries a snapshot of session " + joined.snapshot().session_id() +
                    " at version " + std::to_string(joined.snapshot().version()) + " for session " +
                    session_id + " at version " + std::to_string(joined.version())};
      }
      state_ = joined.snapshot();
      following_ = true;
      info = snapshot_info(state_);
    }
    applied(info);
    return {};
  }
  {
    std::lock_guard lock(mutex_);
    if (!following_ || state_.session_id() != session_id) {
      following_ = false;
      return {errc::protocol_error, "Joined for session " + session_id +
                                        " carries no snapshot, but this client holds no "
                                        "replica of it"};
    }
  }
  for (const auto& event : joined.missed_events()) {
    result<event_info> info = [&] {
      std::lock_guard lock(mutex_);
      return apply_locked(session_id, event);
    }();
    if (!info)
      return {info.error(), "catching up: " + info.message()};
    if (!applied(info.value()))
      return {};
  }
  std::lock_guard lock(mutex_);
  if (state_.version() != joined.version()) {
    return {errc::protocol_error, "Joined at version " + std::to_string(joined.version()) +
                                      " left the replica at version " +
                                      std::to_string(state_.version())};
  }
  return {};
}

result<event_info> replica::apply(const v1::SessionEvent& event) {
  std::lock_guard lock(mutex_);
  return apply_locked(event.session_id(), event.event());
}

result<event_info> replica::apply_locked(const std::string& session_id, const v1::Event& event) {
  if (!following_ || session_id != state_.session_id()) {
    return {errc::protocol_error, "event " + std::to_string(event.version()) + " of session " +
                                      session_id + " reached the replica of session " +
                                      state_.session_id()};
  }
  if (event.version() != state_.version() + 1) {
    return {errc::protocol_error, "event " + std::to_string(event.version()) +
                                      " does not follow version " +
                                      std::to_string(state_.version())};
  }
  // A change from a newer server: applying it would advance the version
  // without the change, and the replica would silently differ from the server.
  if (event.intent().change_case() == v1::Intent::CHANGE_NOT_SET) {
    following_ = false;
    return {errc::protocol_error, "event " + std::to_string(event.version()) +
                                      " carries a change this SDK does not know"};
  }
  controlroom::state::apply(state_, event);
  return info_of(event);
}

session_state replica::copy() const {
  std::lock_guard lock(mutex_);
  return from_proto(state_);
}

std::uint64_t replica::version() const {
  std::lock_guard lock(mutex_);
  return state_.version();
}

std::string replica::bytes() const {
  std::string out;
  std::lock_guard lock(mutex_);
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // Repeated fields and no maps make the default order stable already; this
    // says so explicitly, so a map added to the schema later cannot break it.
    coded.SetSerializationDeterministic(true);
    state_.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace controlroom::detail
