// The permission table and the dispatch. Each intent's checks and effects
// live in the file of its feature (see reducer_detail.hpp); nothing here knows
// what an intent means beyond who may send it.

#include "controlroom/state/reducer.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "reducer_detail.hpp"

namespace controlroom::state {

namespace {

using namespace reducer_detail;
using change_case = v1::Intent::ChangeCase;

// Who may send an intent: bits of a rule.
enum may : std::uint8_t {
  nobody = 0,
  engineers = 1,
  producers = 2,
  artists = 4,
  // Producers too, while an engineer has granted them the transport.
  producers_driving = 8,
};

constexpr std::uint8_t transport_rule = engineers | producers_driving;

// The one permission table. A case missing here is refused to everyone but
// the server, and the permission matrix test names it.
constexpr std::uint8_t rule_for(change_case change) {
  switch (change) {
    case v1::Intent::kAddSong:
    case v1::Intent::kRenameSong:
    case v1::Intent::kRemoveSong:
    case v1::Intent::kMoveSong:
    case v1::Intent::kPickTake:
    case v1::Intent::kUnpickTake:
    case v1::Intent::kRateTake:
    case v1::Intent::kCircleTake:
    case v1::Intent::kSetTakeNotes:
    case v1::Intent::kAddMarker:
    case v1::Intent::kUpdateMarker:
    case v1::Intent::kRemoveMarker:
      return producers;
    case v1::Intent::kPlay:
    case v1::Intent::kStop:
    case v1::Intent::kLocate:
    case v1::Intent::kSetTempo:
    case v1::Intent::kSetMeter:
    case v1::Intent::kSetLoop:
    case v1::Intent::kSelectSong:
      return transport_rule;
    case v1::Intent::kGrantTransport:
    case v1::Intent::kRecord:
    case v1::Intent::kAddTrack:
    case v1::Intent::kUpdateTrack:
    case v1::Intent::kRemoveTrack:
      return engineers;
    case v1::Intent::kAddComment:
    case v1::Intent::kRemoveComment:
      return producers | artists;
    case v1::Intent::kStartTalkback:
      return engineers | producers | artists;
    // Engineers stop talkback to cut someone else's channel.
    case v1::Intent::kStopTalkback:
      return engineers | producers | artists;
    case v1::Intent::kSetPlannedStart:
      return engineers | producers;
    case v1::Intent::kTakeFileRecorded:
      return nobody;  // the server's own report
    case v1::Intent::CHANGE_NOT_SET:
      return nobody;
  }
  return nobody;
}

std::string intent_name(change_case change) {
  const auto* field = v1::Intent::descriptor()->FindFieldByNumber(static_cast<int>(change));
  return field != nullptr ? field->name() : "intent " + std::to_string(static_cast<int>(change));
}

rejection forbidden(change_case change) {
  const auto rule = rule_for(change);
  std::string who;
  const auto add = [&who](const char* name) {
    if (!who.empty()) {
      who += ", ";
    }
    who += name;
  };
  if ((rule & engineers) != 0) {
    add("engineer");
  }
  if ((rule & producers) != 0) {
    add("producer");
  }
  if ((rule & artists) != 0) {
    add("artist");
  }
  if ((rule & producers_driving) != 0) {
    add("producer while the engineer grants transport");
  }
  if (who.empty()) {
    who = "the server only";
  }
  return reject(v1::ERROR_CODE_FORBIDDEN, intent_name(change) + " may be sent by: " + who);
}

verdict decide_change(const v1::SessionState& state, const actor& who, v1::Intent& intent) {
  switch (intent.change_case()) {
    case v1::Intent::kAddSong:
      return decide_add_song(state, *intent.mutable_add_song());
    case v1::Intent::kRenameSong:
      return decide_rename_song(state, intent.rename_song());
    case v1::Intent::kRemoveSong:
      return decide_remove_song(state, intent.remove_song());
    case v1::Intent::kMoveSong:
      return decide_move_song(state, *intent.mutable_move_song());
    case v1::Intent::kPickTake:
      return decide_pick_take(state, intent.pick_take());
    case v1::Intent::kUnpickTake:
      return decide_unpick_take(state, intent.unpick_take());
    case v1::Intent::kPlay:
      return decide_play(state, intent.play());
    case v1::Intent::kStop:
      return decide_stop(state, intent.stop());
    case v1::Intent::kLocate:
      return decide_locate(state, intent.locate());
    case v1::Intent::kSetTempo:
      return decide_set_tempo(state, intent.set_tempo());
    case v1::Intent::kSetMeter:
      return decide_set_meter(state, intent.set_meter());
    case v1::Intent::kSetLoop:
      return decide_set_loop(state, intent.set_loop());
    case v1::Intent::kSelectSong:
      return decide_select_song(state, intent.select_song());
    case v1::Intent::kGrantTransport:
      return decide_grant_transport(state, intent.grant_transport());
    case v1::Intent::kRecord:
      return decide_record(state, intent.record());
    case v1::Intent::kAddTrack:
      return decide_add_track(state, intent.add_track());
    case v1::Intent::kUpdateTrack:
      return decide_update_track(state, intent.update_track());
    case v1::Intent::kRemoveTrack:
      return decide_remove_track(state, intent.remove_track());
    case v1::Intent::kRateTake:
      return decide_rate_take(state, intent.rate_take());
    case v1::Intent::kCircleTake:
      return decide_circle_take(state, intent.circle_take());
    case v1::Intent::kSetTakeNotes:
      return decide_set_take_notes(state, intent.set_take_notes());
    case v1::Intent::kAddMarker:
      return decide_add_marker(state, *intent.mutable_add_marker());
    case v1::Intent::kUpdateMarker:
      return decide_update_marker(state, *intent.mutable_update_marker());
    case v1::Intent::kRemoveMarker:
      return decide_remove_marker(state, intent.remove_marker());
    case v1::Intent::kAddComment:
      return decide_add_comment(state, intent.add_comment());
    case v1::Intent::kRemoveComment:
      return decide_remove_comment(state, who, intent.remove_comment());
    case v1::Intent::kStartTalkback:
      return decide_start_talkback(state, who, intent.start_talkback());
    case v1::Intent::kStopTalkback:
      return decide_stop_talkback(state, who, *intent.mutable_stop_talkback());
    case v1::Intent::kSetPlannedStart:
      return decide_set_planned_start(state, intent.set_planned_start());
    case v1::Intent::kTakeFileRecorded:
      return decide_take_file_recorded(state, intent.take_file_recorded());
    case v1::Intent::CHANGE_NOT_SET:
      break;
  }
  return reject(v1::ERROR_CODE_MALFORMED, "the intent carries no change");
}

void apply_change(v1::SessionState& state, const v1::Event& event) {
  const auto& intent = event.intent();
  switch (intent.change_case()) {
    case v1::Intent::kAddSong:
      return apply_add_song(state, event, intent.add_song());
    case v1::Intent::kRenameSong:
      return apply_rename_song(state, intent.rename_song());
    case v1::Intent::kRemoveSong:
      return apply_remove_song(state, intent.remove_song());
    case v1::Intent::kMoveSong:
      return apply_move_song(state, intent.move_song());
    case v1::Intent::kPickTake:
      return apply_pick_take(state, intent.pick_take());
    case v1::Intent::kUnpickTake:
      return apply_unpick_take(state, intent.unpick_take());
    case v1::Intent::kPlay:
      return apply_play(state, intent.play());
    case v1::Intent::kStop:
      return apply_stop(state, intent.stop());
    case v1::Intent::kLocate:
      return apply_locate(state, intent.locate());
    case v1::Intent::kSetTempo:
      return apply_set_tempo(state, intent.set_tempo());
    case v1::Intent::kSetMeter:
      return apply_set_meter(state, intent.set_meter());
    case v1::Intent::kSetLoop:
      return apply_set_loop(state, intent.set_loop());
    case v1::Intent::kSelectSong:
      return apply_select_song(state, intent.select_song());
    case v1::Intent::kGrantTransport:
      return apply_grant_transport(state, intent.grant_transport());
    case v1::Intent::kRecord:
      return apply_record(state, event, intent.record());
    case v1::Intent::kAddTrack:
      return apply_add_track(state, event, intent.add_track());
    case v1::Intent::kUpdateTrack:
      return apply_update_track(state, intent.update_track());
    case v1::Intent::kRemoveTrack:
      return apply_remove_track(state, intent.remove_track());
    case v1::Intent::kRateTake:
      return apply_rate_take(state, intent.rate_take());
    case v1::Intent::kCircleTake:
      return apply_circle_take(state, intent.circle_take());
    case v1::Intent::kSetTakeNotes:
      return apply_set_take_notes(state, intent.set_take_notes());
    case v1::Intent::kAddMarker:
      return apply_add_marker(state, event, intent.add_marker());
    case v1::Intent::kUpdateMarker:
      return apply_update_marker(state, intent.update_marker());
    case v1::Intent::kRemoveMarker:
      return apply_remove_marker(state, intent.remove_marker());
    case v1::Intent::kAddComment:
      return apply_add_comment(state, event, intent.add_comment());
    case v1::Intent::kRemoveComment:
      return apply_remove_comment(state, intent.remove_comment());
    case v1::Intent::kStartTalkback:
      return apply_start_talkback(state, event, intent.start_talkback());
    case v1::Intent::kStopTalkback:
      return apply_stop_talkback(state, intent.stop_talkback());
    case v1::Intent::kSetPlannedStart:
      return apply_set_planned_start(state, intent.set_planned_start());
    case v1::Intent::kTakeFileRecorded:
      return apply_take_file_recorded(state, intent.take_file_recorded());
    case v1::Intent::CHANGE_NOT_SET:
      return;
  }
}

}  // namespace

bool permitted(const v1::SessionState& state, v1::Intent::ChangeCase change, role_set roles) {
  const auto rule = rule_for(change);
  if (roles.contains(role::engineer) && (rule & engineers) != 0) {
    return true;
  }
  if (roles.contains(role::producer) &&
      ((rule & producers) != 0 ||
       ((rule & producers_driving) != 0 && state.transport().producer_may_drive()))) {
    return true;
  }
  return roles.contains(role::artist) && (rule & artists) != 0;
}

std::variant<v1::Event, rejection> decide(const v1::SessionState& state, const v1::Intent& intent,
                                          const actor& who, const std::string& operation_id,
                                          std::int64_t now_unix_ms) {
  const auto change = intent.change_case();
  if (change == v1::Intent::CHANGE_NOT_SET) {
    return reject(v1::ERROR_CODE_MALFORMED, "the intent carries no change");
  }
  if (!who.is_server() && !permitted(state, change, who.roles)) {
    return forbidden(change);
  }
  v1::Event event;
  event.set_version(state.version() + 1);
  event.set_operation_id(operation_id);
  event.set_author_user_id(who.user_id);
  event.set_at_unix_ms(now_unix_ms);
  // The event's own copy: decide normalizes defaults into it.
  *event.mutable_intent() = intent;
  if (auto refused = decide_change(state, who, *event.mutable_intent())) {
    return std::move(*refused);
  }
  return event;
}

void apply(v1::SessionState& state, const v1::Event& event) {
  apply_change(state, event);
  state.set_version(event.version());
}

}  // namespace controlroom::state
