// The client's sealing of UDP media against the media library's cipher as
// the server uses it: what the client seals the server opens, what the
// server seals for this client opens here and nothing else does.

#include "media_seal.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/probe.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom::detail {
namespace {

using media::seal_direction;
using verdict = media_seal::verdict;

constexpr std::uint32_t own_id = 0x01020304;

std::string key_bytes(std::uint8_t fill) {
  return std::string(media::media_key_size, static_cast<char>(fill));
}

media::media_key key_of(std::uint8_t fill) {
  media::media_key k;
  k.fill(fill);
  return k;
}

std::vector<std::uint8_t> inner_datagram(std::uint8_t tag, std::size_t size = 40) {
  std::vector<std::uint8_t> d(size);
  for (std::size_t i = 0; i < size; ++i)
    d[i] = static_cast<std::uint8_t>(tag + i);
  d[0] = media::header_version;
  return d;
}

// What the server sends this client: sealed with the client's key, toward it.
std::vector<std::uint8_t> from_server(std::uint8_t key_fill, std::uint64_t counter,
                                      const std::vector<std::uint8_t>& inner,
                                      std::uint32_t sender_id = own_id,
                                      seal_direction direction = seal_direction::to_client) {
  media::media_cipher cipher(key_of(key_fill));
  std::vector<std::uint8_t> out(inner.size() + media::sealed_overhead);
  const auto sealed = cipher.seal({direction, sender_id, counter}, inner, out);
  return {sealed.begin(), sealed.end()};
}

TEST(media_seal, accepts_only_a_32_byte_aes_256_gcm_key) {
  EXPECT_FALSE(media_seal::unusable(v1::MEDIA_CIPHER_AES_256_GCM, key_bytes(7)));
  EXPECT_TRUE(media_seal::unusable(v1::MEDIA_CIPHER_UNSPECIFIED, key_bytes(7)));
  EXPECT_TRUE(media_seal::unusable(v1::MEDIA_CIPHER_AES_256_GCM, ""));
  EXPECT_TRUE(media_seal::unusable(v1::MEDIA_CIPHER_AES_256_GCM, std::string(16, 'k')));
  EXPECT_TRUE(media_seal::unusable(v1::MEDIA_CIPHER_AES_256_GCM, std::string(33, 'k')));
  EXPECT_TRUE(media_seal::unusable(42, key_bytes(7)));
}

TEST(media_seal, seals_toward_the_server_with_counters_from_one_that_the_server_opens) {
  media_seal seal;
  seal.rekey(own_id, key_bytes(7));
  media::media_cipher server(key_of(7));
  for (std::uint64_t n = 1; n <= 5; ++n) {
    const auto inner = inner_datagram(static_cast<std::uint8_t>(n));
    const auto sealed = seal.seal(inner);
    ASSERT_EQ(sealed.size(), inner.size() + media::sealed_overhead);
    const auto prefix = media::parse_sealed_prefix(sealed);
    ASSERT_TRUE(prefix);
    EXPECT_EQ(prefix->direction, seal_direction::to_server);
    EXPECT_EQ(prefix->sender_id, own_id);
    EXPECT_EQ(prefix->counter, n);
    std::vector<std::uint8_t> opened(inner.size());
    const auto got = server.open(sealed, opened);
    ASSERT_TRUE(got);
    EXPECT_EQ(std::vector<std::uint8_t>(got->begin(), got->end()), inner);
  }
  EXPECT_EQ(seal.sent_counter(), 5u);
}

TEST(media_seal, the_same_key_again_continues_the_counter_and_a_new_key_restarts_it) {
  media_seal seal;
  const auto inner = media::probe_size;
  const std::vector<std::uint8_t> probe(inner, media::probe_type);
  seal.rekey(own_id, key_bytes(7));
  seal.seal(probe);
  seal.seal(probe);
  // OpenMedia{UDP} on the same connection: the server keeps sender_id and key.
  seal.rekey(own_id, key_bytes(7));
  EXPECT_EQ(media::parse_sealed_prefix(seal.seal(probe))->counter, 3u);
  // Media closed and reopened with the same key: still no counter reused.
  seal.clear();
  EXPECT_TRUE(seal.seal(probe).empty());
  seal.rekey(own_id, key_bytes(7));
  EXPECT_EQ(media::parse_sealed_prefix(seal.seal(probe))->counter, 4u);
  // A new connection: a new sender_id and key, counting from 1.
  seal.rekey(own_id + 1, key_bytes(9));
  const auto prefix = media::parse_sealed_prefix(seal.seal(probe));
  EXPECT_EQ(prefix->counter, 1u);
  EXPECT_EQ(prefix->sender_id, own_id + 1);
}

TEST(media_seal, seals_nothing_without_a_key_nor_what_cannot_be_a_datagram) {
  media_seal seal;
  const auto inner = inner_datagram(1);
  EXPECT_FALSE(seal.keyed());
  EXPECT_TRUE(seal.seal(inner).empty());
  seal.rekey(own_id, key_bytes(7));
  EXPECT_TRUE(seal.keyed());
  EXPECT_TRUE(seal.seal({}).empty());
  EXPECT_TRUE(seal.seal(std::vector<std::uint8_t>(media::max_datagram_size + 1, 1)).empty());
  EXPECT_EQ(seal.seal(std::vector<std::uint8_t>(media::max_datagram_size, 1)).size(),
            media::max_sealed_size);
  EXPECT_EQ(seal.sent_counter(), 1u);
}

TEST(media_seal, opens_what_the_server_sealed_for_this_client) {
  media_seal seal;
  seal.rekey(own_id, key_bytes(7));
  const auto inner = inner_datagram(3, 300);
  ASSERT_EQ(seal.open(from_server(7, 1, inner)), verdict::opened);
  EXPECT_EQ(std::vector<std::uint8_t>(seal.inner().begin(), seal.inner().end()), inner);
}

TEST(media_seal, refuses_unsealed_misdirected_foreign_and_forged_datagrams) {
  media_seal seal;
  const auto inner = inner_datagram(3);
  EXPECT_EQ(seal.open(from_server(7, 1, inner)), verdict::unauthenticated);  // no key yet
  seal.rekey(own_id, key_bytes(7));
  // The inner datagram as it is, without a seal: a media header or a probe reply.
  EXPECT_EQ(seal.open(inner), verdict::unauthenticated);
  std::vector<std::uint8_t> reply(media::probe_reply_size);
  media::write_probe_reply(
      {own_id, 1, 2}, std::span<std::uint8_t, media::probe_reply_size>(reply.data(), reply.size()));
  EXPECT_EQ(seal.open(reply), verdict::unauthenticated);
  // Our own direction reflected back, another participant's id, another key.
  EXPECT_EQ(seal.open(from_server(7, 1, inner, own_id, seal_direction::to_server)),
            verdict::unauthenticated);
  EXPECT_EQ(seal.open(from_server(7, 1, inner, own_id + 1)), verdict::unauthenticated);
  EXPECT_EQ(seal.open(from_server(8, 1, inner)), verdict::unauthenticated);
  // A flipped bit anywhere: in the clear prefix (authenticated too), the
  // ciphertext or the tag.
  const auto good = from_server(7, 1, inner);
  for (const std::size_t at : {std::size_t{9}, std::size_t{20}, good.size() - 1}) {
    auto forged = good;
    forged[at] ^= 0x10;
    EXPECT_EQ(seal.open(forged), verdict::unauthenticated) << "byte " << at;
  }
  EXPECT_TRUE(seal.inner().empty());
  // None of that moved the window: the genuine datagram still opens.
  EXPECT_EQ(seal.open(good), verdict::opened);
}

TEST(media_seal, refuses_replays_and_the_too_old_but_takes_reordering_within_the_window) {
  media_seal seal;
  seal.rekey(own_id, key_bytes(7));
  const auto inner = inner_datagram(5);
  ASSERT_EQ(seal.open(from_server(7, 10, inner)), verdict::opened);
  EXPECT_EQ(seal.open(from_server(7, 10, inner)), verdict::replayed);
  EXPECT_EQ(seal.open(from_server(7, 4, inner)), verdict::opened);  // late, not seen yet
  EXPECT_EQ(seal.open(from_server(7, 4, inner)), verdict::replayed);
  const auto far = 10 + media::replay_window::window + 5;
  ASSERT_EQ(seal.open(from_server(7, far, inner)), verdict::opened);
  EXPECT_EQ(seal.open(from_server(7, 9, inner)), verdict::replayed);  // behind the window
  // A new key is a new sender's window: its counters start again.
  seal.rekey(own_id + 1, key_bytes(9));
  EXPECT_EQ(seal.open(from_server(9, 1, inner, own_id + 1)), verdict::opened);
}

}  // namespace
}  // namespace controlroom::detail
