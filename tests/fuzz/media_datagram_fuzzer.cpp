// The media plane's datagram parsers on arbitrary bytes: everything a UDP
// socket (or a MediaFrame) can hand the server or a client before any
// routing. Besides "no crash, no out-of-bounds read" (ASan, UBSan), it checks
// the properties the wire format promises:
//  - parsing is strict, so a header that parses is written back to exactly
//    the bytes it came from (parse(write(h)) == h and write(parse(b)) == b);
//  - a datagram's payload is a view inside the datagram, never empty;
//  - the redundancy framing splits into two non-empty packets that pack back
//    into the same bytes;
//  - probes and probe replies round-trip the same way;
//  - a sealed datagram's prefix parses only within its bounds, arbitrary
//    bytes never open under a key, and any inner datagram sealed opens back
//    to itself, but not once one byte has changed.
//
// Input: the datagram itself.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "controlroom/media/header.hpp"
#include "controlroom/media/payload.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/sealed.hpp"
#include "fuzz_check.hpp"

namespace media = controlroom::media;

namespace {

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_header(std::span<const std::uint8_t> bytes) {
  const auto header = media::parse_header(bytes);
  if (!header) {
    return;
  }
  FUZZ_CHECK(bytes.size() >= media::header_size);
  FUZZ_CHECK(media::is_valid(*header));
  std::array<std::uint8_t, media::header_size> written{};
  media::write_header(*header, written);
  FUZZ_CHECK(std::equal(written.begin(), written.end(), bytes.begin()));
  FUZZ_CHECK(media::parse_header(written) == header);
}

void check_datagram(std::span<const std::uint8_t> bytes) {
  const auto parsed = media::parse_datagram(bytes);
  const auto header = media::parse_header(bytes);
  if (!parsed) {
    // Only the datagram-level bounds may refuse what the header accepted.
    FUZZ_CHECK(!header || bytes.size() == media::header_size ||
               bytes.size() > media::max_datagram_size);
    return;
  }
  FUZZ_CHECK(header && *header == parsed->header);
  FUZZ_CHECK(bytes.size() <= media::max_datagram_size);
  FUZZ_CHECK(!parsed->payload.empty());
  FUZZ_CHECK(parsed->payload.data() == bytes.data() + media::header_size);
  FUZZ_CHECK(parsed->payload.size() == bytes.size() - media::header_size);

  const auto split = media::split_payload(parsed->header, parsed->payload);
  if (!parsed->header.redundancy) {
    FUZZ_CHECK(split && split->redundant.empty());
    FUZZ_CHECK(split->primary.data() == parsed->payload.data() &&
               split->primary.size() == parsed->payload.size());
    return;
  }
  FUZZ_CHECK(split.has_value() == media::unpack_redundant_payload(parsed->payload).has_value());
}

void check_redundancy(std::span<const std::uint8_t> payload) {
  const auto split = media::unpack_redundant_payload(payload);
  if (!split) {
    return;
  }
  FUZZ_CHECK(!split->primary.empty() && !split->redundant.empty());
  FUZZ_CHECK(inside(split->primary, payload) && inside(split->redundant, payload));
  FUZZ_CHECK(split->primary.size() + split->redundant.size() + media::redundancy_overhead ==
             payload.size());
  std::vector<std::uint8_t> packed(payload.size());
  const auto written = media::pack_redundant_payload(split->primary, split->redundant, packed);
  FUZZ_CHECK(written && *written == payload.size());
  FUZZ_CHECK(std::equal(packed.begin(), packed.end(), payload.begin()));
  // One byte short never fits.
  FUZZ_CHECK(!media::pack_redundant_payload(split->primary, split->redundant,
                                            std::span(packed).first(payload.size() - 1)));
}

void check_probes(std::span<const std::uint8_t> bytes) {
  if (const auto probe = media::parse_probe(bytes)) {
    FUZZ_CHECK(bytes.size() == media::probe_size);
    std::array<std::uint8_t, media::probe_size> written{};
    media::write_probe(*probe, written);
    FUZZ_CHECK(std::equal(written.begin(), written.end(), bytes.begin()));
    FUZZ_CHECK(media::tokens_equal(probe->token, probe->token));
  }
  if (const auto reply = media::parse_probe_reply(bytes)) {
    FUZZ_CHECK(bytes.size() == media::probe_reply_size);
    std::array<std::uint8_t, media::probe_reply_size> written{};
    media::write_probe_reply(*reply, written);
    FUZZ_CHECK(std::equal(written.begin(), written.end(), bytes.begin()));
  }
  // The first byte tells the three kinds apart: nothing parses as two.
  const int kinds = (media::parse_datagram(bytes) ? 1 : 0) + (media::parse_probe(bytes) ? 1 : 0) +
                    (media::parse_probe_reply(bytes) ? 1 : 0);
  FUZZ_CHECK(kinds <= 1);
}

void check_sealed(std::span<const std::uint8_t> bytes) {
  static media::media_cipher cipher{media::media_key{1, 2, 3, 4, 5, 6, 7, 8}};
  std::vector<std::uint8_t> out(media::max_sealed_size);
  if (const auto prefix = media::parse_sealed_prefix(bytes)) {
    FUZZ_CHECK(bytes.size() > media::sealed_overhead && bytes.size() <= media::max_sealed_size);
    FUZZ_CHECK(prefix->counter != 0);
    FUZZ_CHECK(!media::parse_datagram(bytes) && !media::parse_probe(bytes));
    // Forging a tag by chance is not something a fuzzer does.
    FUZZ_CHECK(!cipher.open(bytes, out).has_value());
  }
  if (bytes.empty() || bytes.size() > media::max_datagram_size) {
    return;
  }
  const media::sealed_prefix prefix{media::seal_direction::to_client, 0xA1B2C3D4, bytes.size() + 1};
  auto sealed = cipher.seal(prefix, bytes, out);
  FUZZ_CHECK(sealed.size() == bytes.size() + media::sealed_overhead);
  const std::vector<std::uint8_t> copy(sealed.begin(), sealed.end());
  FUZZ_CHECK(media::parse_sealed_prefix(copy) == prefix);
  std::vector<std::uint8_t> inner(copy.size());
  const auto opened = cipher.open(copy, inner);
  FUZZ_CHECK(opened && std::equal(opened->begin(), opened->end(), bytes.begin(), bytes.end()));
  auto tampered = copy;
  tampered[bytes[0] % tampered.size()] ^= 0x20;
  FUZZ_CHECK(!cipher.open(tampered, inner).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A private copy of exactly `size` bytes, so that ASan catches a read one
  // past the end (libFuzzer's own buffer is exact too; this keeps it so
  // whatever the caller).
  const std::vector<std::uint8_t> copy(data, data + size);
  const std::span<const std::uint8_t> bytes(copy);
  check_header(bytes);
  check_datagram(bytes);
  check_redundancy(bytes);
  check_probes(bytes);
  check_sealed(bytes);
  return 0;
}
