// The timeline: markers at the position their author heard, and comments on
// markers and takes. Removing a marker takes its comments with it.

#include <string>

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

verdict decide_add_marker(const v1::SessionState& state, v1::AddMarker& intent) {
  if (auto refused = check_position("marker position", intent.position_samples())) {
    return refused;
  }
  if (auto refused = check_text("marker label", intent.label(), max_label_bytes)) {
    return refused;
  }
  if (auto refused = normalize_color(*intent.mutable_color())) {
    return refused;
  }
  return check_count("markers", state.markers_size(), max_markers);
}

verdict decide_update_marker(const v1::SessionState& state, v1::UpdateMarker& intent) {
  if (find_marker(state, intent.marker_id()) < 0) {
    return not_found("marker", intent.marker_id());
  }
  if (intent.has_position_samples()) {
    if (auto refused = check_position("marker position", intent.position_samples())) {
      return refused;
    }
  }
  if (intent.has_label()) {
    if (auto refused = check_text("marker label", intent.label(), max_label_bytes)) {
      return refused;
    }
  }
  if (intent.has_color()) {
    return normalize_color(*intent.mutable_color());
  }
  return std::nullopt;
}

verdict decide_remove_marker(const v1::SessionState& state, const v1::RemoveMarker& intent) {
  if (find_marker(state, intent.marker_id()) < 0) {
    return not_found("marker", intent.marker_id());
  }
  return std::nullopt;
}

verdict decide_add_comment(const v1::SessionState& state, const v1::AddComment& intent) {
  if (intent.target_case() == v1::AddComment::TARGET_NOT_SET) {
    return reject(v1::ERROR_CODE_MALFORMED, "a comment needs a marker or a take");
  }
  if (auto refused = check_name("comment text", intent.text(), max_comment_bytes)) {
    return refused;
  }
  if (auto refused = check_count("comments", state.comments_size(), max_comments)) {
    return refused;
  }
  if (intent.target_case() == v1::AddComment::kMarkerId) {
    if (find_marker(state, intent.marker_id()) < 0) {
      return not_found("marker", intent.marker_id());
    }
  } else if (find_take(state, intent.take_id()) < 0) {
    return not_found("take", intent.take_id());
  }
  return std::nullopt;
}

verdict decide_remove_comment(const v1::SessionState& state, const actor& who,
                              const v1::RemoveComment& intent) {
  const int comment = find_comment(state, intent.comment_id());
  if (comment < 0) {
    return not_found("comment", intent.comment_id());
  }
  if (!who.is_server() && state.comments(comment).author_user_id() != who.user_id) {
    return reject(v1::ERROR_CODE_FORBIDDEN,
                  "only its author removes comment \"" + intent.comment_id() + "\"");
  }
  return std::nullopt;
}

void apply_add_marker(v1::SessionState& state, const v1::Event& event,
                      const v1::AddMarker& intent) {
  auto& marker = *state.add_markers();
  marker.set_id(make_id("m", event.version()));
  marker.set_position_samples(intent.position_samples());
  marker.set_label(intent.label());
  marker.set_color(intent.color());
  marker.set_author_user_id(event.author_user_id());
}

void apply_update_marker(v1::SessionState& state, const v1::UpdateMarker& intent) {
  const int index = find_marker(state, intent.marker_id());
  if (index < 0) {
    return;
  }
  auto& marker = *state.mutable_markers(index);
  if (intent.has_position_samples()) {
    marker.set_position_samples(intent.position_samples());
  }
  if (intent.has_label()) {
    marker.set_label(intent.label());
  }
  if (intent.has_color()) {
    marker.set_color(intent.color());
  }
}

void apply_remove_marker(v1::SessionState& state, const v1::RemoveMarker& intent) {
  const int index = find_marker(state, intent.marker_id());
  if (index < 0) {
    return;
  }
  const std::string& id = intent.marker_id();
  erase_if(*state.mutable_comments(), [&id](const v1::Comment& comment) {
    return comment.target_case() == v1::Comment::kMarkerId && comment.marker_id() == id;
  });
  state.mutable_markers()->DeleteSubrange(index, 1);
}

void apply_add_comment(v1::SessionState& state, const v1::Event& event,
                       const v1::AddComment& intent) {
  if (intent.target_case() == v1::AddComment::TARGET_NOT_SET) {
    return;
  }
  auto& comment = *state.add_comments();
  comment.set_id(make_id("c", event.version()));
  if (intent.target_case() == v1::AddComment::kMarkerId) {
    comment.set_marker_id(intent.marker_id());
  } else {
    comment.set_take_id(intent.take_id());
  }
  comment.set_author_user_id(event.author_user_id());
  comment.set_text(intent.text());
  comment.set_created_unix_ms(event.at_unix_ms());
}

void apply_remove_comment(v1::SessionState& state, const v1::RemoveComment& intent) {
  const int index = find_comment(state, intent.comment_id());
  if (index >= 0) {
    state.mutable_comments()->DeleteSubrange(index, 1);
  }
}

}  // namespace controlroom::state::reducer_detail
