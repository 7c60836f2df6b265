// Transport and recording. A take begins with Record and ends with Stop;
// while one is recording, nothing may move the playhead under it.

#include <cmath>
#include <string>

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

namespace {

rejection stop_recording_first() {
  return reject(v1::ERROR_CODE_FAILED_PRECONDITION, "stop recording first");
}

bool is_beat_unit(std::uint32_t unit) {
  return unit == 1 || unit == 2 || unit == 4 || unit == 8 || unit == 16 || unit == 32;
}

}  // namespace

verdict decide_play(const v1::SessionState& state, const v1::Play& intent) {
  if (is_recording(state)) {
    return stop_recording_first();
  }
  return check_position("position", intent.position_samples());
}

verdict decide_stop(const v1::SessionState& state, const v1::Stop& intent) {
  if (auto refused = check_position("position", intent.position_samples())) {
    return refused;
  }
  if (is_recording(state)) {
    const int take = find_take(state, state.transport().recording_take_id());
    if (take >= 0 && intent.position_samples() < state.takes(take).start_samples()) {
      return reject(v1::ERROR_CODE_MALFORMED, "a take cannot end before it starts");
    }
  }
  return std::nullopt;
}

verdict decide_locate(const v1::SessionState& state, const v1::Locate& intent) {
  if (is_recording(state)) {
    return stop_recording_first();
  }
  return check_position("position", intent.position_samples());
}

verdict decide_set_tempo(const v1::SessionState& /*state*/, const v1::SetTempo& intent) {
  const double bpm = intent.bpm();
  // NaN fails both comparisons, so test for it by name.
  if (!std::isfinite(bpm) || bpm < min_tempo_bpm || bpm > max_tempo_bpm) {
    return reject(v1::ERROR_CODE_MALFORMED, "tempo must be 20..400 bpm");
  }
  return std::nullopt;
}

verdict decide_set_meter(const v1::SessionState& /*state*/, const v1::SetMeter& intent) {
  const auto& meter = intent.meter();
  if (meter.beats_per_bar() < 1 || meter.beats_per_bar() > max_beats_per_bar) {
    return reject(v1::ERROR_CODE_MALFORMED, "beats per bar must be 1..64");
  }
  if (!is_beat_unit(meter.beat_unit())) {
    return reject(v1::ERROR_CODE_MALFORMED, "beat unit must be 1, 2, 4, 8, 16 or 32");
  }
  return std::nullopt;
}

verdict decide_set_loop(const v1::SessionState& /*state*/, const v1::SetLoop& intent) {
  const auto& loop = intent.loop();
  if (auto refused = check_position("loop start", loop.start_samples())) {
    return refused;
  }
  if (auto refused = check_position("loop end", loop.end_samples())) {
    return refused;
  }
  if (loop.enabled() && loop.start_samples() >= loop.end_samples()) {
    return reject(v1::ERROR_CODE_MALFORMED, "an enabled loop must end after it starts");
  }
  return std::nullopt;
}

verdict decide_select_song(const v1::SessionState& state, const v1::SelectSong& intent) {
  if (is_recording(state)) {
    return stop_recording_first();
  }
  if (!intent.song_id().empty() && find_song(state, intent.song_id()) < 0) {
    return not_found("song", intent.song_id());
  }
  return std::nullopt;
}

// Either way is valid at any time: revoking while a producer plays leaves
// the transport as it is, for the engineer to take over.
verdict decide_grant_transport(const v1::SessionState& /*state*/,
                               const v1::GrantTransport& /*intent*/) {
  return std::nullopt;
}

verdict decide_record(const v1::SessionState& state, const v1::Record& intent) {
  if (auto refused = check_position("position", intent.position_samples())) {
    return refused;
  }
  if (state.transport().current_song_id().empty()) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION, "select a song before recording");
  }
  if (is_recording(state)) {
    return reject(v1::ERROR_CODE_FAILED_PRECONDITION, "already recording");
  }
  return check_count("takes", state.takes_size(), max_takes);
}

void apply_play(v1::SessionState& state, const v1::Play& intent) {
  auto& transport = *state.mutable_transport();
  transport.set_mode(v1::TRANSPORT_MODE_PLAYING);
  transport.set_position_samples(intent.position_samples());
}

void apply_stop(v1::SessionState& state, const v1::Stop& intent) {
  auto& transport = *state.mutable_transport();
  if (!transport.recording_take_id().empty()) {
    const int take = find_take(state, transport.recording_take_id());
    if (take >= 0) {
      auto& ended = *state.mutable_takes(take);
      ended.set_end_samples(intent.position_samples());
      ended.set_recording(false);
    }
    transport.clear_recording_take_id();
  }
  transport.set_mode(v1::TRANSPORT_MODE_STOPPED);
  transport.set_position_samples(intent.position_samples());
}

void apply_locate(v1::SessionState& state, const v1::Locate& intent) {
  state.mutable_transport()->set_position_samples(intent.position_samples());
}

void apply_set_tempo(v1::SessionState& state, const v1::SetTempo& intent) {
  state.mutable_transport()->set_tempo_bpm(intent.bpm());
}

void apply_set_meter(v1::SessionState& state, const v1::SetMeter& intent) {
  *state.mutable_transport()->mutable_meter() = intent.meter();
}

void apply_set_loop(v1::SessionState& state, const v1::SetLoop& intent) {
  *state.mutable_transport()->mutable_loop() = intent.loop();
}

void apply_select_song(v1::SessionState& state, const v1::SelectSong& intent) {
  state.mutable_transport()->set_current_song_id(intent.song_id());
}

void apply_grant_transport(v1::SessionState& state, const v1::GrantTransport& intent) {
  state.mutable_transport()->set_producer_may_drive(intent.producer_may_drive());
}

void apply_record(v1::SessionState& state, const v1::Event& event, const v1::Record& intent) {
  auto& transport = *state.mutable_transport();
  const std::string& song_id = transport.current_song_id();
  std::uint32_t last_number = 0;
  for (const auto& take : state.takes()) {
    if (take.song_id() == song_id && take.number() > last_number) {
      last_number = take.number();
    }
  }
  auto& take = *state.add_takes();
  take.set_id(make_id("tk", event.version()));
  take.set_song_id(song_id);
  take.set_number(last_number + 1);
  take.set_start_samples(intent.position_samples());
  take.set_recording(true);
  transport.set_mode(v1::TRANSPORT_MODE_RECORDING);
  transport.set_recording_take_id(take.id());
  transport.set_position_samples(intent.position_samples());
}

}  // namespace controlroom::state::reducer_detail
