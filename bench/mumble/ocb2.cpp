#include "ocb2.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/evp.h>

namespace controlroom::bench::mumble {
namespace {

constexpr std::size_t n = 16;  // bytes in a block
// Full blocks go through the cipher in batches of this many: OCB's block
// encryptions are independent once the offsets are known, and one ECB call
// over many blocks lets AES-NI pipeline them.
constexpr std::size_t batch_blocks = 64;

void xor_into(std::uint8_t* dst, const std::uint8_t* a, const std::uint8_t* b) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
}

evp_cipher_ctx_st* make_ctx(const block& key, bool encrypt) {
  auto* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr,
                                          encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("AES-128-ECB is not available");
  }
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  return ctx;
}

void run_ecb(evp_cipher_ctx_st* ctx, const std::uint8_t* in, std::uint8_t* out,
             std::size_t blocks) {
  int written = 0;
  if (blocks != 0 && EVP_CipherUpdate(ctx, out, &written, in, static_cast<int>(blocks * n)) != 1) {
    throw std::runtime_error("AES-128-ECB failed");
  }
}

// The length of the final block in bits, as an n-bit big-endian string.
block length_block(std::size_t bytes) noexcept {
  block b{};
  const auto bits = static_cast<std::uint32_t>(bytes * 8);
  b[14] = static_cast<std::uint8_t>(bits >> 8);
  b[15] = static_cast<std::uint8_t>(bits);
  return b;
}

}  // namespace

block times_two(const block& b) noexcept {
  block r{};
  const bool carry = (b[0] & 0x80) != 0;
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = static_cast<std::uint8_t>((b[i] << 1) | (i + 1 < n ? b[i + 1] >> 7 : 0));
  }
  if (carry) {
    r[15] ^= 0x87;
  }
  return r;
}

ocb2_aes128::ocb2_aes128(const block& key)
    : enc_(make_ctx(key, true)), dec_(make_ctx(key, false)) {}

ocb2_aes128::~ocb2_aes128() {
  EVP_CIPHER_CTX_free(enc_);
  EVP_CIPHER_CTX_free(dec_);
}

void ocb2_aes128::aes_encrypt(const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) {
  run_ecb(enc_, in, out, blocks);
}

void ocb2_aes128::aes_decrypt(const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) {
  run_ecb(dec_, in, out, blocks);
}

// M is cut into m = max(1, ceil(|M|/n)) blocks, the last 0..n bytes long.
// Offsets: L = E(N), Δ_i = 2^i·L. Full blocks: C_i = E(M_i ⊕ Δ_i) ⊕ Δ_i.
// Last: Pad = E(len(M_m) ⊕ Δ_m), C_m = M_m ⊕ Pad (truncated). Checksum =
// M_1 ⊕ … ⊕ M_{m-1} ⊕ C_m0* ⊕ Pad; T = E(Checksum ⊕ 3·Δ_m).
block ocb2_aes128::encrypt(const block& nonce, std::span<const std::uint8_t> plain,
                           std::uint8_t* out) {
  block delta;
  aes_encrypt(nonce.data(), delta.data(), 1);
  block checksum{};
  const std::size_t full = plain.empty() ? 0 : (plain.size() - 1) / n;
  std::array<std::uint8_t, batch_blocks * n> x;
  std::array<block, batch_blocks> offsets;
  for (std::size_t done = 0; done < full;) {
    const auto count = std::min(batch_blocks, full - done);
    for (std::size_t k = 0; k < count; ++k) {
      const auto* m = plain.data() + (done + k) * n;
      delta = times_two(delta);
      offsets[k] = delta;
      xor_into(&x[k * n], m, delta.data());
      xor_into(checksum.data(), checksum.data(), m);
    }
    aes_encrypt(x.data(), x.data(), count);
    for (std::size_t k = 0; k < count; ++k) {
      xor_into(out + (done + k) * n, &x[k * n], offsets[k].data());
    }
    done += count;
  }
  const std::size_t last = plain.size() - full * n;
  delta = times_two(delta);
  block pad = length_block(last);
  xor_into(pad.data(), pad.data(), delta.data());
  aes_encrypt(pad.data(), pad.data(), 1);
  block tail = pad;  // C_m0* ⊕ Pad = M_m followed by Pad's remaining bytes
  for (std::size_t i = 0; i < last; ++i) {
    tail[i] = plain[full * n + i];
    out[full * n + i] = static_cast<std::uint8_t>(plain[full * n + i] ^ pad[i]);
  }
  xor_into(checksum.data(), checksum.data(), tail.data());
  const block two = times_two(delta);
  block t;
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = static_cast<std::uint8_t>(checksum[i] ^ delta[i] ^ two[i]);
  }
  aes_encrypt(t.data(), t.data(), 1);
  return t;
}

block ocb2_aes128::decrypt(const block& nonce, std::span<const std::uint8_t> cipher,
                           std::uint8_t* out) {
  block delta;
  aes_encrypt(nonce.data(), delta.data(), 1);
  block checksum{};
  const std::size_t full = cipher.empty() ? 0 : (cipher.size() - 1) / n;
  std::array<std::uint8_t, batch_blocks * n> x;
  std::array<block, batch_blocks> offsets;
  for (std::size_t done = 0; done < full;) {
    const auto count = std::min(batch_blocks, full - done);
    for (std::size_t k = 0; k < count; ++k) {
      delta = times_two(delta);
      offsets[k] = delta;
      xor_into(&x[k * n], cipher.data() + (done + k) * n, delta.data());
    }
    aes_decrypt(x.data(), x.data(), count);
    for (std::size_t k = 0; k < count; ++k) {
      auto* m = out + (done + k) * n;
      xor_into(m, &x[k * n], offsets[k].data());
      xor_into(checksum.data(), checksum.data(), m);
    }
    done += count;
  }
  const std::size_t last = cipher.size() - full * n;
  delta = times_two(delta);
  block pad = length_block(last);
  xor_into(pad.data(), pad.data(), delta.data());
  aes_encrypt(pad.data(), pad.data(), 1);
  block tail = pad;
  for (std::size_t i = 0; i < last; ++i) {
    out[full * n + i] = static_cast<std::uint8_t>(cipher[full * n + i] ^ pad[i]);
    tail[i] = out[full * n + i];
  }
  xor_into(checksum.data(), checksum.data(), tail.data());
  const block two = times_two(delta);
  block t;
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = static_cast<std::uint8_t>(checksum[i] ^ delta[i] ^ two[i]);
  }
  aes_encrypt(t.data(), t.data(), 1);
  return t;
}

void ocb2_aes128::decrypt_prefix(const block& nonce, std::span<const std::uint8_t> cipher,
                                 std::size_t blocks, std::uint8_t* out) {
  const std::size_t full = cipher.empty() ? 0 : (cipher.size() - 1) / n;
  blocks = std::min({blocks, full, batch_blocks});
  block delta;
  aes_encrypt(nonce.data(), delta.data(), 1);
  std::array<std::uint8_t, batch_blocks * n> x;
  std::array<block, batch_blocks> offsets;
  for (std::size_t k = 0; k < blocks; ++k) {
    delta = times_two(delta);
    offsets[k] = delta;
    xor_into(&x[k * n], cipher.data() + k * n, delta.data());
  }
  aes_decrypt(x.data(), x.data(), blocks);
  for (std::size_t k = 0; k < blocks; ++k) {
    xor_into(out + k * n, &x[k * n], offsets[k].data());
  }
}

namespace {

std::vector<std::uint8_t> from_hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace

int self_test() {
  // draft-krovetz-ocb-00, OCB-AES-128 without header: key = nonce = 00..0f,
  // M = the first `size` bytes of 00 01 02 ...
  struct vector {
    std::size_t size;
    const char* cipher;
    const char* tag;
  };
  const vector vectors[] = {
      {0, "", "BF3108130773AD5EC70EC69E7875A7B0"},
      {8, "C636B3A868F429BB", "A45F5FDEA5C088D1D7C8BE37CABC8C5C"},
      {16, "52E48F5D19FE2D9869F0C4A4B3D2BE57", "F7EE49AE7AA5B5E6645DB6B3966136F9"},
      {24, "F75D6BC8B4DC8D66B836A2B08B32A636CC579E145D323BEB", "A1A50F822819D6E0A216784AC24AC84C"},
      {32, "F75D6BC8B4DC8D66B836A2B08B32A636CEC3C555037571709DA25E1BB0421A27",
       "09CA6C73F0B5C6C5FD587122D75F2AA3"},
      {40, "F75D6BC8B4DC8D66B836A2B08B32A6369F1CD3C5228D79FD6C267F5F6AA7B231C7DFB9D59951AE9C",
       "9DB0CDF880F73E3E10D4EB3217766688"},
  };
  block key;
  for (std::size_t i = 0; i < n; ++i) {
    key[i] = static_cast<std::uint8_t>(i);
  }
  ocb2_aes128 ocb(key);
  int failures = 0;
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "ocb2 self-test: %s\n", what.c_str());
    ++failures;
  };
  for (const auto& v : vectors) {
    std::vector<std::uint8_t> plain(v.size), out(v.size), back(v.size);
    for (std::size_t i = 0; i < v.size; ++i) {
      plain[i] = static_cast<std::uint8_t>(i);
    }
    const auto tag = ocb.encrypt(key, plain, out.data());
    const auto want_tag = from_hex(v.tag);
    if (out != from_hex(v.cipher) || std::memcmp(tag.data(), want_tag.data(), n) != 0) {
      fail("known answer for a " + std::to_string(v.size) + "-byte message");
    }
    if (ocb.decrypt(key, out, back.data()) != tag || back != plain) {
      fail("decryption of the " + std::to_string(v.size) + "-byte vector");
    }
  }
  // Round trips over every tail length and across a batch boundary, and a
  // flipped bit anywhere changes the tag.
  block nonce = times_two(key);
  for (std::size_t size : {1u, 15u, 17u, 31u, 33u, 330u, 1024u + 7u, 1040u, 1100u}) {
    std::vector<std::uint8_t> plain(size), out(size), back(size);
    for (std::size_t i = 0; i < size; ++i) {
      plain[i] = static_cast<std::uint8_t>(i * 7 + 3);
    }
    const auto tag = ocb.encrypt(nonce, plain, out.data());
    if (ocb.decrypt(nonce, out, back.data()) != tag || back != plain) {
      fail("round trip of " + std::to_string(size) + " bytes");
    }
    std::vector<std::uint8_t> prefix(16 * 2);
    ocb.decrypt_prefix(nonce, out, 2, prefix.data());
    if (size > 32 && std::memcmp(prefix.data(), plain.data(), 32) != 0) {
      fail("prefix decryption of " + std::to_string(size) + " bytes");
    }
    out[size / 2] ^= 0x10;
    if (ocb.decrypt(nonce, out, back.data()) == tag) {
      fail("a flipped bit went unnoticed in " + std::to_string(size) + " bytes");
    }
  }
  return failures;
}

}  // namespace controlroom::bench::mumble
