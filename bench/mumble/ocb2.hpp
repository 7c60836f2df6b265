#pragma once

// OCB2-AES128 (Rogaway, "Efficient Instantiations of Tweakable Blockciphers
// and Refinements to Modes OCB and PMAC", 2004; draft-krovetz-ocb-00), the
// authenticated encryption of Mumble's UDP voice, written from the
// specification on top of OpenSSL's AES-128 block encryption. No associated
// data (Mumble uses none) and a full 16-byte tag; the caller truncates.
//
// OCB2 is broken as a general-purpose AEAD (Inoue and Minematsu, 2018: the
// tag can be forged from one query whose second-to-last block encodes a
// length). It is here only so that the load generator can talk to a Mumble
// server; never use it for Controlroom's own media.
//
// Not thread safe: one instance per thread (it owns OpenSSL cipher contexts).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

struct evp_cipher_ctx_st;

namespace controlroom::bench::mumble {

using block = std::array<std::uint8_t, 16>;

class ocb2_aes128 {
 public:
  explicit ocb2_aes128(const block& key);
  ~ocb2_aes128();
  ocb2_aes128(const ocb2_aes128&) = delete;
  ocb2_aes128& operator=(const ocb2_aes128&) = delete;

  /// Encrypts `plain` into `out` (same size) under `nonce`; returns the tag.
  block encrypt(const block& nonce, std::span<const std::uint8_t> plain, std::uint8_t* out);

  /// Decrypts `cipher` into `out` (same size); returns the tag the plaintext
  /// implies, which the caller compares with the one received.
  block decrypt(const block& nonce, std::span<const std::uint8_t> cipher, std::uint8_t* out);

  /// Decrypts only the first `blocks` full blocks (no tag): cheap access to a
  /// packet's leading bytes when its authenticity is checked elsewhere.
  void decrypt_prefix(const block& nonce, std::span<const std::uint8_t> cipher, std::size_t blocks,
                      std::uint8_t* out);

  /// The block cipher itself, several blocks at once (ECB).
  void aes_encrypt(const std::uint8_t* in, std::uint8_t* out, std::size_t blocks);
  void aes_decrypt(const std::uint8_t* in, std::uint8_t* out, std::size_t blocks);

 private:
  evp_cipher_ctx_st* enc_ = nullptr;
  evp_cipher_ctx_st* dec_ = nullptr;
};

/// Doubling in GF(2^128) with OCB's polynomial x^128 + x^7 + x^2 + x + 1,
/// the block read as a big-endian 128-bit number.
block times_two(const block& b) noexcept;

/// The OCB2 known-answer tests of draft-krovetz-ocb-00 (key = nonce =
/// 00..0f) plus round trips and tamper checks; 0 when all pass, otherwise
/// the number of failures (each printed to stderr).
int self_test();

}  // namespace controlroom::bench::mumble
