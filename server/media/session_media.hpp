#pragma once

// Who is on a session's media plane and who hears whom: the routing rules of
// docs/protocol.md §7.3 as plain data, with no sockets. The forwarder asks
// receivers(sender, kind) for every datagram, so the answer is computed once
// per change (join, leave, subscription, publication, talkback) and cached.
//
// Threading: owned by its live_session; touched only on the session's owner
// worker thread.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/peer.hpp"
#include "controlroom/media/header.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "controlroom/v1/control.pb.h"
#include "domain/role.hpp"
#include "media/udp_endpoint.hpp"

namespace controlroom::server {

using media::stream_kind;

inline constexpr std::size_t stream_kind_count = 3;

inline std::size_t index_of(stream_kind k) {
  return static_cast<std::size_t>(k);
}

/// A stream a member has announced with Publish.
struct published_stream {
  bool active = false;
  std::uint8_t channels = 0;
  std::uint16_t frame_samples = 0;
};

/// One participant (connection) on the media plane.
struct media_member {
  std::string participant_id;
  std::string user_id;
  role_set roles;
  std::uint32_t sender_id = 0;
  media::media_token token{};
  // UDP sealing (controlroom/media/sealed.hpp): the key MediaOpened handed
  // out and a cipher keyed with it, the counters accepted from the member
  // (replays are refused) and the last counter the server sealed to it.
  media::media_key key{};
  std::optional<media::media_cipher> cipher;
  media::replay_window received;
  std::uint64_t sent_counter = 0;
  std::weak_ptr<peer> connection;
  std::array<bool, stream_kind_count> subscribed{};
  bool deliver_udp = false;         // asked for UDP delivery (OpenMedia)
  std::optional<udp_endpoint> udp;  // where its last valid probe came from
  std::array<published_stream, stream_kind_count> published{};

  /// True when media for this member goes over UDP now.
  bool receives_udp() const { return deliver_udp && udp.has_value(); }

 private:
  friend class session_media;
  std::uint64_t routes_generation = 0;  // routes[] valid while equal to the session's
  std::array<std::vector<media_member*>, stream_kind_count> routes;
};

/// Sees every accepted datagram of the session's published streams, before
/// it is forwarded (the take recorder). Owner thread.
class media_tap {
 public:
  virtual ~media_tap() = default;
  virtual void on_packet(media_member& sender, const media::media_header& header,
                         std::span<const std::uint8_t> payload, std::uint64_t now_us) = 0;
};

/// May someone with `roles` publish `kind`? (A listener publishes nothing;
/// program and cue are the engineer's.)
bool may_publish(role_set roles, stream_kind kind);

/// Does `receiver` hear a `kind` stream? For talkback, `target` is the
/// talker's open channel (none: nobody hears it). Subscriptions and "not to
/// itself" are checked by the caller.
bool hears(role_set receiver, stream_kind kind, std::optional<v1::TalkbackTarget> target);

class session_media {
 public:
  explicit session_media(std::string session_id) : session_id_(std::move(session_id)) {}

  const std::string& session_id() const { return session_id_; }

  media_member* find(const std::string& participant_id);
  /// Adds a member (first OpenMedia). The caller fills in its fields.
  media_member& add(std::string participant_id);
  /// Removes a member; returns its sender_id (0 when it was not there).
  std::uint32_t remove(const std::string& participant_id);
  const std::map<std::string, std::unique_ptr<media_member>>& members() const { return members_; }

  /// Call after changing a member's subscription, transport or publications.
  void changed() { ++generation_; }

  /// The open talkback channels, from the committed session state.
  void set_talkback(const v1::SessionState& state);

  /// Everyone who gets `sender`'s `kind` datagrams now. Valid until the
  /// next change.
  const std::vector<media_member*>& receivers(media_member& sender, stream_kind kind);

  /// The MediaStreams event describing every published stream.
  v1::MediaStreams describe() const;

  /// The recorder, while one is attached (owned elsewhere).
  media_tap* tap() const { return tap_; }
  void set_tap(media_tap* tap) { tap_ = tap; }

 private:
  void compute_routes(media_member& sender);

  std::string session_id_;
  std::map<std::string, std::unique_ptr<media_member>> members_;  // by participant id
  std::unordered_map<std::string, v1::TalkbackTarget> talkback_;  // by user id
  std::uint64_t generation_ = 1;
  media_tap* tap_ = nullptr;
};

}  // namespace controlroom::server
