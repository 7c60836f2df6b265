// OpenMedia, Publish, Unpublish and MediaFrame: joining the media plane of
// the session a connection is in (docs/protocol.md §7). Each request hops to
// the session's owner worker, where its media state lives.

#include <algorithm>
#include <chrono>

#include "control/dispatcher.hpp"
#include "control/reply.hpp"
#include "media/media_switch.hpp"
#include "metrics/server_metrics.hpp"
#include "session/room_directory.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

std::uint64_t steady_now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

bool valid_kind(int kind) {
  return v1::StreamKind_IsValid(kind);
}

const char* kind_name(stream_kind kind) {
  switch (kind) {
    case stream_kind::program:
      return "program";
    case stream_kind::talkback:
      return "talkback";
    case stream_kind::cue:
      return "cue";
  }
  return "unknown";
}

// Runs `fn(live, member)` on the session's owner once the connection is in
// the session's media plane; answers the request with an error otherwise.
template <class Fn>
void with_member(services& s, const std::shared_ptr<peer>& p, std::uint64_t request_id, Fn fn) {
  s.rooms.with_live_session(
      p->state().session_id, [&s, p, request_id, fn = std::move(fn)](live_session* live) {
        if (live == nullptr || !live->people().participants().contains(p->id())) {
          reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                      "not in the session (wait for Joined, or join again)");
          return;
        }
        auto* member = live->media().find(p->id());
        if (member == nullptr) {
          reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                      "open the media plane (OpenMedia) first");
          return;
        }
        fn(*live, *member);
      });
}

bool require_session(services& s, peer& p, std::uint64_t request_id) {
  if (p.state().session_id.empty()) {
    reply_error(s, p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                "join a session before using its media plane");
    return false;
  }
  return true;
}

void on_open_media(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto request_id = env.request_id();
  if (!require_session(s, *p, request_id)) {
    return;
  }
  const auto& req = env.open_media();
  std::array<bool, stream_kind_count> subscribe{};
  for (const int kind : req.subscribe()) {
    if (!valid_kind(kind)) {
      reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                  "unknown stream kind " + std::to_string(kind));
      return;
    }
    subscribe[static_cast<std::size_t>(kind)] = true;
  }
  if (!v1::MediaTransport_IsValid(req.transport())) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                "unknown media transport " + std::to_string(req.transport()));
    return;
  }
  const bool udp = req.transport() == v1::MEDIA_TRANSPORT_UDP;
  s.rooms.with_live_session(p->state().session_id, [&s, p, request_id, subscribe,
                                                    udp](live_session* live) {
    if (live == nullptr || !live->people().participants().contains(p->id())) {
      reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                  "not in the session (wait for Joined, or join again)");
      return;
    }
    auto* media = live->media_plane();
    if (media == nullptr) {
      reply_error(s, *p, request_id, v1::ERROR_CODE_UNAVAILABLE, "this server has no media plane");
      return;
    }
    auto* member = live->media().find(p->id());
    if (member == nullptr) {
      const auto& entry = live->people().participants().at(p->id());
      member = &live->media().add(p->id());
      member->user_id = entry.user.id;
      member->roles = entry.roles;
      member->connection = p;
      media->add_sender(live->media(), *member);
      s.metrics.media_senders.add(1);
      log::debug(log_subsystem::media, {live->id(), p->id()}, "opens media as sender ",
                 member->sender_id);
    }
    member->subscribed = subscribe;
    member->deliver_udp = udp;
    live->media().changed();
    reply(*p, request_id, [&](v1::ServerEnvelope& out) {
      auto& opened = *out.mutable_media_opened();
      opened.set_sender_id(member->sender_id);
      opened.set_media_token(member->token.data(), member->token.size());
      opened.set_udp_port(media->udp_port());
      opened.set_udp_host(s.cfg.media_public_host);
      opened.set_max_datagram_bytes(static_cast<std::uint32_t>(media::max_datagram_size));
      opened.set_transport(member->receives_udp() ? v1::MEDIA_TRANSPORT_UDP
                                                  : v1::MEDIA_TRANSPORT_WEBSOCKET);
      opened.set_media_key(member->key.data(), member->key.size());
      opened.set_cipher(v1::MEDIA_CIPHER_AES_256_GCM);
    });
    v1::ServerEnvelope streams;
    *streams.mutable_media_streams() = live->media().describe();
    p->send(encode(streams));
  });
}

void on_publish(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto request_id = env.request_id();
  if (!require_session(s, *p, request_id)) {
    return;
  }
  const auto& req = env.publish();
  if (!valid_kind(req.kind()) || (req.channels() != 1 && req.channels() != 2) ||
      !media::is_valid_frame_samples(req.frame_samples())) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                "Publish needs a known kind, 1 or 2 channels and frame_samples of "
                "120, 240, 480 or 960");
    return;
  }
  const auto kind = static_cast<stream_kind>(req.kind());
  published_stream stream{true, static_cast<std::uint8_t>(req.channels()),
                          static_cast<std::uint16_t>(req.frame_samples())};
  with_member(s, p, request_id,
              [&s, p, request_id, kind, stream](live_session& live, media_member& member) {
                if (!may_publish(member.roles, kind)) {
                  reply_error(
                      s, *p, request_id, v1::ERROR_CODE_FORBIDDEN,
                      std::string("your roles may not publish a ") + kind_name(kind) +
                          " stream (program and cue: engineer; talkback: engineer, producer, "
                          "artist; a listener publishes nothing)");
                  return;
                }
                member.published[index_of(kind)] = stream;
                live.media().changed();
                reply(*p, request_id, [&](v1::ServerEnvelope& out) {
                  out.mutable_published()->set_kind(static_cast<v1::StreamKind>(kind));
                });
                live.announce_streams();
              });
}

void on_unpublish(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto request_id = env.request_id();
  if (!require_session(s, *p, request_id)) {
    return;
  }
  if (!valid_kind(env.unpublish().kind())) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED, "unknown stream kind");
    return;
  }
  const auto kind = static_cast<stream_kind>(env.unpublish().kind());
  with_member(s, p, request_id, [p, request_id, kind](live_session& live, media_member& member) {
    const bool was = member.published[index_of(kind)].active;
    member.published[index_of(kind)] = {};
    live.media().changed();
    reply(*p, request_id, [&](v1::ServerEnvelope& out) {
      out.mutable_unpublished()->set_kind(static_cast<v1::StreamKind>(kind));
    });
    if (was) {
      live.announce_streams();
    }
  });
}

void deliver_media_frame(live_session* live, const std::string& participant_id,
                         const std::string& datagram) {
  if (live == nullptr || live->media_plane() == nullptr) {
    return;
  }
  live->media_plane()->on_websocket(
      participant_id, {reinterpret_cast<const std::uint8_t*>(datagram.data()), datagram.size()},
      steady_now_us());
}

void on_media_frame(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto& datagram = env.media_frame().datagram();
  // Media is never answered: a bad frame is counted, not replied to, so a
  // stream of them cannot turn into a stream of errors.
  if (datagram.size() > media::max_datagram_size) {
    s.metrics.media_dropped(media_drop::oversize).inc();
    return;
  }
  if (p->state().session_id.empty()) {
    s.metrics.media_dropped(media_drop::wrong_sender).inc();
    return;
  }
  p->carries_media();
  const auto& session_id = p->state().session_id;
  // The relay works on the session's owner; a connection that named its
  // session in the upgrade is served there too, and its frames go straight
  // in (in order: all of one connection's frames take the same way).
  if (s.rooms.visit_if_live_here(
          session_id, [&](live_session* live) { deliver_media_frame(live, p->id(), datagram); })) {
    return;
  }
  s.rooms.with_live_session(session_id, [id = p->id(), bytes = datagram](live_session* live) {
    deliver_media_frame(live, id, bytes);
  });
}

}  // namespace

void register_media_handlers(handler_table& table) {
  table[v1::ClientEnvelope::kOpenMedia] = {&on_open_media, true};
  table[v1::ClientEnvelope::kPublish] = {&on_publish, true};
  table[v1::ClientEnvelope::kUnpublish] = {&on_unpublish, true};
  table[v1::ClientEnvelope::kMediaFrame] = {&on_media_frame, true};
}

}  // namespace controlroom::server
