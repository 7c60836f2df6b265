#pragma once

// Hashing and randomness for secrets, on OpenSSL. Pure functions.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace controlroom::server {

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Fills `out` from the OS CSPRNG. Throws std::runtime_error if it fails.
void random_bytes(std::span<std::uint8_t> out);

/// `bytes` bytes from the OS CSPRNG, base64url-encoded without padding.
/// Throws std::runtime_error if the generator fails.
std::string random_base64url(std::size_t bytes);

/// A new API token: "crt_" + 256 random bits.
std::string new_api_token();

/// A random (version 4) UUID in its canonical text form.
std::string random_uuid();

/// True for the canonical 8-4-4-4-12 hex UUID text form.
bool is_uuid(std::string_view text);

}  // namespace controlroom::server
