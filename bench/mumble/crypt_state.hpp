#pragma once

// One direction pair of Mumble's UDP voice encryption for one user, as its
// protocol documentation describes it: the CryptSetup message gives a key
// and two 16-byte nonces (the client encrypts with client_nonce, the server
// with server_nonce); each datagram increments the sender's nonce (a
// little-endian 128-bit counter) and is sent as
//
//   u8 nonce[0] | u8 tag[0..2] | OCB2-AES128 ciphertext
//
// The receiver rebuilds the full nonce from its own counter and the one
// byte carried: in order, after a loss (ahead), or late (behind, within a
// window).
//
// Not thread safe: the encrypting and decrypting sides may be used from
// two threads only if each owns its own crypt_state copy (see split()).

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ocb2.hpp"

namespace controlroom::bench::mumble {

inline constexpr std::size_t crypt_overhead = 4;

class crypt_state {
 public:
  crypt_state(const block& key, const block& encrypt_nonce, const block& decrypt_nonce);

  /// Encrypts one datagram; `out` gets plain.size() + 4 bytes.
  void encrypt(std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& out);

  /// Decrypts and authenticates a whole datagram into `out`; false when the
  /// tag is wrong or the nonce is out of the window (state unchanged).
  bool decrypt(std::span<const std::uint8_t> datagram, std::vector<std::uint8_t>& out);

  /// Decrypts only the first 32 bytes of plaintext into `out` (no tag check),
  /// advancing the nonce as decrypt() would: the load generator's fast path
  /// for reading a timestamp out of most packets while decrypt() verifies a
  /// sample of them.
  bool decrypt_head(std::span<const std::uint8_t> datagram, std::uint8_t (&out)[32]);

  std::uint64_t good() const noexcept { return good_; }
  std::uint64_t late() const noexcept { return late_; }
  std::uint64_t lost() const noexcept { return lost_; }
  std::uint64_t failed() const noexcept { return failed_; }

 private:
  // Resolves the nonce of a datagram whose first byte is `low`; returns
  // false when it is too far behind. `advance` says whether it is the newest.
  struct counter {
    std::uint64_t low = 0, high = 0;  // bytes 0..7 and 8..15, little-endian
    counter plus(std::int64_t d) const noexcept;
    std::int64_t minus(const counter& o) const noexcept {
      return static_cast<std::int64_t>(low - o.low);
    }
  };
  static counter counter_of(const block& b) noexcept;
  static block block_of(const counter& c) noexcept;
  counter nonce_for(std::uint8_t low, bool& advance) const noexcept;
  void accept(bool advance, const counter& c);

  std::unique_ptr<ocb2_aes128> ocb_;
  counter encrypt_counter_;
  counter decrypt_counter_;
  std::uint64_t good_ = 0, late_ = 0, lost_ = 0, failed_ = 0;
};

}  // namespace controlroom::bench::mumble
