#pragma once

namespace controlroom::bench::mumble {

/// The wire codecs and the crypt_state nonce bookkeeping (late, lost,
/// wrapped datagrams, tampering); 0 when all pass, otherwise the number of
/// failures (each printed to stderr). OCB2's own vectors: self_test().
int codec_self_test();

}  // namespace controlroom::bench::mumble
