// Media in and out on the network thread: received datagrams (UDP or
// MediaFrame) routed by (sender_id, kind) to their receivers, which
// MediaStreams creates and retires; publishers' datagrams drained from their
// rings, restamped with the current sender_id (it changes when the client
// resumes on a new connection) and sent on the transport in use (sealed on
// UDP, into a buffer of the engine's: no allocation per datagram); each kept
// in its publisher's history, so that a NACK from the take recorder is
// answered with the same bytes flagged `retransmission` (docs/media-plane.md,
// "Healing").

#include <algorithm>

#include "controlroom/media/nack.hpp"
#include "convert.hpp"
#include "media_convert.hpp"
#include "media_engine.hpp"

namespace controlroom::detail {
namespace {

// Program first: a mixer's heard position is its first stream's that has one.
int mix_order(stream_kind k) {
  switch (k) {
    case stream_kind::program:
      return 0;
    case stream_kind::cue:
      return 1;
    case stream_kind::talkback:
      return 2;
  }
  return 3;
}

}  // namespace

bool media_engine::on_event(std::uint64_t generation, const v1::ServerEnvelope& envelope) {
  if (envelope.has_media_frame()) {
    if (generation == generation_ && open_) {
      const auto& bytes = envelope.media_frame().datagram();
      const std::span<const std::uint8_t> datagram(
          reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      // A sender on the WebSocket gets its NACKs there too.
      if (!datagram.empty() && datagram[0] == media::nack_type)
        on_nack(datagram);
      else
        route(datagram, media_now_us());
    }
    return true;
  }
  if (envelope.has_media_streams()) {
    if (generation == generation_ && open_)
      on_streams(envelope.media_streams());
    return true;
  }
  return false;
}

void media_engine::on_datagram(std::span<const std::uint8_t> sealed, std::uint64_t arrival_us) {
  // Nothing unsealed is accepted on UDP; only the WebSocket (TLS) carries
  // datagrams as they are.
  switch (seal_.open(sealed)) {
    case media_seal::verdict::opened:
      break;
    case media_seal::verdict::unauthenticated:
      update_status([](auto& s) { ++s.datagrams_unauthenticated; });
      return;
    case media_seal::verdict::replayed:
      update_status([](auto& s) { ++s.datagrams_replayed; });
      return;
  }
  const auto datagram = seal_.inner();
  if (datagram[0] == media::probe_reply_type) {
    if (const auto reply = media::parse_probe_reply(datagram))
      on_probe_reply(*reply, arrival_us);
    return;
  }
  if (datagram[0] == media::nack_type) {
    on_nack(datagram);
    return;
  }
  if (open_)
    route(datagram, arrival_us);
}

void media_engine::route(std::span<const std::uint8_t> datagram, std::uint64_t arrival_us) {
  // Only the demultiplexing fields are read here; the receiver parses the
  // whole datagram strictly (and counts what it rejects).
  std::uint64_t received = 0, unrouted = 0;
  if (datagram.size() >= media::header_size && datagram[0] == media::header_version) {
    const std::uint32_t sender = (std::uint32_t{datagram[4]} << 24) |
                                 (std::uint32_t{datagram[5]} << 16) |
                                 (std::uint32_t{datagram[6]} << 8) | datagram[7];
    const auto it = receivers_.find(stream_key(sender, datagram[8]));
    if (it != receivers_.end()) {
      it->second->receiver.push(datagram, arrival_us);
      received = 1;
    } else {
      unrouted = 1;
    }
  } else {
    unrouted = 1;
  }
  update_status([&](auto& s) {
    s.datagrams_received += received;
    s.datagrams_unrouted += unrouted;
  });
}

bool media_engine::on_streams(const v1::MediaStreams& announced) {
  const auto subscribed = options().subscribe;
  std::vector<audio_stream_info> streams;
  for (const auto& s : announced.streams()) {
    auto info = from_proto(s);
    if (info)
      streams.push_back(std::move(*info));
  }
  std::unordered_map<std::uint64_t, std::shared_ptr<receiver_slot>> next;
  for (const auto& info : streams) {
    // Our own streams never come back; kinds not subscribed never arrive.
    if (info.sender_id == sender_id_ ||
        std::find(subscribed.begin(), subscribed.end(), info.kind) == subscribed.end())
      continue;
    const auto key = stream_key(info.sender_id, static_cast<std::uint8_t>(info.kind));
    if (auto it = receivers_.find(key); it != receivers_.end() && it->second->info == info) {
      next.emplace(key, it->second);
      continue;
    }
    auto receiver = media::stream_receiver::create(to_receiver_config(options()));
    if (!receiver)
      continue;  // only a decoder allocation failure gets here
    next.emplace(key, std::make_shared<receiver_slot>(info, std::move(*receiver), rtt_us_,
                                                      options().output_channels));
  }
  receivers_ = std::move(next);
  return set_streams(std::move(streams));
}

bool media_engine::set_streams(std::vector<audio_stream_info> streams) {
  std::vector<std::shared_ptr<receiver_slot>> list;
  list.reserve(receivers_.size());
  for (const auto& [key, slot] : receivers_)
    list.push_back(slot);
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return std::pair(mix_order(a->info.kind), a->info.sender_id) <
           std::pair(mix_order(b->info.kind), b->info.sender_id);
  });
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = streams != streams_;
    streams_ = streams;
    receiver_list_ = std::move(list);
  }
  publish_mixers();
  if (!changed || !hooks_.streams_changed)
    return true;
  return hooks_.streams_changed(streams);
}

void media_engine::add_mixer(const std::shared_ptr<mixer_state>& m) {
  mixers_.push_back(m);
  publish_mixers();
}

void media_engine::publish_mixers() {
  const auto all = receivers();
  std::erase_if(mixers_, [](const auto& weak) { return weak.expired(); });
  for (const auto& weak : mixers_) {
    const auto mixer = weak.lock();
    if (!mixer)
      continue;
    std::vector<std::shared_ptr<receiver_slot>> mine;
    for (const auto& slot : all) {
      if (std::find(mixer->kinds.begin(), mixer->kinds.end(), slot->info.kind) !=
          mixer->kinds.end())
        mine.push_back(slot);
    }
    mixer->publish(std::move(mine));
  }
}

void media_engine::publish(std::shared_ptr<publisher_state> p, done_fn done) {
  if (!open_) {
    done({errc::failed_precondition, "media is not open: call open_media() first"});
    return;
  }
  for (const auto& other : publishers_) {
    if (other->kind == p->kind && !other->closed.load()) {
      done({errc::failed_precondition,
            "already publishing a " + std::string(to_string(p->kind)) + " stream"});
      return;
    }
  }
  send_publish(*p, [this, p, done = std::move(done)](result<v1::ServerEnvelope> r) {
    auto reply = expect_body(std::move(r), v1::ServerEnvelope::kPublished);
    if (!reply) {
      done({reply.error(), reply.message()});
      return;
    }
    if (!wanted_) {
      done({errc::disconnected, "media closed meanwhile"});
      return;
    }
    publishers_.push_back(p);
    done({});
  });
}

void media_engine::send_publish(const publisher_state& p, reply_handler done) {
  v1::ClientEnvelope request;
  auto* publish = request.mutable_publish();
  publish->set_kind(to_proto(p.kind));
  publish->set_channels(static_cast<std::uint32_t>(p.channels));
  publish->set_frame_samples(p.frame_samples);
  conn_.async_request(generation_, std::move(request), request_timeout_, std::move(done));
}

void media_engine::republish() {
  for (const auto& p : publishers_) {
    if (!p->closed.load())
      send_publish(*p, [](result<v1::ServerEnvelope>) {});
  }
}

void media_engine::drain_publishers() {
  for (const auto& p : publishers_) {
    while (const auto* packet = p->ring.front()) {
      send_datagram(*p, *packet);
      p->ring.pop();
    }
  }
  // A closed publisher's last datagrams went out above; then it unpublishes.
  std::erase_if(publishers_, [this](const std::shared_ptr<publisher_state>& p) {
    if (!p->closed.load())
      return false;
    if (open_) {
      v1::ClientEnvelope request;
      request.mutable_unpublish()->set_kind(to_proto(p->kind));
      conn_.async_request(generation_, std::move(request), request_timeout_,
                          [](result<v1::ServerEnvelope>) {});
    }
    return true;
  });
}

void media_engine::send_datagram(publisher_state& p, const media::received_packet& packet) {
  if (!open_) {
    p.not_sent.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto header = packet.header;
  header.sender_id = sender_id_;
  const auto payload = packet.payload();
  out_.resize(media::header_size + payload.size());
  media::write_header(header,
                      std::span<std::uint8_t, media::header_size>(out_.data(), media::header_size));
  std::copy(payload.begin(), payload.end(), out_.begin() + media::header_size);
  // Kept even when the kernel refused it: the recorder may ask for it.
  p.history.record(out_);
  if (!transmit(out_)) {
    p.not_sent.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto& sent = transport_ == media_transport::udp ? p.sent_udp : p.sent_websocket;
  sent.fetch_add(1, std::memory_order_relaxed);
}

bool media_engine::transmit(std::span<const std::uint8_t> datagram) {
  if (transport_ == media_transport::udp) {
    const auto sealed = seal_.seal(datagram);
    return !sealed.empty() && udp_->send(sealed);
  }
  v1::ClientEnvelope envelope;
  envelope.mutable_media_frame()->set_datagram(datagram.data(), datagram.size());
  conn_.send(generation_, envelope);
  return true;
}

void media_engine::on_nack(std::span<const std::uint8_t> datagram) {
  const auto nack = media::parse_nack(datagram);
  // A NACK for an earlier sender_id (before a resume) names datagrams the
  // server no longer routes to this connection's files.
  if (!nack || !open_ || nack->sender_id != sender_id_)
    return;
  for (const auto& p : publishers_) {
    if (p->closed.load() || static_cast<media::stream_kind>(p->kind) != nack->kind)
      continue;
    p->nacks_received.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t resent = 0, missed = 0;
    for (const auto sequence : nack->sequences) {
      const auto sent = p->history.find(sender_id_, sequence);
      if (sent.empty()) {
        ++missed;
        continue;
      }
      make_retransmission(sent, out_);
      if (transmit(out_))
        ++resent;
    }
    p->packets_resent.fetch_add(resent, std::memory_order_relaxed);
    p->resend_misses.fetch_add(missed, std::memory_order_relaxed);
  }
}

}  // namespace controlroom::detail
