#include "wire.hpp"

namespace controlroom::bench::mumble {

void append_frame(std::string& out, message_type type, std::string_view body) {
  const auto t = static_cast<std::uint16_t>(type);
  const auto n = static_cast<std::uint32_t>(body.size());
  const char header[frame_header_size] = {static_cast<char>(t >> 8),  static_cast<char>(t),
                                          static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                                          static_cast<char>(n >> 8),  static_cast<char>(n)};
  out.append(header, frame_header_size);
  out.append(body);
}

void pb_writer::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_ += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out_ += static_cast<char>(v);
}

pb_writer& pb_writer::uint(int field, std::uint64_t value) {
  varint(static_cast<std::uint64_t>(field) << 3);
  varint(value);
  return *this;
}

pb_writer& pb_writer::bytes(int field, std::string_view value) {
  varint((static_cast<std::uint64_t>(field) << 3) | 2);
  varint(value.size());
  out_.append(value);
  return *this;
}

bool read_pb_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

crypt_setup parse_crypt_setup(std::string_view body) {
  crypt_setup c;
  for_each_field(body, [&](const pb_field& f) {
    if (!f.is_bytes) {
      return;
    }
    (f.number == 1 ? c.key : f.number == 2 ? c.client_nonce : c.server_nonce) = f.bytes;
  });
  return c;
}

std::optional<std::uint32_t> parse_server_sync_session(std::string_view body) {
  std::optional<std::uint32_t> session;
  for_each_field(body, [&](const pb_field& f) {
    if (f.number == 1 && !f.is_bytes) {
      session = static_cast<std::uint32_t>(f.value);
    }
  });
  return session;
}

user_state parse_user_state(std::string_view body) {
  user_state u;
  for_each_field(body, [&](const pb_field& f) {
    if (f.is_bytes) {
      return;
    }
    if (f.number == 1) {
      u.session = static_cast<std::uint32_t>(f.value);
    } else if (f.number == 5) {
      u.channel_id = static_cast<std::uint32_t>(f.value);
    }
  });
  return u;
}

channel_state parse_channel_state(std::string_view body) {
  channel_state c;
  for_each_field(body, [&](const pb_field& f) {
    if (f.number == 1 && !f.is_bytes) {
      c.channel_id = static_cast<std::uint32_t>(f.value);
    } else if (f.number == 3 && f.is_bytes) {
      c.name = f.bytes;
    }
  });
  return c;
}

std::string parse_reason(std::string_view body) {
  std::string reason;
  std::uint64_t type = 0;
  for_each_field(body, [&](const pb_field& f) {
    if (f.is_bytes && (f.number == 2 || f.number == 4)) {
      reason = f.bytes;
    } else if (!f.is_bytes && (f.number == 1 || f.number == 5)) {
      type = f.value;
    }
  });
  return reason.empty() ? "type " + std::to_string(type) : reason;
}

std::string version_body() {
  // 1.3.4 as (major << 16) | (minor << 8) | patch: new enough for Opus.
  return pb_writer{}
      .uint(1, (1u << 16) | (3u << 8) | 4u)
      .bytes(2, "controlroom-bench")
      .bytes(3, "Linux")
      .bytes(4, "load generator")
      .str();
}

std::string authenticate_body(std::string_view username, std::string_view password) {
  pb_writer w;
  w.bytes(1, username);
  if (!password.empty()) {
    w.bytes(2, password);
  }
  return w.boolean(5, true).str();  // opus: this client decodes Opus
}

std::string ping_body(std::uint64_t timestamp) {
  return pb_writer{}.uint(1, timestamp).str();
}

std::string join_channel_body(std::uint32_t session, std::uint32_t channel_id) {
  return pb_writer{}.uint(1, session).uint(5, channel_id).str();
}

std::string create_channel_body(std::uint32_t parent, std::string_view name) {
  return pb_writer{}.uint(2, parent).bytes(3, name).boolean(8, false).str();
}

void write_mumble_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  auto put = [&](std::uint64_t b) { out.push_back(static_cast<std::uint8_t>(b)); };
  if (v < 0x80) {
    put(v);
  } else if (v < 0x4000) {
    put((v >> 8) | 0x80);
    put(v);
  } else if (v < 0x200000) {
    put((v >> 16) | 0xC0);
    put(v >> 8);
    put(v);
  } else if (v < 0x10000000) {
    put((v >> 24) | 0xE0);
    put(v >> 16);
    put(v >> 8);
    put(v);
  } else if (v <= 0xffffffffu) {
    put(0xF0);
    for (int s = 24; s >= 0; s -= 8) {
      put(v >> s);
    }
  } else {
    put(0xF4);
    for (int s = 56; s >= 0; s -= 8) {
      put(v >> s);
    }
  }
}

bool read_mumble_varint(std::span<const std::uint8_t>& in, std::uint64_t& v) {
  if (in.empty()) {
    return false;
  }
  const std::uint8_t b = in[0];
  std::size_t extra = 0;
  if ((b & 0x80) == 0) {
    v = b & 0x7f;
  } else if ((b & 0xC0) == 0x80) {
    v = b & 0x3f;
    extra = 1;
  } else if ((b & 0xE0) == 0xC0) {
    v = b & 0x1f;
    extra = 2;
  } else if ((b & 0xF0) == 0xE0) {
    v = b & 0x0f;
    extra = 3;
  } else if ((b & 0xFC) == 0xF0) {
    v = 0;
    extra = 4;
  } else if ((b & 0xFC) == 0xF4) {
    v = 0;
    extra = 8;
  } else {
    return false;  // negative forms: never used for what we read
  }
  if (in.size() < 1 + extra) {
    return false;
  }
  for (std::size_t i = 1; i <= extra; ++i) {
    v = (v << 8) | in[i];
  }
  in = in.subspan(1 + extra);
  return true;
}

void write_client_voice(std::vector<std::uint8_t>& out, std::uint64_t sequence,
                        std::span<const std::uint8_t> opus) {
  out.clear();
  out.push_back(static_cast<std::uint8_t>(codec_opus << 5));
  write_mumble_varint(out, sequence);
  write_mumble_varint(out, opus.size());
  out.insert(out.end(), opus.begin(), opus.end());
}

void write_udp_ping(std::vector<std::uint8_t>& out, std::uint64_t timestamp) {
  out.clear();
  out.push_back(static_cast<std::uint8_t>(udp_ping << 5));
  write_mumble_varint(out, timestamp);
}

std::optional<relayed_voice> parse_relayed_voice(std::span<const std::uint8_t> plain) {
  if (plain.empty() || (plain[0] >> 5) != codec_opus) {
    return std::nullopt;
  }
  plain = plain.subspan(1);
  relayed_voice v;
  std::uint64_t session = 0, length = 0;
  if (!read_mumble_varint(plain, session) || !read_mumble_varint(plain, v.sequence) ||
      !read_mumble_varint(plain, length)) {
    return std::nullopt;
  }
  v.session = static_cast<std::uint32_t>(session);
  length &= 0x1fff;
  if (length > plain.size()) {
    // A head-only decryption: what there is of the frame.
    length = plain.size();
  }
  v.opus = plain.subspan(0, length);
  return v;
}

}  // namespace controlroom::bench::mumble
