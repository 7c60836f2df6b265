#include "controlroom/media/jitter_buffer.hpp"

#include <algorithm>
#include <bit>

#include "controlroom/media/payload.hpp"
#include "controlroom/media/sequence.hpp"

namespace controlroom::media {

namespace {

// Out-of-window packets in a row that mean "the sender restarted", when the
// restart's discontinuity packet itself was lost.
constexpr std::uint32_t far_packets_for_resync = 4;

std::int64_t offset_timeline(std::int64_t position, std::int64_t delta) noexcept {
  return position == no_timeline_position ? position : position + delta;
}

}  // namespace

jitter_buffer::jitter_buffer(const jitter_buffer_config& config)
    : config_(config),
      estimator_({config.hold_us, config.baseline_us}),
      slots_(std::bit_ceil(std::max<std::size_t>(config.capacity_frames, 8))),
      mask_(static_cast<std::uint32_t>(slots_.size() - 1)),
      min_available_(detail::window_extreme::kind::min, config.hold_us * sample_rate / 1'000'000) {
  for (slot& s : slots_)
    s.bytes.resize(max_payload_size);
}

bool jitter_buffer::holds(std::uint32_t seq) const noexcept {
  const slot& s = at(seq);
  return s.seq == seq && (s.state == slot_state::primary || s.state == slot_state::redundant);
}

void jitter_buffer::store(std::uint32_t seq, slot_state state, const media_header& h,
                          std::int64_t timeline, bool discontinuity,
                          std::span<const std::uint8_t> bytes) noexcept {
  slot& s = at(seq);
  s.seq = seq;
  s.state = state;
  s.discontinuity = discontinuity;
  s.samples = h.frame_samples;
  s.channels = h.channels;
  s.timeline = timeline;
  s.size = static_cast<std::uint16_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), s.bytes.begin());
}

void jitter_buffer::restart_at(std::uint32_t seq) noexcept {
  for (slot& s : slots_)
    s.state = slot_state::empty;
  mode_ = mode::buffering;
  floor_fixed_ = false;
  next_seq_ = seq;
  highest_ = seq;
  primed_seq_.reset();
  far_packets_ = 0;
  waited_ = 0;
  estimator_.restart();
}

void jitter_buffer::skip_to(std::uint32_t seq) noexcept {
  while (sequence_before(next_seq_, seq)) {
    ++stats_.dropped;
    at(next_seq_).state = slot_state::empty;
    ++next_seq_;
  }
  if (sequence_before(highest_, next_seq_))
    highest_ = next_seq_ - 1;
}

std::uint32_t jitter_buffer::available() const noexcept {
  if (mode_ == mode::idle)
    return 0;
  const std::int32_t d = sequence_distance(next_seq_, highest_);
  return d < 0 ? 0 : static_cast<std::uint32_t>(d) + 1;
}

std::uint64_t jitter_buffer::target_delay_us() const noexcept {
  std::uint64_t delay = estimator_.peak_delay_us();
  if (estimator_.observed_us() < config_.warmup_us)
    delay = std::max(delay, config_.initial_delay_us);
  return delay + config_.margin_us;
}

std::uint32_t jitter_buffer::max_depth_frames() const noexcept {
  const std::uint64_t frame_us = std::uint64_t{frame_samples()} * 1'000'000 / sample_rate;
  const std::uint64_t by_delay = (config_.max_delay_us + frame_us - 1) / frame_us;
  const std::uint64_t by_storage = slots_.size() - 2;  // keeps room for the next frame's copy
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(2, std::min(by_delay, by_storage)));
}

std::uint32_t jitter_buffer::target_frames() const noexcept {
  // One frame is the one being played; the rest cover the held lateness.
  const std::uint64_t frame_us = std::uint64_t{frame_samples()} * 1'000'000 / sample_rate;
  const std::uint64_t frames = 1 + (target_delay_us() + frame_us - 1) / frame_us;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(frames, max_depth_frames()));
}

jitter_buffer::insert_result jitter_buffer::insert(const media_header& h,
                                                   std::span<const std::uint8_t> payload,
                                                   std::uint64_t arrival_us) noexcept {
  const auto parts = split_payload(h, payload);
  if (!parts || parts->primary.size() > max_payload_size) {
    ++stats_.malformed;
    return insert_result::malformed;
  }
  const std::uint32_t seq = h.sequence;
  if (mode_ == mode::idle)
    restart_at(seq);

  std::int32_t d = sequence_distance(next_seq_, seq);
  const auto window = static_cast<std::int32_t>(slots_.size());
  if (d >= window || d <= -window) {
    // A stale straggler, or a sender that restarted its sequence. Only the
    // latter repeats, or announces itself with the discontinuity flag.
    if (!h.discontinuity && ++far_packets_ < far_packets_for_resync) {
      ++stats_.late;
      return insert_result::late;
    }
    ++stats_.resyncs;
    restart_at(seq);
    d = 0;
  } else {
    far_packets_ = 0;
  }

  if (h.retransmission) {
    // A resend exists for the recording; play it only if it fills a gap in time.
    if (d < 0 || d >= static_cast<std::int32_t>(max_depth_frames()) || holds(seq)) {
      ++stats_.retransmissions_ignored;
      return insert_result::ignored;
    }
  } else if (d < 0) {
    const bool before_start =
        mode_ == mode::buffering && !floor_fixed_ &&
        sequence_distance(seq, highest_) < static_cast<std::int32_t>(max_depth_frames());
    if (!before_start) {
      const slot& s = at(seq);
      const bool played = s.seq == seq && s.state == slot_state::played;
      if (played) {
        ++stats_.duplicates;
        return insert_result::duplicate;
      }
      // Its lateness is exactly what the estimator must learn from.
      estimator_.on_packet(h.capture_time_us, arrival_us);
      ++stats_.late;
      return insert_result::late;
    }
    next_seq_ = seq;  // reordered ahead of playback start: not late
    d = 0;
  }

  if (holds(seq) && at(seq).state == slot_state::primary) {
    ++stats_.duplicates;
    return insert_result::duplicate;
  }
  if (!h.retransmission) {
    if (h.discontinuity)
      estimator_.restart();
    estimator_.on_packet(h.capture_time_us, arrival_us);
  }
  frame_samples_ = h.frame_samples;
  channels_ = h.channels;

  const std::uint32_t max_depth = max_depth_frames();
  if (d >= static_cast<std::int32_t>(max_depth))
    skip_to(seq - max_depth + 1);

  store(seq, slot_state::primary, h, h.timeline_position, h.discontinuity, parts->primary);
  ++stats_.received;
  if (sequence_before(highest_, seq))
    highest_ = seq;

  // The previous frame's copy. Not across a discontinuity: it belongs to the
  // timeline before the jump, whose position this header does not give.
  if (!parts->redundant.empty() && !h.discontinuity) {
    const std::uint32_t prev = seq - 1;
    if (sequence_distance(next_seq_, prev) >= 0 && !holds(prev) &&
        parts->redundant.size() <= max_payload_size) {
      store(prev, slot_state::redundant, h,
            offset_timeline(h.timeline_position, -std::int64_t{h.frame_samples}), false,
            parts->redundant);
    }
  }
  return insert_result::accepted;
}

playout_frame jitter_buffer::silence() const noexcept {
  playout_frame out;
  out.what = playout_frame::kind::silence;
  out.samples = frame_samples_ ? frame_samples_ : 120;  // fine-grained before any packet
  out.channels = channels_;
  return out;
}

playout_frame jitter_buffer::pull() noexcept {
  playout_frame out;
  if (mode_ == mode::idle) {
    out = silence();
  } else if (mode_ == mode::buffering) {
    out = pull_buffering();
  } else {
    out = pull_playing();
  }
  if (!out.drop)
    playout_samples_ += out.samples;
  return out;
}

playout_frame jitter_buffer::pull_buffering() noexcept {
  const std::uint32_t avail = available();
  const std::uint32_t target = target_frames();
  const bool ready =
      avail > 0 && (avail >= target || waited_ >= std::uint64_t{target} * frame_samples());
  if (!ready) {
    playout_frame out = silence();
    if (avail > 0)
      waited_ += out.samples;
    return out;
  }
  // After a stall the buffer may hold far more than needed: start near the
  // newest, except at a discontinuity, whose first frames are the point.
  const bool at_discontinuity = holds(next_seq_) && at(next_seq_).discontinuity;
  if (avail > target && !at_discontinuity)
    skip_to(highest_ - target + 1);
  mode_ = mode::playing;
  floor_fixed_ = true;
  restart_flag_ = true;
  primed_seq_ = next_seq_;
  waited_ = 0;
  conceal_run_ = 0;
  playing_since_ = playout_samples_;
  return pull_playing();
}

bool jitter_buffer::should_shrink(std::uint32_t avail) const noexcept {
  const std::uint64_t hold = us_to_samples(config_.hold_us);
  if (playout_samples_ - playing_since_ < hold)
    return false;
  if (playout_samples_ - last_shrink_ < us_to_samples(config_.shrink_interval_us))
    return false;
  // Even at its shallowest over the whole window the buffer was deeper than
  // the held lateness calls for: that frame of latency bought nothing.
  const auto worst = min_available_.value();
  if (!worst || *worst <= static_cast<std::int64_t>(target_frames()) || avail <= target_frames()) {
    return false;
  }
  // Only with the next frame at hand to crossfade into, and not at a jump.
  return holds(next_seq_ + 1) && !at(next_seq_).discontinuity && !at(next_seq_ + 1).discontinuity;
}

playout_frame jitter_buffer::pull_playing() noexcept {
  const std::uint32_t avail = available();
  min_available_.add(playout_samples_, avail);
  stats_.depth_frames = avail;

  playout_frame out;
  out.sequence = next_seq_;
  slot& s = at(next_seq_);
  if (holds(next_seq_)) {
    if (s.discontinuity && primed_seq_ != next_seq_ && avail < target_frames()) {
      // Re-prime from the jump: silence now beats concealing into new material.
      mode_ = mode::buffering;
      return pull_buffering();
    }
    out.what = playout_frame::kind::frame;
    out.recovered = s.state == slot_state::redundant;
    if (out.recovered) {
      ++stats_.lost;
      ++stats_.recovered_by_redundancy;
    }
    out.discontinuity = s.discontinuity || restart_flag_;
    out.samples = s.samples;
    out.channels = s.channels;
    out.timeline_position = s.timeline;
    out.payload = {s.bytes.data(), s.size};
    if (should_shrink(avail)) {
      out.drop = true;
      ++stats_.dropped;
      last_shrink_ = playout_samples_;
      min_available_.shift(-1);
    }
    s.state = slot_state::played;
    expected_timeline_ = offset_timeline(s.timeline, s.samples);
    restart_flag_ = false;
    conceal_run_ = 0;
    ++next_seq_;
    return out;
  }

  out.what = playout_frame::kind::concealed;
  out.samples = frame_samples();
  out.channels = channels_;
  out.discontinuity = restart_flag_;
  restart_flag_ = false;
  if (avail >= target_frames()) {
    // Newer frames are here and the buffer is as deep as the held lateness:
    // a packet this late is lost, not late.
    ++stats_.lost;
    ++stats_.concealed;
    const std::uint32_t next = next_seq_ + 1;
    if (holds(next)) {
      out.payload = {at(next).bytes.data(), at(next).size};
      out.timeline_position = offset_timeline(at(next).timeline, -std::int64_t{out.samples});
    } else {
      out.timeline_position = expected_timeline_;
    }
    s.seq = next_seq_;
    s.state = slot_state::concealed;
    expected_timeline_ = offset_timeline(out.timeline_position, out.samples);
    ++next_seq_;
    return out;
  }

  // The buffer is shallower than the lateness seen lately (or empty): the
  // packet may just be late. Conceal and keep waiting for it, which
  // lengthens the buffer by one frame: this is how the delay grows.
  ++stats_.underruns;
  ++stats_.concealed;
  out.timeline_position = expected_timeline_;
  conceal_run_ += out.samples;
  if (conceal_run_ >= us_to_samples(config_.max_conceal_us)) {
    mode_ = mode::buffering;  // the stream stopped: resume afresh when it returns
    waited_ = 0;
  }
  return out;
}

stream_stats jitter_buffer::stats() const noexcept {
  stream_stats s = stats_;
  s.target_frames = target_frames();
  s.jitter_ms = estimator_.jitter_us() / 1000.0;
  s.peak_delay_ms = static_cast<double>(estimator_.peak_delay_us()) / 1000.0;
  return s;
}

}  // namespace controlroom::media
