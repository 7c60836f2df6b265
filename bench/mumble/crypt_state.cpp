#include "crypt_state.hpp"

#include <cstring>

namespace controlroom::bench::mumble {
namespace {

// How far behind the newest nonce a datagram may be and still be accepted.
constexpr int late_window = 30;

}  // namespace

crypt_state::counter crypt_state::counter::plus(std::int64_t d) const noexcept {
  counter c = *this;
  c.low = low + static_cast<std::uint64_t>(d);
  if (d > 0 && c.low < low) {
    ++c.high;
  } else if (d < 0 && c.low > low) {
    --c.high;
  }
  return c;
}

crypt_state::counter crypt_state::counter_of(const block& b) noexcept {
  counter c;
  for (int i = 7; i >= 0; --i) {
    c.low = (c.low << 8) | b[static_cast<std::size_t>(i)];
    c.high = (c.high << 8) | b[static_cast<std::size_t>(i + 8)];
  }
  return c;
}

block crypt_state::block_of(const counter& c) noexcept {
  block b;
  for (std::size_t i = 0; i < 8; ++i) {
    b[i] = static_cast<std::uint8_t>(c.low >> (8 * i));
    b[i + 8] = static_cast<std::uint8_t>(c.high >> (8 * i));
  }
  return b;
}

crypt_state::crypt_state(const block& key, const block& encrypt_nonce, const block& decrypt_nonce)
    : ocb_(std::make_unique<ocb2_aes128>(key)),
      encrypt_counter_(counter_of(encrypt_nonce)),
      decrypt_counter_(counter_of(decrypt_nonce)) {}

void crypt_state::encrypt(std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& out) {
  encrypt_counter_ = encrypt_counter_.plus(1);
  const auto nonce = block_of(encrypt_counter_);
  out.resize(plain.size() + crypt_overhead);
  const auto tag = ocb_->encrypt(nonce, plain, out.data() + crypt_overhead);
  out[0] = nonce[0];
  std::memcpy(out.data() + 1, tag.data(), 3);
}

crypt_state::counter crypt_state::nonce_for(std::uint8_t low, bool& advance) const noexcept {
  // The candidate closest to "the next one": ahead (after losses) up to
  // 225, behind (late) up to the window.
  const auto next = decrypt_counter_.plus(1);
  int d = static_cast<std::int8_t>(
      static_cast<std::uint8_t>(low - static_cast<std::uint8_t>(next.low)));
  if (d < -late_window) {
    d += 256;  // far behind is really far ahead
  }
  advance = d >= 0;
  return next.plus(d);
}

void crypt_state::accept(bool advance, const counter& c) {
  ++good_;
  if (advance) {
    lost_ += static_cast<std::uint64_t>(c.minus(decrypt_counter_) - 1);
    decrypt_counter_ = c;
  } else {
    ++late_;
  }
}

bool crypt_state::decrypt(std::span<const std::uint8_t> datagram, std::vector<std::uint8_t>& out) {
  if (datagram.size() < crypt_overhead) {
    ++failed_;
    return false;
  }
  bool advance = false;
  const auto c = nonce_for(datagram[0], advance);
  const auto nonce = block_of(c);
  const auto body = datagram.subspan(crypt_overhead);
  out.resize(body.size());
  const auto tag = ocb_->decrypt(nonce, body, out.data());
  if (std::memcmp(tag.data(), datagram.data() + 1, 3) != 0) {
    ++failed_;
    return false;
  }
  accept(advance, c);
  return true;
}

bool crypt_state::decrypt_head(std::span<const std::uint8_t> datagram, std::uint8_t (&out)[32]) {
  if (datagram.size() < crypt_overhead + 33) {
    std::vector<std::uint8_t> whole;
    if (!decrypt(datagram, whole)) {
      return false;
    }
    std::memset(out, 0, sizeof out);
    std::memcpy(out, whole.data(), std::min(whole.size(), sizeof out));
    return true;
  }
  bool advance = false;
  const auto c = nonce_for(datagram[0], advance);
  const auto nonce = block_of(c);
  ocb_->decrypt_prefix(nonce, datagram.subspan(crypt_overhead), 2, out);
  accept(advance, c);
  return true;
}

}  // namespace controlroom::bench::mumble
