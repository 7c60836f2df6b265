#include "controlroom/media/sealed.hpp"

#include <cstring>
#include <new>

#include <openssl/evp.h>

#include "big_endian.hpp"

namespace controlroom::media {
namespace {

using detail::load_be;
using detail::store_be;

constexpr std::size_t nonce_size = 12;

void write_prefix(const sealed_prefix& p, std::uint8_t* out) noexcept {
  out[0] = sealed_type;
  out[1] = static_cast<std::uint8_t>(p.direction);
  out[2] = 0;
  out[3] = 0;
  store_be<std::uint32_t>(out + 4, p.sender_id);
  store_be<std::uint64_t>(out + 8, p.counter);
}

// The nonce is the prefix without the sender_id: the key already names the
// participant, and direction + counter never repeat under one key.
std::array<std::uint8_t, nonce_size> nonce_of(const std::uint8_t* prefix) noexcept {
  std::array<std::uint8_t, nonce_size> nonce{};
  std::memcpy(nonce.data(), prefix, 4);
  std::memcpy(nonce.data() + 4, prefix + 8, 8);
  return nonce;
}

struct ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter>;

ctx_ptr keyed_context(const media_key& key, bool encrypt) {
  ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr,
                                encrypt ? 1 : 0) != 1) {
    throw std::bad_alloc();
  }
  return ctx;
}

}  // namespace

std::optional<sealed_prefix> parse_sealed_prefix(std::span<const std::uint8_t> d) noexcept {
  if (d.size() <= sealed_overhead || d.size() > max_sealed_size || d[0] != sealed_type ||
      d[1] > static_cast<std::uint8_t>(seal_direction::to_client) || d[2] != 0 || d[3] != 0) {
    return std::nullopt;
  }
  sealed_prefix p;
  p.direction = static_cast<seal_direction>(d[1]);
  p.sender_id = load_be<std::uint32_t>(d.data() + 4);
  p.counter = load_be<std::uint64_t>(d.data() + 8);
  if (p.counter == 0) {
    return std::nullopt;
  }
  return p;
}

// Two contexts, each keyed once: re-initialising with only a nonce keeps the
// key schedule, which is most of the set-up cost per datagram otherwise.
struct media_cipher::contexts {
  ctx_ptr seal;
  ctx_ptr open;
};

media_cipher::media_cipher(const media_key& key)
    : ctx_(new contexts{keyed_context(key, true), keyed_context(key, false)}) {}

media_cipher::~media_cipher() = default;
media_cipher::media_cipher(media_cipher&&) noexcept = default;
media_cipher& media_cipher::operator=(media_cipher&&) noexcept = default;

std::span<const std::uint8_t> media_cipher::seal(const sealed_prefix& prefix,
                                                 std::span<const std::uint8_t> inner,
                                                 std::span<std::uint8_t> out) noexcept {
  const auto total = inner.size() + sealed_overhead;
  if (out.size() < total || inner.empty() || inner.size() > max_datagram_size) {
    return {};
  }
  auto* c = ctx_->seal.get();
  write_prefix(prefix, out.data());
  const auto nonce = nonce_of(out.data());
  int len = 0;
  int tail = 0;
  auto* body = out.data() + sealed_prefix_size;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      EVP_EncryptUpdate(c, nullptr, &len, out.data(), sealed_prefix_size) != 1 ||
      EVP_EncryptUpdate(c, body, &len, inner.data(), static_cast<int>(inner.size())) != 1 ||
      EVP_EncryptFinal_ex(c, body + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, sealed_tag_size, body + inner.size()) != 1) {
    return {};
  }
  return out.first(total);
}

std::optional<std::span<const std::uint8_t>> media_cipher::open(
    std::span<const std::uint8_t> sealed, std::span<std::uint8_t> out) noexcept {
  if (sealed.size() <= sealed_overhead || sealed.size() > max_sealed_size) {
    return std::nullopt;
  }
  const auto inner_size = sealed.size() - sealed_overhead;
  if (out.size() < inner_size) {
    return std::nullopt;
  }
  auto* c = ctx_->open.get();
  const auto nonce = nonce_of(sealed.data());
  const auto* body = sealed.data() + sealed_prefix_size;
  // OpenSSL takes the expected tag through a non-const pointer; copy it.
  std::array<std::uint8_t, sealed_tag_size> tag{};
  std::memcpy(tag.data(), body + inner_size, sealed_tag_size);
  int len = 0;
  int tail = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      EVP_DecryptUpdate(c, nullptr, &len, sealed.data(), sealed_prefix_size) != 1 ||
      EVP_DecryptUpdate(c, out.data(), &len, body, static_cast<int>(inner_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, sealed_tag_size, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c, out.data() + len, &tail) != 1) {
    return std::nullopt;
  }
  return out.first(inner_size);
}

bool replay_window::fresh(std::uint64_t counter) const noexcept {
  if (counter == 0) {
    return false;
  }
  if (counter > highest_) {
    return true;
  }
  if (highest_ - counter >= window) {
    return false;
  }
  const auto word = (counter / 64) % words;
  return (bits_[word] & (std::uint64_t{1} << (counter % 64))) == 0;
}

void replay_window::accept(std::uint64_t counter) noexcept {
  if (counter > highest_) {
    // Clear the words the window slides over (all of them after a big jump).
    const auto from = highest_ / 64;
    const auto to = counter / 64;
    const auto steps = to - from < words ? to - from : words;
    for (std::uint64_t i = 1; i <= steps; ++i) {
      bits_[(from + i) % words] = 0;
    }
    highest_ = counter;
  }
  bits_[(counter / 64) % words] |= std::uint64_t{1} << (counter % 64);
}

}  // namespace controlroom::media
