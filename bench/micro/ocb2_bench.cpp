// The per-packet crypto Mumble's server pays on its UDP path (OCB2-AES128,
// our implementation on OpenSSL's AES; bench/mumble/ocb2.hpp), to put the
// peer comparison's "Mumble encrypts, controlroomd does not yet" caveat in
// microseconds: one 330-byte voice packet, as in the peer benchmark.

#include <vector>

#include <benchmark/benchmark.h>

#include "../mumble/ocb2.hpp"

namespace {

using controlroom::bench::mumble::block;
using controlroom::bench::mumble::ocb2_aes128;

void BM_ocb2_encrypt_voice_packet(benchmark::State& s) {
  block key{}, nonce{};
  key[0] = 1;
  ocb2_aes128 ocb(key);
  std::vector<std::uint8_t> plain(330, 0x41), out(330);
  for (auto _ : s) {
    ++nonce[0];
    auto tag = ocb.encrypt(nonce, plain, out.data());
    benchmark::DoNotOptimize(tag);
  }
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(s.iterations() * 330);
}
BENCHMARK(BM_ocb2_encrypt_voice_packet);

}  // namespace
