#include "state_convert.hpp"

#include <string>

#include "convert.hpp"
#include "intents_convert.hpp"

namespace controlroom::detail {
namespace {

template <class Out, class In, class F>
std::vector<Out> convert_all(const google::protobuf::RepeatedPtrField<In>& in, F convert) {
  std::vector<Out> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const auto& item : in)
    out.push_back(convert(item));
  return out;
}

transport_state from_proto(const v1::Transport& in) {
  transport_state out;
  out.mode = static_cast<transport_mode>(in.mode());
  out.position_samples = in.position_samples();
  out.tempo_bpm = in.tempo_bpm();
  out.meter = {in.meter().beats_per_bar(), in.meter().beat_unit()};
  out.loop = {in.loop().enabled(), in.loop().start_samples(), in.loop().end_samples()};
  out.current_song_id = in.current_song_id();
  out.recording_take_id = in.recording_take_id();
  out.producer_may_drive = in.producer_may_drive();
  return out;
}

song from_proto(const v1::Song& in) {
  return {in.id(), in.title(), in.picked_take_id()};
}

track from_proto(const v1::Track& in) {
  return {in.id(), in.name(), in.armed(), in.muted(), in.soloed(), in.input_label()};
}

take_file from_proto(const v1::TakeFile& in) {
  return {in.id(),
          in.stream(),
          in.user_id(),
          in.duration_samples(),
          in.start_position(),
          in.healed_gaps(),
          in.unhealed_gaps(),
          in.complete()};
}

take from_proto(const v1::Take& in) {
  return {in.id(),
          in.song_id(),
          in.number(),
          in.start_samples(),
          in.end_samples(),
          in.recording(),
          in.rating(),
          in.circled(),
          in.notes(),
          convert_all<take_file>(in.files(), [](const auto& x) { return from_proto(x); })};
}

marker from_proto(const v1::Marker& in) {
  return {in.id(), in.position_samples(), in.label(), in.color(), in.author_user_id()};
}

comment from_proto(const v1::Comment& in) {
  return {in.id(),   in.marker_id(),      in.take_id(), in.author_user_id(),
          in.text(), in.created_unix_ms()};
}

talkback_channel from_proto(const v1::TalkbackChannel& in) {
  return {in.user_id(), static_cast<talkback_target>(in.target()), in.latched()};
}

member from_proto(const v1::Member& in) {
  return {in.user_id(), roles_from_proto(in.roles())};
}

}  // namespace

session_state from_proto(const v1::SessionState& in) {
  session_state out;
  out.session_id = in.session_id();
  out.version = in.version();
  out.title = in.title();
  out.songs = convert_all<song>(in.songs(), [](const auto& x) { return from_proto(x); });
  out.transport = from_proto(in.transport());
  out.tracks = convert_all<track>(in.tracks(), [](const auto& x) { return from_proto(x); });
  out.takes = convert_all<take>(in.takes(), [](const auto& x) { return from_proto(x); });
  out.markers = convert_all<marker>(in.markers(), [](const auto& x) { return from_proto(x); });
  out.comments = convert_all<comment>(in.comments(), [](const auto& x) { return from_proto(x); });
  out.talkback =
      convert_all<talkback_channel>(in.talkback(), [](const auto& x) { return from_proto(x); });
  out.planned_start_unix_ms = in.schedule().planned_start_unix_ms();
  out.members =
      convert_all<member>(in.schedule().members(), [](const auto& x) { return from_proto(x); });
  return out;
}

event_info info_of(const v1::Event& event) {
  return {event.version(), event.operation_id(), event.author_user_id(), event.at_unix_ms(),
          std::string(change_name(event.intent()))};
}

event_info snapshot_info(const v1::SessionState& snapshot) {
  return {snapshot.version(), {}, {}, 0, "snapshot"};
}

}  // namespace controlroom::detail
