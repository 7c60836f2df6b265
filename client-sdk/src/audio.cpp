// The public audio handles over their shared state (audio_internal.hpp),
// and the lock-free paths the application's audio threads run.

#include "controlroom/audio.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

#include "audio_internal.hpp"

namespace controlroom {
namespace detail {

std::uint64_t media_now_us() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

doorbell::doorbell() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "eventfd");
}

doorbell::~doorbell() {
  ::close(fd_);
}

void doorbell::ring() noexcept {
  // The counter saturates only after 2^64 - 2 unread rings; a failed write
  // (EAGAIN) means the network thread has plenty to wake up for anyway.
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
}

void publisher_state::enqueue(std::span<const std::uint8_t> datagram) noexcept {
  // The sender made this datagram; parsing it again costs nanoseconds and
  // lets the network thread restamp the header (a new sender_id after a
  // reconnect) from parsed fields.
  const auto parsed = media::parse_datagram(datagram);
  if (!parsed)
    return;
  frames.fetch_add(1, std::memory_order_relaxed);
  ring.try_push(parsed->header, parsed->payload, 0);  // a full ring counts itself
}

mixer_state::mixer_state(std::vector<stream_kind> k, int out_channels)
    : kinds(std::move(k)),
      channels(out_channels),
      scratch_(std::size_t{960} * static_cast<std::size_t>(out_channels)) {}

mixer_state::~mixer_state() {
  delete current_.load();
  for (auto* set : retired_)
    delete set;
}

void mixer_state::publish(std::vector<std::shared_ptr<receiver_slot>> streams) {
  {
    std::lock_guard lock(mutex);
    readable = streams;
  }
  auto* fresh = new mix_set{std::move(streams)};
  if (auto* old = current_.exchange(fresh, std::memory_order_seq_cst))
    retired_.push_back(old);
  reclaim();
}

void mixer_state::reclaim() {
  // seq_cst pairs with the audio thread's hazard store and re-check: a set
  // that is no longer current and not under the hazard cannot be picked up
  // again.
  const auto* in_use = hazard_.load(std::memory_order_seq_cst);
  std::erase_if(retired_, [in_use](mix_set* set) {
    if (set == in_use)
      return false;
    delete set;
    return true;
  });
}

void mixer_state::render(std::span<float> out) noexcept {
  std::fill(out.begin(), out.end(), 0.0f);
  mix_set* set = current_.load(std::memory_order_seq_cst);
  for (;;) {
    hazard_.store(set, std::memory_order_seq_cst);
    auto* again = current_.load(std::memory_order_seq_cst);
    if (again == set)
      break;
    set = again;
  }
  if (set != nullptr) {
    const auto latency = output_latency.load(std::memory_order_relaxed);
    if (set != applied_set_ || latency != applied_latency_) {
      for (const auto& s : set->streams)
        s->receiver.set_output_latency(latency);
      applied_set_ = set;
      applied_latency_ = latency;
    }
    const auto now = media_now_us();
    for (std::size_t done = 0; done < out.size();) {
      const auto n = std::min(scratch_.size(), out.size() - done);
      const std::span<float> piece(scratch_.data(), n);
      for (const auto& s : set->streams) {
        s->receiver.render(piece, now);
        for (std::size_t i = 0; i < n; ++i)
          out[done + i] += piece[i];
      }
      done += n;
    }
  }
  hazard_.store(nullptr, std::memory_order_release);
}

}  // namespace detail

std::string_view to_string(stream_kind k) noexcept {
  switch (k) {
    case stream_kind::program:
      return "program";
    case stream_kind::talkback:
      return "talkback";
    case stream_kind::cue:
      return "cue";
  }
  return "unknown";
}

std::string_view to_string(media_transport t) noexcept {
  switch (t) {
    case media_transport::automatic:
      return "automatic";
    case media_transport::udp:
      return "udp";
    case media_transport::websocket:
      return "websocket";
  }
  return "unknown";
}

encoder_options encoder_options::talkback() noexcept {
  encoder_options o;
  o.channels = 1;
  o.frame_samples = 480;
  o.bitrate = 48'000;
  o.expected_loss_percent = 10;
  o.inband_fec = true;
  o.what = content::voice;
  return o;
}

// ---- audio_publisher ----------------------------------------------------------

audio_publisher::audio_publisher(std::shared_ptr<detail::publisher_state> s) noexcept
    : state_(std::move(s)) {}
audio_publisher::~audio_publisher() {
  close();
}
audio_publisher::audio_publisher(audio_publisher&&) noexcept = default;
audio_publisher& audio_publisher::operator=(audio_publisher&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

void audio_publisher::send(std::span<const float> interleaved,
                           std::int64_t timeline_position) noexcept {
  if (!state_ || state_->closed.load(std::memory_order_relaxed) || !state_->sender)
    return;
  const auto before = state_->frames.load(std::memory_order_relaxed);
  if (state_->sender->push(interleaved, detail::media_now_us(), timeline_position))
    state_->encode_errors.fetch_add(1, std::memory_order_relaxed);
  state_->redundancy_skipped.store(state_->sender->redundancy_skipped(), std::memory_order_relaxed);
  if (state_->frames.load(std::memory_order_relaxed) != before)
    state_->bell->ring();
}

void audio_publisher::mark_discontinuity() noexcept {
  if (state_ && state_->sender)
    state_->sender->mark_discontinuity();
}

audio_publisher_stats audio_publisher::stats() const noexcept {
  audio_publisher_stats s;
  if (!state_)
    return s;
  s.frames = state_->frames.load(std::memory_order_relaxed);
  s.queue_overflows = state_->ring.overflows();
  s.encode_errors = state_->encode_errors.load(std::memory_order_relaxed);
  s.sent_udp = state_->sent_udp.load(std::memory_order_relaxed);
  s.sent_websocket = state_->sent_websocket.load(std::memory_order_relaxed);
  s.not_sent = state_->not_sent.load(std::memory_order_relaxed);
  s.redundancy_skipped = state_->redundancy_skipped.load(std::memory_order_relaxed);
  s.nacks_received = state_->nacks_received.load(std::memory_order_relaxed);
  s.packets_resent = state_->packets_resent.load(std::memory_order_relaxed);
  s.resend_misses = state_->resend_misses.load(std::memory_order_relaxed);
  return s;
}

stream_kind audio_publisher::kind() const noexcept {
  return state_ ? state_->kind : stream_kind::program;
}

void audio_publisher::close() noexcept {
  if (!state_)
    return;
  // The network thread notices at its next drain, sends Unpublish and lets
  // go of the state.
  state_->closed.store(true);
  state_->bell->ring();
  state_.reset();
}

// ---- audio_stream ---------------------------------------------------------------

audio_stream::audio_stream(std::shared_ptr<detail::receiver_slot> s) noexcept
    : slot_(std::move(s)) {}

const audio_stream_info& audio_stream::info() const noexcept {
  static const audio_stream_info none;
  return slot_ ? slot_->info : none;
}

void audio_stream::render(std::span<float> out) noexcept {
  if (!slot_) {
    std::fill(out.begin(), out.end(), 0.0f);
    return;
  }
  slot_->last_render_us = detail::media_now_us();
  slot_->receiver.render(out, slot_->last_render_us);
}

void audio_stream::set_output_latency(std::uint32_t samples) noexcept {
  if (!slot_)
    return;
  slot_->output_latency = samples;
  slot_->receiver.set_output_latency(samples);
}

std::optional<std::int64_t> audio_stream::rendered_position() const noexcept {
  if (!slot_ || slot_->last_render_us == 0)
    return std::nullopt;
  // At the render's own timestamp the receiver extrapolates nothing: it
  // names the sample audible as that render began, `latency` samples before
  // the first one it wrote.
  const auto heard = slot_->receiver.heard_position(slot_->last_render_us);
  if (!heard)
    return std::nullopt;
  return *heard + slot_->output_latency;
}

audio_stream_stats audio_stream::stats() const noexcept {
  audio_stream_stats s;
  if (!slot_)
    return s;
  const auto m = slot_->receiver.stats();
  s.received = m.received;
  s.lost = m.lost;
  s.recovered_by_redundancy = m.recovered_by_redundancy;
  s.concealed = m.concealed;
  s.late = m.late;
  s.duplicates = m.duplicates;
  s.underruns = m.underruns;
  s.dropped = m.dropped;
  s.resyncs = m.resyncs;
  s.malformed = m.malformed;
  s.queue_overflows = m.queue_overflows;
  s.decode_errors = m.decode_errors;
  s.depth_frames = m.depth_frames;
  s.target_frames = m.target_frames;
  s.jitter_ms = m.jitter_ms;
  s.peak_delay_ms = m.peak_delay_ms;
  if (const auto rtt = slot_->rtt_us->load(std::memory_order_relaxed); rtt >= 0)
    s.rtt = std::chrono::microseconds(rtt);
  return s;
}

std::optional<std::int64_t> audio_stream::heard_position() const noexcept {
  if (!slot_)
    return std::nullopt;
  return slot_->receiver.heard_position(detail::media_now_us());
}

// ---- audio_mixer ------------------------------------------------------------------

audio_mixer::audio_mixer(std::shared_ptr<detail::mixer_state> s) noexcept : state_(std::move(s)) {}
audio_mixer::~audio_mixer() = default;
audio_mixer::audio_mixer(audio_mixer&&) noexcept = default;
audio_mixer& audio_mixer::operator=(audio_mixer&&) noexcept = default;

void audio_mixer::render(std::span<float> out) noexcept {
  if (!state_) {
    std::fill(out.begin(), out.end(), 0.0f);
    return;
  }
  state_->render(out);
}

void audio_mixer::set_output_latency(std::uint32_t samples) noexcept {
  if (state_)
    state_->output_latency.store(samples, std::memory_order_relaxed);
}

std::optional<std::int64_t> audio_mixer::heard_position() const noexcept {
  if (!state_)
    return std::nullopt;
  std::lock_guard lock(state_->mutex);
  const auto now = detail::media_now_us();
  for (const auto& s : state_->readable) {
    if (auto p = s->receiver.heard_position(now))
      return p;
  }
  return std::nullopt;
}

}  // namespace controlroom
