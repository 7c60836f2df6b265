#include "intents_convert.hpp"

#include <variant>

namespace controlroom::detail {
namespace {

// One overload per intent: the compiler checks that the variant and this file
// agree (a new alternative without a fill() does not build).

void fill(const add_song& in, v1::Intent* out) {
  auto* m = out->mutable_add_song();
  m->set_title(in.title);
  if (in.index)
    m->set_index(*in.index);
}

void fill(const rename_song& in, v1::Intent* out) {
  auto* m = out->mutable_rename_song();
  m->set_song_id(in.song_id);
  m->set_title(in.title);
}

void fill(const remove_song& in, v1::Intent* out) {
  out->mutable_remove_song()->set_song_id(in.song_id);
}

void fill(const move_song& in, v1::Intent* out) {
  auto* m = out->mutable_move_song();
  m->set_song_id(in.song_id);
  m->set_index(in.index);
}

void fill(const pick_take& in, v1::Intent* out) {
  out->mutable_pick_take()->set_take_id(in.take_id);
}

void fill(const unpick_take& in, v1::Intent* out) {
  out->mutable_unpick_take()->set_song_id(in.song_id);
}

void fill(const play& in, v1::Intent* out) {
  out->mutable_play()->set_position_samples(in.position_samples);
}

void fill(const stop& in, v1::Intent* out) {
  out->mutable_stop()->set_position_samples(in.position_samples);
}

void fill(const locate& in, v1::Intent* out) {
  out->mutable_locate()->set_position_samples(in.position_samples);
}

void fill(const set_tempo& in, v1::Intent* out) {
  out->mutable_set_tempo()->set_bpm(in.bpm);
}

void fill(const set_meter& in, v1::Intent* out) {
  auto* m = out->mutable_set_meter()->mutable_meter();
  m->set_beats_per_bar(in.beats_per_bar);
  m->set_beat_unit(in.beat_unit);
}

void fill(const set_loop& in, v1::Intent* out) {
  auto* m = out->mutable_set_loop()->mutable_loop();
  m->set_enabled(in.enabled);
  m->set_start_samples(in.start_samples);
  m->set_end_samples(in.end_samples);
}

void fill(const select_song& in, v1::Intent* out) {
  out->mutable_select_song()->set_song_id(in.song_id);
}

void fill(const grant_transport& in, v1::Intent* out) {
  out->mutable_grant_transport()->set_producer_may_drive(in.producer_may_drive);
}

void fill(const record& in, v1::Intent* out) {
  out->mutable_record()->set_position_samples(in.position_samples);
}

void fill(const add_track& in, v1::Intent* out) {
  auto* m = out->mutable_add_track();
  m->set_name(in.name);
  m->set_input_label(in.input_label);
}

void fill(const update_track& in, v1::Intent* out) {
  auto* m = out->mutable_update_track();
  m->set_track_id(in.track_id);
  if (in.name)
    m->set_name(*in.name);
  if (in.armed)
    m->set_armed(*in.armed);
  if (in.muted)
    m->set_muted(*in.muted);
  if (in.soloed)
    m->set_soloed(*in.soloed);
  if (in.input_label)
    m->set_input_label(*in.input_label);
}

void fill(const remove_track& in, v1::Intent* out) {
  out->mutable_remove_track()->set_track_id(in.track_id);
}

void fill(const rate_take& in, v1::Intent* out) {
  auto* m = out->mutable_rate_take();
  m->set_take_id(in.take_id);
  m->set_rating(in.rating);
}

void fill(const circle_take& in, v1::Intent* out) {
  auto* m = out->mutable_circle_take();
  m->set_take_id(in.take_id);
  m->set_circled(in.circled);
}

void fill(const set_take_notes& in, v1::Intent* out) {
  auto* m = out->mutable_set_take_notes();
  m->set_take_id(in.take_id);
  m->set_notes(in.notes);
}

void fill(const add_marker& in, v1::Intent* out) {
  auto* m = out->mutable_add_marker();
  m->set_position_samples(in.position_samples);
  m->set_label(in.label);
  m->set_color(in.color);
}

void fill(const update_marker& in, v1::Intent* out) {
  auto* m = out->mutable_update_marker();
  m->set_marker_id(in.marker_id);
  if (in.position_samples)
    m->set_position_samples(*in.position_samples);
  if (in.label)
    m->set_label(*in.label);
  if (in.color)
    m->set_color(*in.color);
}

void fill(const remove_marker& in, v1::Intent* out) {
  out->mutable_remove_marker()->set_marker_id(in.marker_id);
}

// Neither target set is passed on as such: the server names that mistake.
void fill(const add_comment& in, v1::Intent* out) {
  auto* m = out->mutable_add_comment();
  if (!in.marker_id.empty()) {
    m->set_marker_id(in.marker_id);
  } else if (!in.take_id.empty()) {
    m->set_take_id(in.take_id);
  }
  m->set_text(in.text);
}

void fill(const remove_comment& in, v1::Intent* out) {
  out->mutable_remove_comment()->set_comment_id(in.comment_id);
}

void fill(const start_talkback& in, v1::Intent* out) {
  auto* m = out->mutable_start_talkback();
  // The numbers match TalkbackTarget; an out-of-range value is the server's to refuse.
  m->set_target(static_cast<v1::TalkbackTarget>(in.target));
  m->set_latched(in.latched);
}

void fill(const stop_talkback& in, v1::Intent* out) {
  out->mutable_stop_talkback()->set_user_id(in.user_id);
}

void fill(const set_planned_start& in, v1::Intent* out) {
  out->mutable_set_planned_start()->set_planned_start_unix_ms(in.planned_start_unix_ms);
}

}  // namespace

status to_proto(const intent& in, v1::Intent* out) {
  if (const auto* c = std::get_if<add_comment>(&in);
      c != nullptr && !c->marker_id.empty() && !c->take_id.empty()) {
    return {errc::malformed, "add_comment names both a marker and a take; set one of them"};
  }
  std::visit([out](const auto& change) { fill(change, out); }, in);
  return {};
}

std::string_view change_name(const v1::Intent& in) {
  const auto change = in.change_case();
  if (change == v1::Intent::CHANGE_NOT_SET)
    return {};
  // A oneof case is its field's number; descriptors live as long as the program.
  const auto* field = v1::Intent::descriptor()->FindFieldByNumber(static_cast<int>(change));
  return field == nullptr ? std::string_view() : std::string_view(field->name());
}

}  // namespace controlroom::detail
