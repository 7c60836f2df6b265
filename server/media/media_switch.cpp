#include "media/media_switch.hpp"

#include <stdexcept>

#include "control/envelope_codec.hpp"
#include "metrics/server_metrics.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {

const char* to_string(media_drop reason) {
  switch (reason) {
    case media_drop::oversize:
      return "oversize";
    case media_drop::malformed:
      return "malformed";
    case media_drop::unknown_sender:
      return "unknown_sender";
    case media_drop::replayed:
      return "replayed";
    case media_drop::auth_failed:
      return "auth_failed";
    case media_drop::unbound_address:
      return "unbound_address";
    case media_drop::not_published:
      return "not_published";
    case media_drop::bad_probe:
      return "bad_probe";
    case media_drop::wrong_sender:
      return "wrong_sender";
    case media_drop::queue_full:
      return "queue_full";
    case media_drop::send_failed:
      return "send_failed";
    case media_drop::count_:
      break;
  }
  return "unknown";
}

void media_switch::add_sender(session_media& session, media_member& member) {
  std::uint32_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else if (slots_.size() < 0x10000) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    throw std::runtime_error("more than 65536 media senders on one worker");
  }
  // Random high bits: a guessed id is worthless without the sender's probed
  // address (and, with media encryption, its key), and a reused slot gets a
  // new id, so a late datagram of its previous owner does not match.
  std::uint32_t id = 0;
  while (id == 0) {
    std::array<std::uint8_t, 2> raw{};
    random_bytes(raw);
    id = (std::uint32_t{raw[0]} << 24) | (std::uint32_t{raw[1]} << 16) | slot;
  }
  random_bytes(member.token);
  random_bytes(member.key);
  member.cipher.emplace(member.key);
  member.sender_id = id;
  slots_[slot] = {&session, &member, id};
  ++sender_count_;
}

void media_switch::remove_sender(std::uint32_t sender_id) {
  if (auto* s = find_sender(sender_id)) {
    *s = {};
    free_slots_.push_back(sender_id & 0xffffu);
    --sender_count_;
  }
}

void media_switch::on_udp(std::span<const std::uint8_t> sealed, const udp_endpoint& from,
                          std::uint64_t now_us) {
  tally_.bytes_received += sealed.size();
  // Size first: nothing larger is looked at, let alone looked up.
  if (sealed.size() > media::max_sealed_size) {
    tally_.drop(media_drop::oversize);
    return;
  }
  const auto prefix = media::parse_sealed_prefix(sealed);
  if (!prefix || prefix->direction != media::seal_direction::to_server) {
    tally_.drop(media_drop::malformed);
    return;
  }
  // The key is the sender's: found by its id, no trial decryption.
  auto* sender = find_sender(prefix->sender_id);
  if (sender == nullptr) {
    tally_.drop(media_drop::unknown_sender);
    return;
  }
  auto& member = *sender->member;
  // Replays are refused before the (costlier) authentication, and the
  // window only moves for datagrams that authenticate.
  if (!member.received.fresh(prefix->counter)) {
    tally_.drop(media_drop::replayed);
    return;
  }
  const auto inner = member.cipher->open(sealed, opened_);
  if (!inner) {
    tally_.drop(media_drop::auth_failed);
    return;
  }
  member.received.accept(prefix->counter);
  if ((*inner)[0] == media::probe_type) {
    on_probe(*sender, *inner, from, now_us);
    return;
  }
  const auto parsed = media::parse_datagram(*inner);
  if (!parsed) {
    tally_.drop(media_drop::malformed);
    return;
  }
  ++tally_.received_udp;
  if (parsed->header.sender_id != prefix->sender_id) {
    tally_.drop(media_drop::wrong_sender);
    return;
  }
  if (!member.udp || !(*member.udp == from)) {
    tally_.drop(media_drop::unbound_address);
    return;
  }
  forward(*sender, *parsed, *inner, now_us);
}

void media_switch::on_probe(sender_ref sender, std::span<const std::uint8_t> inner,
                            const udp_endpoint& from, std::uint64_t now_us) {
  const auto probe = media::parse_probe(inner);
  if (!probe) {
    tally_.drop(media_drop::malformed);
    return;
  }
  auto& member = *sender.member;
  if (probe->sender_id != sender.id || !media::tokens_equal(member.token, probe->token)) {
    tally_.drop(media_drop::bad_probe);
    return;
  }
  if (!member.udp || !(*member.udp == from)) {
    member.udp = from;  // first probe, or the client's address moved (NAT rebinding)
    sender.session->changed();
  }
  ++tally_.probes;
  std::array<std::uint8_t, media::probe_reply_size> reply{};
  media::write_probe_reply({probe->sender_id, probe->client_time_us, now_us}, reply);
  send_sealed(member, from, reply);
}

void media_switch::send_sealed(media_member& member, const udp_endpoint& to,
                               std::span<const std::uint8_t> inner) {
  if (out_ == nullptr) {
    return;
  }
  auto space = sealed_.allocate(inner.size() + media::sealed_overhead);
  const auto sealed = member.cipher->seal(
      {media::seal_direction::to_client, member.sender_id, ++member.sent_counter}, inner, space);
  out_->send_udp(to, sealed);
}

void media_switch::on_websocket(const std::string& participant_id,
                                std::span<const std::uint8_t> datagram, std::uint64_t now_us) {
  tally_.bytes_received += datagram.size();
  if (datagram.size() > media::max_datagram_size) {
    tally_.drop(media_drop::oversize);
    return;
  }
  const auto parsed = media::parse_datagram(datagram);
  if (!parsed) {
    tally_.drop(media_drop::malformed);
    return;
  }
  ++tally_.received_ws;
  auto* sender = find_sender(parsed->header.sender_id);
  if (sender == nullptr || sender->member->participant_id != participant_id) {
    tally_.drop(media_drop::wrong_sender);
    return;
  }
  forward(*sender, *parsed, datagram, now_us);
  publish_counts();
  if (out_ != nullptr) {
    out_->flush();
  }
  end_batch();
}

void media_switch::forward(sender_ref sender, const media::parsed_datagram& parsed,
                           std::span<const std::uint8_t> datagram, std::uint64_t now_us) {
  const auto kind = parsed.header.kind;
  if (!sender.member->published[index_of(kind)].active) {
    tally_.drop(media_drop::not_published);
    return;
  }
  if (auto* tap = sender.session->tap()) {
    tap->on_packet(*sender.member, parsed.header, parsed.payload, now_us);
  }
  if (parsed.header.retransmission) {
    return;  // resent for the recording; live receivers have moved on
  }
  frame_ptr ws_frame;  // serialized once, shared by every WebSocket receiver
  for (auto* receiver : sender.session->receivers(*sender.member, kind)) {
    if (receiver->receives_udp()) {
      if (out_ != nullptr) {
        send_sealed(*receiver, *receiver->udp, datagram);
        ++tally_.forwarded_udp;
        tally_.bytes_forwarded += datagram.size() + media::sealed_overhead;
      }
      continue;
    }
    auto connection = receiver->connection.lock();
    if (!connection) {
      continue;
    }
    if (!ws_frame) {
      v1::ServerEnvelope envelope;
      envelope.mutable_media_frame()->set_datagram(datagram.data(), datagram.size());
      ws_frame = encode(envelope);
    }
    connection->send_media(ws_frame);
    ++tally_.forwarded_ws;
    tally_.bytes_forwarded += datagram.size();
  }
}

void media_switch::send_to_member(media_member& member, std::vector<std::uint8_t> bytes) {
  if (member.udp && out_ != nullptr) {
    send_sealed(member, *member.udp, bytes);
    return;
  }
  if (auto connection = member.connection.lock()) {
    v1::ServerEnvelope envelope;
    envelope.mutable_media_frame()->set_datagram(bytes.data(), bytes.size());
    connection->send_media(encode(envelope));
  }
}

void media_switch::end_batch() {
  sealed_.reset();
  publish_counts();
}

void media_switch::publish_counts() {
  auto& m = metrics_;
  auto& t = tally_;
  if (t.received_udp != 0)
    m.media_received_udp.inc(t.received_udp);
  if (t.received_ws != 0)
    m.media_received_ws.inc(t.received_ws);
  if (t.bytes_received != 0)
    m.media_bytes_received.inc(t.bytes_received);
  if (t.forwarded_udp != 0)
    m.media_forwarded_udp.inc(t.forwarded_udp);
  if (t.forwarded_ws != 0)
    m.media_forwarded_ws.inc(t.forwarded_ws);
  if (t.bytes_forwarded != 0)
    m.media_bytes_forwarded.inc(t.bytes_forwarded);
  if (t.probes != 0)
    m.media_probes.inc(t.probes);
  for (std::size_t i = 0; i < t.dropped.size(); ++i) {
    if (t.dropped[i] != 0) {
      m.media_dropped(static_cast<media_drop>(i)).inc(t.dropped[i]);
    }
  }
  t = {};
}

}  // namespace controlroom::server
