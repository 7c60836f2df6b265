#include "recording/stream_recorder.hpp"

#include <algorithm>

#include "controlroom/media/payload.hpp"

namespace controlroom::server {

namespace {
// A jump this far (in frames) is a sender that restarted, not loss.
constexpr std::int64_t resync_distance = 3000;
}  // namespace

stream_recorder::stream_recorder(recorder_timing timing, std::optional<std::int64_t> start_position,
                                 media::ogg_opus_settings file, media::ogg_page_sink sink)
    : timing_(timing),
      start_position_(start_position),
      file_(std::move(file)),
      sink_(std::move(sink)) {}

std::int64_t stream_recorder::index_of(std::uint32_t sequence) const {
  // Serial arithmetic: the distance from the base as a signed 32-bit step
  // from the nearest known index keeps wrap-around invisible.
  const auto anchor = highest_ >= 0 ? highest_ : 0;
  const auto anchor_seq = base_sequence_ + static_cast<std::uint32_t>(anchor);
  return anchor + static_cast<std::int32_t>(sequence - anchor_seq);
}

bool stream_recorder::accept_first(const media::media_header& h) {
  if (!start_position_ || h.timeline_position == media::no_timeline_position) {
    return true;  // untimed: the take starts with the first packet
  }
  // Frames that end before the take's start are pre-roll, not the take.
  return h.timeline_position + static_cast<std::int64_t>(h.frame_samples) > *start_position_;
}

void stream_recorder::on_packet(const media::media_header& h, std::span<const std::uint8_t> payload,
                                std::uint64_t now_us) {
  if (finished_) {
    return;
  }
  const auto packets = media::split_payload(h, payload);
  if (!packets) {
    return;
  }
  if (!have_base_) {
    if (h.retransmission || !accept_first(h)) {
      return;
    }
    have_base_ = true;
    base_sequence_ = h.sequence;
    frame_samples_ = h.frame_samples;
    stereo_ = h.channels == 2;
  }
  auto index = index_of(h.sequence);
  if (index > highest_ + resync_distance || index < next_ - resync_distance) {
    if (h.retransmission) {
      return;
    }
    restart_at(h.sequence);
    index = 0;
  }
  if (index < next_) {
    ++stats_.late;  // already written, or given up on
    return;
  }
  // Everything between the highest seen and this one is missing for now.
  for (auto i = std::max(highest_ + 1, next_); i < index; ++i) {
    if (!held_.contains(i)) {
      missing_.emplace(i, missing{now_us, 0, 0});
    }
  }
  highest_ = std::max(highest_, index);
  hold(index, packets->primary, h.frame_samples, h.timeline_position);
  // The previous frame's copy fills its hole at once.
  if (!packets->redundant.empty() && index - 1 >= next_) {
    const auto position = h.timeline_position == media::no_timeline_position
                              ? media::no_timeline_position
                              : h.timeline_position - h.frame_samples;
    hold(index - 1, packets->redundant, h.frame_samples, position);
  }
  advance(now_us);
}

void stream_recorder::hold(std::int64_t index, std::span<const std::uint8_t> packet,
                           std::uint32_t samples, std::int64_t position) {
  if (held_.contains(index)) {
    return;
  }
  if (missing_.erase(index) > 0) {
    ++stats_.healed;
  }
  held_.emplace(index, frame{{packet.begin(), packet.end()}, samples, position});
}

void stream_recorder::advance(std::uint64_t now_us) {
  for (;;) {
    if (const auto it = held_.find(next_); it != held_.end()) {
      write(it->second);
      held_.erase(it);
      ++next_;
      continue;
    }
    if (next_ > highest_) {
      return;  // nothing beyond: wait for the stream
    }
    const auto m = missing_.find(next_);
    const bool overdue =
        m == missing_.end() || now_us - m->second.noticed_us >= timing_.heal_window_us;
    if (!overdue && held_.size() < timing_.max_held_frames) {
      return;
    }
    if (m != missing_.end()) {
      missing_.erase(m);
    }
    write_gap();
    ++next_;
  }
}

std::vector<std::uint32_t> stream_recorder::nacks_due(std::uint64_t now_us) {
  std::vector<std::uint32_t> out;
  for (auto& [index, m] : missing_) {
    if (out.size() == 64) {
      break;
    }
    if (m.nacks >= timing_.nack_attempts ||
        (m.nacks > 0 && now_us - m.last_nack_us < timing_.nack_interval_us)) {
      continue;
    }
    ++m.nacks;
    m.last_nack_us = now_us;
    out.push_back(base_sequence_ + static_cast<std::uint32_t>(index));
  }
  return out;
}

void stream_recorder::write(const frame& f) {
  if (!writer_) {
    // The first frame decides the header: pre-skip drops its samples before
    // the take's start position.
    if (start_position_ && f.position != media::no_timeline_position) {
      const auto skip = std::clamp<std::int64_t>(*start_position_ - f.position, 0, f.samples - 1);
      pre_skip_ = static_cast<std::uint16_t>(skip);
      first_position_ = f.position + skip;
    } else if (f.position != media::no_timeline_position) {
      first_position_ = f.position;
    }
    auto settings = file_;
    settings.channels = stereo_ ? 2 : 1;
    settings.pre_skip = pre_skip_;
    auto created = media::ogg_opus_writer::create(settings, sink_);
    if (!created) {
      return;
    }
    writer_.emplace(std::move(*created));
  }
  if (!writer_->write(f.packet, f.samples)) {
    ++stats_.frames;
  }
}

void stream_recorder::write_gap() {
  ++stats_.unhealed;
  frame gap{media::opus_gap_packet(frame_samples_, stereo_), frame_samples_,
            media::no_timeline_position};
  write(gap);
}

void stream_recorder::restart_at(std::uint32_t sequence) {
  // Keep what we have, then follow the sender from its new sequence.
  for (auto& [index, f] : held_) {
    write(f);
  }
  held_.clear();
  missing_.clear();
  ++stats_.resyncs;
  base_sequence_ = sequence;
  next_ = 0;
  highest_ = -1;
}

void stream_recorder::finish() {
  if (finished_) {
    return;
  }
  // Holes still open are given up on; frames beyond them still count.
  while (next_ <= highest_) {
    if (const auto it = held_.find(next_); it != held_.end()) {
      write(it->second);
      held_.erase(it);
    } else {
      missing_.erase(next_);
      write_gap();
    }
    ++next_;
  }
  if (writer_) {
    writer_->finish();
  }
  finished_ = true;
}

void stream_recorder::flush_page() {
  if (writer_ && !finished_) {
    writer_->flush();
  }
}

std::uint64_t stream_recorder::duration_samples() const {
  if (!writer_) {
    return 0;
  }
  const auto g = writer_->granule();
  return g > pre_skip_ ? g - pre_skip_ : 0;
}

}  // namespace controlroom::server
