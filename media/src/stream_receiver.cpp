#include "controlroom/media/stream_receiver.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <vector>

#include "controlroom/media/heard_position.hpp"
#include "controlroom/media/opus_decoder.hpp"
#include "controlroom/media/packet_ring.hpp"
#include "seqlock.hpp"

namespace controlroom::media {

namespace {

// The published snapshot, as words: stream_stats then the heard anchor.
enum word : std::size_t {
  w_received,
  w_lost,
  w_recovered,
  w_concealed,
  w_late,
  w_duplicates,
  w_underruns,
  w_dropped,
  w_retrans_ignored,
  w_resyncs,
  w_jb_malformed,
  w_decode_errors,
  w_depth,
  w_target,
  w_jitter,
  w_peak,
  w_anchor_time,
  w_anchor_position,
  w_anchor_valid,
  w_anchor_span,
  word_count
};

std::uint64_t bits(double d) noexcept {
  return std::bit_cast<std::uint64_t>(d);
}
double real(std::uint64_t w) noexcept {
  return std::bit_cast<double>(w);
}

}  // namespace

struct stream_receiver::impl {
  impl(const receiver_config& c, opus_decoder d)
      : config(c),
        ring(c.queue_packets),
        buffer(c.jitter),
        decoder(std::move(d)),
        fifo(std::size_t{opus_decoder::max_frame_samples} * static_cast<std::size_t>(c.channels)),
        scratch(fifo.size()),
        latency(c.output_latency_samples) {}

  std::size_t produce(const playout_frame& f, std::span<float> dest) noexcept;
  void refill() noexcept;
  void publish(std::uint64_t now_us, std::optional<std::int64_t> heard,
               std::uint64_t span) noexcept;

  receiver_config config;
  // Network thread side.
  packet_ring ring;
  std::atomic<std::uint64_t> malformed{0};
  // Audio thread side.
  jitter_buffer buffer;
  opus_decoder decoder;
  media::heard_position heard;
  std::vector<float> fifo;  // what is left of the last pulled frame
  std::vector<float> scratch;
  std::size_t fifo_pos = 0;  // samples per channel
  std::size_t fifo_len = 0;
  std::int64_t fifo_timeline = no_timeline_position;  // of fifo[fifo_pos]
  std::uint64_t decode_errors = 0;
  std::atomic<std::uint32_t> latency;
  // Any thread.
  detail::seqlock_words<word_count> snapshot;
};

stream_receiver::stream_receiver(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
stream_receiver::stream_receiver(stream_receiver&&) noexcept = default;
stream_receiver& stream_receiver::operator=(stream_receiver&&) noexcept = default;
stream_receiver::~stream_receiver() = default;

result<stream_receiver> stream_receiver::create(const receiver_config& config) {
  if (config.crossfade_samples > opus_decoder::max_frame_samples || config.queue_packets == 0) {
    return errc::bad_settings;
  }
  auto decoder = opus_decoder::create(config.channels);
  if (!decoder)
    return decoder.error();
  return stream_receiver(std::make_unique<impl>(config, std::move(*decoder)));
}

bool stream_receiver::push(std::span<const std::uint8_t> datagram,
                           std::uint64_t arrival_us) noexcept {
  const auto parsed = parse_datagram(datagram);
  if (!parsed) {
    impl_->malformed.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return impl_->ring.try_push(parsed->header, parsed->payload, arrival_us);
}

void stream_receiver::set_output_latency(std::uint32_t samples) noexcept {
  impl_->latency.store(samples, std::memory_order_relaxed);
}

std::size_t stream_receiver::impl::produce(const playout_frame& f, std::span<float> dest) noexcept {
  const auto channels = static_cast<std::size_t>(config.channels);
  if (f.what == playout_frame::kind::frame) {
    if (auto n = decoder.decode(f.payload, dest))
      return *n;
    ++decode_errors;  // conceal instead: the packet is as good as lost
  }
  if (f.what != playout_frame::kind::silence) {
    if (auto n = decoder.decode_fec(f.payload, f.samples, dest))
      return *n;
  }
  const std::size_t n = std::min<std::size_t>(f.samples, dest.size() / channels);
  std::fill_n(dest.begin(), n * channels, 0.0f);
  return n;
}

void stream_receiver::impl::refill() noexcept {
  const auto channels = static_cast<std::size_t>(config.channels);
  playout_frame f = buffer.pull();
  std::size_t n = produce(f, fifo);
  if (f.drop) {
    // Latency cut: the dropped frame was decoded to keep the decoder in
    // step; its start continues what was played, so fading from it into the
    // next frame hides the splice.
    std::copy_n(fifo.begin(), n * channels, scratch.begin());
    const std::size_t dropped = n;
    f = buffer.pull();
    n = produce(f, fifo);
    const std::size_t fade = std::min({dropped, n, std::size_t{config.crossfade_samples}});
    for (std::size_t i = 0; i < fade; ++i) {
      const float w = (static_cast<float>(i) + 0.5f) / static_cast<float>(fade);
      for (std::size_t c = 0; c < channels; ++c) {
        float& out = fifo[i * channels + c];
        out = scratch[i * channels + c] * (1.0f - w) + out * w;
      }
    }
  }
  fifo_pos = 0;
  fifo_len = n;
  fifo_timeline = f.timeline_position;
}

void stream_receiver::render(std::span<float> out, std::uint64_t now_us) noexcept {
  impl& m = *impl_;
  while (const received_packet* p = m.ring.front()) {
    m.buffer.insert(p->header, p->payload(), p->arrival_us);
    m.ring.pop();
  }
  const auto channels = static_cast<std::size_t>(m.config.channels);
  const std::size_t frames = out.size() / channels;
  // What is audible now: the device is `latency` samples behind the writer.
  const auto heard_now = m.heard.heard(m.latency.load(std::memory_order_relaxed));

  std::size_t written = 0;
  while (written < frames) {
    if (m.fifo_len == 0)
      m.refill();
    const std::size_t n = std::min(m.fifo_len, frames - written);
    std::copy_n(m.fifo.begin() + static_cast<std::ptrdiff_t>(m.fifo_pos * channels), n * channels,
                out.begin() + static_cast<std::ptrdiff_t>(written * channels));
    m.heard.on_rendered(m.fifo_timeline, n);
    if (m.fifo_timeline != no_timeline_position)
      m.fifo_timeline += static_cast<std::int64_t>(n);
    m.fifo_pos += n;
    m.fifo_len -= n;
    written += n;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(frames * channels), out.end(), 0.0f);
  m.publish(now_us, heard_now, frames);
}

void stream_receiver::impl::publish(std::uint64_t now_us, std::optional<std::int64_t> heard_now,
                                    std::uint64_t span) noexcept {
  const stream_stats s = buffer.stats();
  std::array<std::uint64_t, word_count> w{};
  w[w_received] = s.received;
  w[w_lost] = s.lost;
  w[w_recovered] = s.recovered_by_redundancy;
  w[w_concealed] = s.concealed;
  w[w_late] = s.late;
  w[w_duplicates] = s.duplicates;
  w[w_underruns] = s.underruns;
  w[w_dropped] = s.dropped;
  w[w_retrans_ignored] = s.retransmissions_ignored;
  w[w_resyncs] = s.resyncs;
  w[w_jb_malformed] = s.malformed;
  w[w_decode_errors] = decode_errors;
  w[w_depth] = s.depth_frames;
  w[w_target] = s.target_frames;
  w[w_jitter] = bits(s.jitter_ms);
  w[w_peak] = bits(s.peak_delay_ms);
  w[w_anchor_time] = now_us;
  w[w_anchor_position] = static_cast<std::uint64_t>(heard_now.value_or(0));
  w[w_anchor_valid] = heard_now.has_value() ? 1 : 0;
  w[w_anchor_span] = span;
  snapshot.store(w);
}

stream_stats stream_receiver::stats() const noexcept {
  const auto w = impl_->snapshot.load();
  stream_stats s;
  s.received = w[w_received];
  s.lost = w[w_lost];
  s.recovered_by_redundancy = w[w_recovered];
  s.concealed = w[w_concealed];
  s.late = w[w_late];
  s.duplicates = w[w_duplicates];
  s.underruns = w[w_underruns];
  s.dropped = w[w_dropped];
  s.retransmissions_ignored = w[w_retrans_ignored];
  s.resyncs = w[w_resyncs];
  s.malformed = w[w_jb_malformed] + impl_->malformed.load(std::memory_order_relaxed);
  s.queue_overflows = impl_->ring.overflows();
  s.decode_errors = w[w_decode_errors];
  s.depth_frames = static_cast<std::uint32_t>(w[w_depth]);
  s.target_frames = static_cast<std::uint32_t>(w[w_target]);
  s.jitter_ms = real(w[w_jitter]);
  s.peak_delay_ms = real(w[w_peak]);
  return s;
}

std::optional<std::int64_t> stream_receiver::heard_position(std::uint64_t now_us) const noexcept {
  const auto w = impl_->snapshot.load();
  if (w[w_anchor_valid] == 0)
    return std::nullopt;
  const std::uint64_t since = now_us > w[w_anchor_time] ? now_us - w[w_anchor_time] : 0;
  // Beyond one callback the device has either called again or stopped.
  const std::uint64_t elapsed = std::min(since * sample_rate / 1'000'000, w[w_anchor_span]);
  return static_cast<std::int64_t>(w[w_anchor_position]) + static_cast<std::int64_t>(elapsed);
}

}  // namespace controlroom::media
