#include "media_udp.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace controlroom::testing {

void media_udp::open(const v1::MediaOpened& opened) {
  ASSERT_EQ(opened.media_key().size(), media::media_key_size) << opened.DebugString();
  ASSERT_EQ(opened.cipher(), v1::MEDIA_CIPHER_AES_256_GCM);
  ASSERT_EQ(opened.media_token().size(), media::media_token_size);
  port_ = static_cast<std::uint16_t>(opened.udp_port());
  media::media_key key{};
  std::copy_n(opened.media_key().begin(), key.size(), key.begin());
  if (opened.sender_id() != sender_id_) {
    counter_ = 0;
    received_ = {};
  }
  sender_id_ = opened.sender_id();
  std::copy_n(opened.media_token().begin(), token_.size(), token_.begin());
  cipher_.emplace(key);
}

media_udp::bytes media_udp::seal(std::span<const std::uint8_t> inner) {
  bytes out(inner.size() + media::sealed_overhead);
  const auto sealed =
      cipher_->seal({media::seal_direction::to_server, sender_id_, ++counter_}, inner, out);
  out.resize(sealed.size());
  return out;
}

media_udp::bytes media_udp::send(std::span<const std::uint8_t> inner) {
  auto sealed = seal(inner);
  udp_.send_to(port_, sealed);
  return sealed;
}

std::optional<media_udp::bytes> media_udp::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto got = udp_.receive(std::max(left, std::chrono::milliseconds(0)));
    if (!got) {
      return std::nullopt;
    }
    const auto prefix = media::parse_sealed_prefix(*got);
    if (!prefix || prefix->direction != media::seal_direction::to_client ||
        prefix->sender_id != sender_id_ || !received_.fresh(prefix->counter)) {
      ++rejected_;
      continue;
    }
    bytes inner(got->size());
    const auto opened = cipher_->open(*got, inner);
    if (!opened) {
      ++rejected_;
      continue;
    }
    received_.accept(prefix->counter);
    inner.resize(opened->size());
    return inner;
  }
}

void media_udp::barrier(const std::function<void(const bytes&)>& other) {
  media::probe p;
  p.sender_id = sender_id_;
  p.token = token_;
  p.client_time_us = ++probes_;
  std::array<std::uint8_t, media::probe_size> out{};
  media::write_probe(p, out);
  send(out);
  for (;;) {
    const auto got = receive();
    ASSERT_TRUE(got) << "probe " << probes_ << " not answered";
    const auto reply = media::parse_probe_reply(*got);
    if (reply && reply->client_time_us == probes_) {
      EXPECT_EQ(reply->sender_id, sender_id_);
      return;
    }
    if (other) {
      other(*got);
    }
  }
}

}  // namespace controlroom::testing
