#include "controlroom/media/ogg_opus_writer.hpp"

#include <ogg/ogg.h>

namespace controlroom::media {

namespace {

void put_le16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put_le32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xff));
  }
}

void put_bytes(std::vector<std::uint8_t>& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
}

// RFC 7845 §5.1: identification header, channel mapping family 0.
std::vector<std::uint8_t> opus_head(const ogg_opus_settings& s) {
  std::vector<std::uint8_t> out;
  put_bytes(out, "OpusHead");
  out.push_back(1);  // version
  out.push_back(s.channels);
  put_le16(out, s.pre_skip);
  put_le32(out, s.input_sample_rate);
  put_le16(out, 0);  // output gain
  out.push_back(0);  // mapping family 0: mono or stereo, no table
  return out;
}

// RFC 7845 §5.2: comment header.
std::vector<std::uint8_t> opus_tags(const ogg_opus_settings& s) {
  std::vector<std::uint8_t> out;
  put_bytes(out, "OpusTags");
  put_le32(out, static_cast<std::uint32_t>(s.vendor.size()));
  put_bytes(out, s.vendor);
  put_le32(out, static_cast<std::uint32_t>(s.comments.size()));
  for (const auto& c : s.comments) {
    put_le32(out, static_cast<std::uint32_t>(c.size()));
    put_bytes(out, c);
  }
  return out;
}

}  // namespace

struct ogg_opus_writer::impl {
  ogg_stream_state stream{};
  ogg_page_sink sink;
  std::int64_t packetno = 0;
  std::uint64_t granule = 0;
  std::uint64_t bytes = 0;
  std::vector<std::uint8_t> held;  // the last packet, not yet submitted
  std::uint32_t held_samples = 0;
  bool holding = false;
  bool finished = false;

  ~impl() { ogg_stream_clear(&stream); }

  void emit(const ogg_page& page) {
    bytes += static_cast<std::uint64_t>(page.header_len + page.body_len);
    sink({page.header, static_cast<std::size_t>(page.header_len)},
         {page.body, static_cast<std::size_t>(page.body_len)});
  }

  void submit(std::vector<std::uint8_t>& data, std::uint32_t samples, bool first, bool last) {
    granule += samples;
    ogg_packet p{};
    p.packet = data.data();
    p.bytes = static_cast<long>(data.size());
    p.b_o_s = first ? 1 : 0;
    p.e_o_s = last ? 1 : 0;
    p.granulepos = static_cast<ogg_int64_t>(granule);
    p.packetno = packetno++;
    ogg_stream_packetin(&stream, &p);
  }

  void drain(bool force) {
    ogg_page page;
    while ((force ? ogg_stream_flush(&stream, &page) : ogg_stream_pageout(&stream, &page)) != 0) {
      emit(page);
    }
  }
};

result<ogg_opus_writer> ogg_opus_writer::create(const ogg_opus_settings& settings,
                                                ogg_page_sink sink) {
  if ((settings.channels != 1 && settings.channels != 2) || !sink) {
    return errc::bad_settings;
  }
  auto p = std::make_unique<impl>();
  if (ogg_stream_init(&p->stream, static_cast<int>(settings.serial)) != 0) {
    return errc::codec_failure;
  }
  p->sink = std::move(sink);
  // Each header on a page of its own (RFC 7845 §3), granule 0.
  auto head = opus_head(settings);
  p->submit(head, 0, true, false);
  p->drain(true);
  auto tags = opus_tags(settings);
  p->submit(tags, 0, false, false);
  p->drain(true);
  p->granule = 0;
  return ogg_opus_writer(std::move(p));
}

ogg_opus_writer::ogg_opus_writer(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
ogg_opus_writer::ogg_opus_writer(ogg_opus_writer&&) noexcept = default;
ogg_opus_writer& ogg_opus_writer::operator=(ogg_opus_writer&&) noexcept = default;
ogg_opus_writer::~ogg_opus_writer() = default;

std::error_code ogg_opus_writer::write(std::span<const std::uint8_t> packet,
                                       std::uint32_t samples) {
  auto& s = *impl_;
  if (s.finished || packet.empty() || samples == 0) {
    return make_error_code(errc::invalid_packet);
  }
  if (s.holding) {
    s.submit(s.held, s.held_samples, false, false);
    s.drain(false);
  }
  s.held.assign(packet.begin(), packet.end());
  s.held_samples = samples;
  s.holding = true;
  return {};
}

void ogg_opus_writer::flush() {
  if (!impl_->finished) {
    impl_->drain(true);
  }
}

void ogg_opus_writer::finish() {
  auto& s = *impl_;
  if (s.finished) {
    return;
  }
  if (s.holding) {
    s.submit(s.held, s.held_samples, false, true);
    s.holding = false;
  }
  s.drain(true);
  s.finished = true;
}

std::uint64_t ogg_opus_writer::granule() const noexcept {
  return impl_->granule + (impl_->holding ? impl_->held_samples : 0);
}

std::uint64_t ogg_opus_writer::bytes() const noexcept {
  return impl_->bytes;
}

std::vector<std::uint8_t> opus_gap_packet(std::uint32_t samples, bool stereo) {
  // TOC configs 28..31: CELT-only fullband, 2.5/5/10/20 ms (RFC 6716 §3.1).
  std::uint8_t config = 30;
  switch (samples) {
    case 120:
      config = 28;
      break;
    case 240:
      config = 29;
      break;
    case 480:
      config = 30;
      break;
    case 960:
      config = 31;
      break;
    default:
      break;
  }
  return {static_cast<std::uint8_t>((config << 3) | (stereo ? 0x04 : 0x00))};
}

}  // namespace controlroom::media
