#include "media/session_media.hpp"

namespace controlroom::server {

bool may_publish(role_set roles, stream_kind kind) {
  switch (kind) {
    case stream_kind::program:
    case stream_kind::cue:
      return roles.contains(role::engineer);
    case stream_kind::talkback:
      return roles.contains(role::engineer) || roles.contains(role::producer) ||
             roles.contains(role::artist);
  }
  return false;
}

bool hears(role_set receiver, stream_kind kind, std::optional<v1::TalkbackTarget> target) {
  switch (kind) {
    case stream_kind::program:
      return true;
    case stream_kind::cue:
      return receiver.contains(role::artist) || receiver.contains(role::engineer);
    case stream_kind::talkback:
      break;
  }
  if (!target) {
    return false;  // talkback reaches no one while the talker's channel is closed
  }
  switch (*target) {
    case v1::TALKBACK_TARGET_EVERYONE:
      return true;
    case v1::TALKBACK_TARGET_ARTIST:
      return receiver.contains(role::artist);
    case v1::TALKBACK_TARGET_ENGINEER:
      // The control room: everyone except whoever is only the artist.
      return receiver.contains(role::engineer) || receiver.contains(role::producer) ||
             receiver.contains(role::listener);
    case v1::TALKBACK_TARGET_ENGINEER_PRIVATE:
      return receiver.contains(role::engineer);
    case v1::TALKBACK_TARGET_PRODUCER_PRIVATE:
      return receiver.contains(role::producer);
    default:
      return false;
  }
}

media_member* session_media::find(const std::string& participant_id) {
  const auto it = members_.find(participant_id);
  return it == members_.end() ? nullptr : it->second.get();
}

media_member& session_media::add(std::string participant_id) {
  auto member = std::make_unique<media_member>();
  member->participant_id = participant_id;
  auto& slot = members_[std::move(participant_id)];
  slot = std::move(member);
  changed();
  return *slot;
}

std::uint32_t session_media::remove(const std::string& participant_id) {
  const auto it = members_.find(participant_id);
  if (it == members_.end()) {
    return 0;
  }
  const auto sender_id = it->second->sender_id;
  members_.erase(it);
  changed();
  return sender_id;
}

void session_media::set_talkback(const v1::SessionState& state) {
  std::unordered_map<std::string, v1::TalkbackTarget> now;
  for (const auto& channel : state.talkback()) {
    now.emplace(channel.user_id(), channel.target());
  }
  if (now != talkback_) {
    talkback_ = std::move(now);
    changed();
  }
}

const std::vector<media_member*>& session_media::receivers(media_member& sender, stream_kind kind) {
  if (sender.routes_generation != generation_) {
    compute_routes(sender);
  }
  return sender.routes[index_of(kind)];
}

void session_media::compute_routes(media_member& sender) {
  std::optional<v1::TalkbackTarget> target;
  if (const auto it = talkback_.find(sender.user_id); it != talkback_.end()) {
    target = it->second;
  }
  for (std::size_t k = 0; k < stream_kind_count; ++k) {
    const auto kind = static_cast<stream_kind>(k);
    auto& route = sender.routes[k];
    route.clear();
    if (!sender.published[k].active) {
      continue;
    }
    for (auto& [id, receiver] : members_) {
      if (receiver.get() == &sender || !receiver->subscribed[k]) {
        continue;
      }
      if (hears(receiver->roles, kind, target)) {
        route.push_back(receiver.get());
      }
    }
  }
  sender.routes_generation = generation_;
}

v1::MediaStreams session_media::describe() const {
  v1::MediaStreams out;
  out.set_session_id(session_id_);
  for (const auto& [id, m] : members_) {
    for (std::size_t k = 0; k < stream_kind_count; ++k) {
      const auto& p = m->published[k];
      if (!p.active) {
        continue;
      }
      auto& s = *out.add_streams();
      s.set_participant_id(m->participant_id);
      s.set_user_id(m->user_id);
      s.set_sender_id(m->sender_id);
      s.set_kind(static_cast<v1::StreamKind>(k));
      s.set_channels(p.channels);
      s.set_frame_samples(p.frame_samples);
    }
  }
  return out;
}

}  // namespace controlroom::server
