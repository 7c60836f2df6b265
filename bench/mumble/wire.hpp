#pragma once

// Socket-free codecs for the part of Mumble's protocol (1.3.x) the load
// generator speaks, written from the protocol's documentation:
//
// - control messages on TLS/TCP: u16 type | u32 length (big-endian) | body,
//   the body a protobuf message (hand-encoded here: a few fields of a few
//   messages), except UDPTunnel whose body is a raw voice packet;
// - voice packets (legacy UDP format): u8 header (codec << 5 | target), then
//   Mumble's own variable-length integers: [session, server to client only],
//   sequence, then for Opus a length (bit 0x2000: last frame) and the bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace controlroom::bench::mumble {

enum class message_type : std::uint16_t {
  version = 0,
  udp_tunnel = 1,
  authenticate = 2,
  ping = 3,
  reject = 4,
  server_sync = 5,
  channel_state = 7,
  user_remove = 8,
  user_state = 9,
  permission_denied = 12,
  crypt_setup = 15,
};

inline constexpr std::size_t frame_header_size = 6;
/// The largest control message the generator accepts (the server's own limit
/// is 8 MiB; the state of a few thousand users stays far below this).
inline constexpr std::size_t max_message_size = 1 << 20;

/// Appends one framed message.
void append_frame(std::string& out, message_type type, std::string_view body);

/// Protobuf wire format, the few shapes needed.
class pb_writer {
 public:
  pb_writer& uint(int field, std::uint64_t value);
  pb_writer& boolean(int field, bool value) { return uint(field, value ? 1 : 0); }
  pb_writer& bytes(int field, std::string_view value);
  const std::string& str() const noexcept { return out_; }

 private:
  void varint(std::uint64_t v);
  std::string out_;
};

/// One field of a protobuf message: varints and length-delimited values are
/// kept, fixed-size ones skipped.
struct pb_field {
  int number = 0;
  std::uint64_t value = 0;  ///< wire type 0
  std::string_view bytes;   ///< wire type 2
  bool is_bytes = false;
};

/// Calls `on_field` for every field; false on malformed input.
template <class F>
bool for_each_field(std::string_view body, F&& on_field);

bool read_pb_varint(std::string_view& in, std::uint64_t& v);

// The messages the generator reads.
struct crypt_setup {
  std::string key, client_nonce, server_nonce;
};
crypt_setup parse_crypt_setup(std::string_view body);
/// ServerSync.session (our own session id); nullopt if absent.
std::optional<std::uint32_t> parse_server_sync_session(std::string_view body);
struct user_state {
  std::optional<std::uint32_t> session, channel_id;
};
user_state parse_user_state(std::string_view body);
struct channel_state {
  std::optional<std::uint32_t> channel_id;
  std::string name;
};
channel_state parse_channel_state(std::string_view body);
/// Reject.reason or PermissionDenied.reason, for error messages.
std::string parse_reason(std::string_view body);

// The messages the generator writes.
std::string version_body();
std::string authenticate_body(std::string_view username, std::string_view password);
std::string ping_body(std::uint64_t timestamp);
std::string join_channel_body(std::uint32_t session, std::uint32_t channel_id);
std::string create_channel_body(std::uint32_t parent, std::string_view name);

// Mumble's variable-length integers (non-negative values only).
void write_mumble_varint(std::vector<std::uint8_t>& out, std::uint64_t v);
bool read_mumble_varint(std::span<const std::uint8_t>& in, std::uint64_t& v);

inline constexpr std::uint8_t codec_opus = 4;
inline constexpr std::uint8_t udp_ping = 1;

/// A client's Opus packet to its channel (target 0): header, sequence,
/// length | 0x2000 (the last frame of a transmission is not marked: the
/// stream goes on), the Opus bytes.
void write_client_voice(std::vector<std::uint8_t>& out, std::uint64_t sequence,
                        std::span<const std::uint8_t> opus);

/// A UDP ping: header 0x20, varint timestamp. The server echoes it.
void write_udp_ping(std::vector<std::uint8_t>& out, std::uint64_t timestamp);

/// A voice packet as the server relays it; nullopt when it is not Opus
/// voice or is malformed.
struct relayed_voice {
  std::uint32_t session = 0;
  std::uint64_t sequence = 0;
  std::span<const std::uint8_t> opus;
};
std::optional<relayed_voice> parse_relayed_voice(std::span<const std::uint8_t> plain);

// --- implementation of the template ---

template <class F>
bool for_each_field(std::string_view body, F&& on_field) {
  while (!body.empty()) {
    std::uint64_t key = 0;
    if (!read_pb_varint(body, key)) {
      return false;
    }
    pb_field f;
    f.number = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0:
        if (!read_pb_varint(body, f.value)) {
          return false;
        }
        break;
      case 1:
        if (body.size() < 8) {
          return false;
        }
        body.remove_prefix(8);
        continue;
      case 2: {
        std::uint64_t len = 0;
        if (!read_pb_varint(body, len) || len > body.size()) {
          return false;
        }
        f.bytes = body.substr(0, len);
        f.is_bytes = true;
        body.remove_prefix(len);
        break;
      }
      case 5:
        if (body.size() < 4) {
          return false;
        }
        body.remove_prefix(4);
        continue;
      default:
        return false;
    }
    on_field(f);
  }
  return true;
}

}  // namespace controlroom::bench::mumble
