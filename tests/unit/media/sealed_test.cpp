#include "controlroom/media/sealed.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/probe.hpp"

namespace controlroom::media {
namespace {

media_key key_from(std::uint8_t first) {
  media_key k{};
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<std::uint8_t>(first + i);
  }
  return k;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<std::uint8_t> sample_inner() {
  std::vector<std::uint8_t> inner(200);
  for (std::size_t i = 0; i < inner.size(); ++i) {
    inner[i] = static_cast<std::uint8_t>(i * 7);
  }
  return inner;
}

std::vector<std::uint8_t> seal_copy(media_cipher& c, const sealed_prefix& p,
                                    const std::vector<std::uint8_t>& inner) {
  std::vector<std::uint8_t> out(inner.size() + sealed_overhead);
  const auto sealed = c.seal(p, inner, out);
  return {sealed.begin(), sealed.end()};
}

// The documented example (docs/media-plane.md, "Encryption"), computed
// independently with Python's `cryptography` AESGCM: key 00 01 .. 1f, a
// probe sealed by sender 0x12345678 with counter 5.
TEST(sealed, matches_an_independent_aes_256_gcm_implementation) {
  media_cipher cipher{key_from(0)};
  probe p;
  p.sender_id = 0x12345678;
  for (std::size_t i = 0; i < p.token.size(); ++i) {
    p.token[i] = static_cast<std::uint8_t>(i);
  }
  p.client_time_us = 1000;
  std::vector<std::uint8_t> inner(probe_size);
  write_probe(p, std::span<std::uint8_t, probe_size>(inner.data(), probe_size));

  const auto sealed = seal_copy(cipher, {seal_direction::to_server, 0x12345678, 5}, inner);
  EXPECT_EQ(sealed, from_hex("90000000123456780000000000000005f7f31796647f50cf9c9e6487bbf22f1b"
                             "523c025ecfae2c84c6cb74f10fa71335d5d18c4f09a6bf5675667cf60222ca47"));
}

TEST(sealed, round_trips_and_hides_the_inner_datagram) {
  media_cipher a{key_from(1)};
  media_cipher b{key_from(1)};  // the other end holds the same key
  const auto inner = sample_inner();
  const sealed_prefix prefix{seal_direction::to_client, 0xCAFE0001, 42};
  const auto sealed = seal_copy(a, prefix, inner);

  ASSERT_EQ(sealed.size(), inner.size() + sealed_overhead);
  EXPECT_EQ(parse_sealed_prefix(sealed), prefix);
  EXPECT_EQ(sealed[0], sealed_type);
  EXPECT_EQ(sealed[1], 1);
  EXPECT_NE(std::vector<std::uint8_t>(sealed.begin() + sealed_prefix_size,
                                      sealed.begin() + sealed_prefix_size + inner.size()),
            inner);

  std::vector<std::uint8_t> out(inner.size());
  const auto opened = b.open(sealed, out);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(std::vector<std::uint8_t>(opened->begin(), opened->end()), inner);
}

TEST(sealed, every_flipped_bit_fails_authentication) {
  media_cipher cipher{key_from(2)};
  const auto sealed = seal_copy(cipher, {seal_direction::to_server, 7, 9}, sample_inner());
  std::vector<std::uint8_t> out(sealed.size());
  for (std::size_t byte = 0; byte < sealed.size(); ++byte) {
    for (int bit = 0; bit < 8; bit += 3) {
      auto tampered = sealed;
      tampered[byte] ^= static_cast<std::uint8_t>(1 << bit);
      EXPECT_FALSE(cipher.open(tampered, out).has_value()) << "byte " << byte << " bit " << bit;
    }
  }
  EXPECT_TRUE(cipher.open(sealed, out).has_value());
}

TEST(sealed, another_key_or_a_cut_datagram_does_not_open) {
  media_cipher mine{key_from(3)};
  media_cipher theirs{key_from(4)};
  const auto sealed = seal_copy(mine, {seal_direction::to_server, 7, 1}, sample_inner());
  std::vector<std::uint8_t> out(sealed.size());
  EXPECT_FALSE(theirs.open(sealed, out).has_value());
  const std::vector<std::uint8_t> cut(sealed.begin(), sealed.end() - 1);
  EXPECT_FALSE(mine.open(cut, out).has_value());
}

TEST(sealed, directions_and_counters_give_distinct_ciphertexts) {
  media_cipher cipher{key_from(5)};
  const auto inner = sample_inner();
  const auto up = seal_copy(cipher, {seal_direction::to_server, 7, 1}, inner);
  const auto down = seal_copy(cipher, {seal_direction::to_client, 7, 1}, inner);
  const auto next = seal_copy(cipher, {seal_direction::to_server, 7, 2}, inner);
  auto body = [](const std::vector<std::uint8_t>& s) {
    return std::vector<std::uint8_t>(s.begin() + sealed_prefix_size, s.end());
  };
  EXPECT_NE(body(up), body(down));
  EXPECT_NE(body(up), body(next));
}

TEST(sealed, prefix_parsing_is_strict) {
  media_cipher cipher{key_from(6)};
  const auto good = seal_copy(cipher, {seal_direction::to_server, 7, 3}, sample_inner());
  ASSERT_TRUE(parse_sealed_prefix(good).has_value());

  auto wrong_type = good;
  wrong_type[0] = 0x80;
  EXPECT_FALSE(parse_sealed_prefix(wrong_type));
  auto wrong_direction = good;
  wrong_direction[1] = 2;
  EXPECT_FALSE(parse_sealed_prefix(wrong_direction));
  auto reserved = good;
  reserved[3] = 1;
  EXPECT_FALSE(parse_sealed_prefix(reserved));
  auto zero_counter = good;
  std::fill(zero_counter.begin() + 8, zero_counter.begin() + 16, std::uint8_t{0});
  EXPECT_FALSE(parse_sealed_prefix(zero_counter));
  // Nothing inside: shorter than a one-byte inner datagram sealed.
  EXPECT_FALSE(parse_sealed_prefix(std::span(good).first(sealed_overhead)));
  std::vector<std::uint8_t> huge(max_sealed_size + 1, 0);
  std::copy(good.begin(), good.begin() + sealed_prefix_size, huge.begin());
  EXPECT_FALSE(parse_sealed_prefix(huge));
  huge.pop_back();
  EXPECT_TRUE(parse_sealed_prefix(huge));
}

TEST(sealed, seal_refuses_bad_sizes) {
  media_cipher cipher{key_from(7)};
  std::vector<std::uint8_t> out(max_sealed_size + 16);
  EXPECT_TRUE(cipher.seal({seal_direction::to_server, 1, 1}, {}, out).empty());
  const std::vector<std::uint8_t> too_big(max_datagram_size + 1, 1);
  EXPECT_TRUE(cipher.seal({seal_direction::to_server, 1, 1}, too_big, out).empty());
  const std::vector<std::uint8_t> inner(10, 1);
  std::vector<std::uint8_t> small(inner.size() + sealed_overhead - 1);
  EXPECT_TRUE(cipher.seal({seal_direction::to_server, 1, 1}, inner, small).empty());
}

TEST(replay_window, accepts_each_counter_once) {
  replay_window w;
  EXPECT_FALSE(w.fresh(0));
  for (std::uint64_t c : {1, 2, 5, 3}) {
    ASSERT_TRUE(w.fresh(c)) << c;
    w.accept(c);
    EXPECT_FALSE(w.fresh(c)) << c;
  }
  EXPECT_TRUE(w.fresh(4));  // late but inside the window, never seen
}

TEST(replay_window, refuses_counters_behind_the_window) {
  replay_window w;
  w.accept(5000);
  EXPECT_TRUE(w.fresh(5000 - replay_window::window + 1));
  EXPECT_FALSE(w.fresh(5000 - replay_window::window));
  EXPECT_FALSE(w.fresh(1));
  EXPECT_TRUE(w.fresh(5001));
}

TEST(replay_window, sliding_forgets_nothing_inside_and_keeps_no_stale_bits) {
  replay_window w;
  // Accept every other counter over many windows; each accepted one must
  // stay refused while inside the window, each skipped one stay fresh.
  for (std::uint64_t c = 1; c < 20'000; c += 2) {
    ASSERT_TRUE(w.fresh(c));
    w.accept(c);
    if (c > 2 * replay_window::window) {
      const auto back = c - replay_window::window + 2;  // odd: accepted
      ASSERT_FALSE(w.fresh(back)) << c;
      ASSERT_TRUE(w.fresh(back + 1)) << c;  // even: never accepted
    }
  }
  // A jump of many windows clears everything the ring held.
  w.accept(1'000'000);
  for (std::uint64_t c = 1'000'000 - replay_window::window + 1; c < 1'000'000; ++c) {
    ASSERT_TRUE(w.fresh(c)) << c;
  }
}

}  // namespace
}  // namespace controlroom::media
