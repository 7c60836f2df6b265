// mumble_load --self-test, beyond OCB2's known answers (ocb2.cpp): the
// codecs of wire.hpp and the nonce bookkeeping of crypt_state.hpp, checked
// against each other (a server's side is a crypt_state with the nonces
// swapped), including lost, late and wrapped-around datagrams.

#include "self_test.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "crypt_state.hpp"
#include "wire.hpp"

namespace controlroom::bench::mumble {
namespace {

int wire_test() {
  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::fprintf(stderr, "wire self-test: %s\n", what.c_str());
      ++failures;
    }
  };
  for (std::uint64_t v : {0ull, 0x7full, 0x80ull, 0x3fffull, 0x4000ull, 0x1fffffull, 0x200000ull,
                          0xfffffffull, 0x10000000ull, 0xffffffffull, 0x100000000ull}) {
    std::vector<std::uint8_t> out;
    write_mumble_varint(out, v);
    std::span<const std::uint8_t> in(out);
    std::uint64_t back = 0;
    check(read_mumble_varint(in, back) && back == v && in.empty(),
          "varint round trip of " + std::to_string(v));
  }
  // What a client sends, as the server relays it: the session inserted
  // after the header byte.
  std::vector<std::uint8_t> opus(322, 0x41), sent;
  write_client_voice(sent, 70000, opus);
  std::vector<std::uint8_t> relayed{sent[0]};
  write_mumble_varint(relayed, 4242);
  relayed.insert(relayed.end(), sent.begin() + 1, sent.end());
  const auto v = parse_relayed_voice(relayed);
  check(v && v->session == 4242 && v->sequence == 70000 && v->opus.size() == opus.size(),
        "relayed voice parse");
  std::string framed;
  append_frame(framed, message_type::user_state, join_channel_body(7, 3));
  const auto state = parse_user_state(std::string_view(framed).substr(frame_header_size));
  check(framed.size() == frame_header_size + join_channel_body(7, 3).size() &&
            state.session == 7u && state.channel_id == 3u,
        "UserState frame");
  return failures;
}

int crypt_test() {
  int failures = 0;
  block key{}, client{}, server{};
  for (std::size_t i = 0; i < 16; ++i) {
    key[i] = static_cast<std::uint8_t>(i * 3 + 1);
    client[i] = static_cast<std::uint8_t>(0xff - i);
    server[i] = static_cast<std::uint8_t>(0xf0 + i);
  }
  client[0] = 0xf0;  // the low byte wraps within the test
  crypt_state sender(key, client, server), receiver(key, server, client);
  std::vector<std::vector<std::uint8_t>> wire(600);
  std::vector<std::uint8_t> plain(330), back;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    plain[0] = static_cast<std::uint8_t>(i);
    plain[1] = static_cast<std::uint8_t>(i >> 8);
    sender.encrypt(plain, wire[i]);
  }
  // In order, then a loss of 20, a late one from 10 back, a long loss
  // across a wrap of the low byte, and a duplicate of a very old one.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < 100; ++i) {
    order.push_back(i);
  }
  order.push_back(120);
  order.push_back(110);
  order.push_back(300);
  order.push_back(301);
  std::size_t good = 0;
  for (const auto i : order) {
    if (!receiver.decrypt(wire[i], back) || back[0] != static_cast<std::uint8_t>(i) ||
        back[1] != static_cast<std::uint8_t>(i >> 8)) {
      std::fprintf(stderr, "crypt self-test: datagram %zu did not decrypt\n", i);
      ++failures;
    } else {
      ++good;
    }
  }
  std::uint8_t head[32];
  if (!receiver.decrypt_head(wire[302], head) || head[0] != static_cast<std::uint8_t>(302)) {
    std::fprintf(stderr, "crypt self-test: head-only decryption\n");
    ++failures;
  }
  if (receiver.late() != 1 || receiver.lost() != 20 + 179) {
    std::fprintf(stderr, "crypt self-test: late %llu lost %llu\n",
                 static_cast<unsigned long long>(receiver.late()),
                 static_cast<unsigned long long>(receiver.lost()));
    ++failures;
  }
  auto tampered = wire[303];
  tampered[40] ^= 1;
  if (receiver.decrypt(tampered, back)) {
    std::fprintf(stderr, "crypt self-test: a tampered datagram decrypted\n");
    ++failures;
  }
  return failures;
}

}  // namespace

int codec_self_test() {
  return wire_test() + crypt_test();
}

}  // namespace controlroom::bench::mumble
