#pragma once

// Deterministic test material for the media tests: a portable PRNG (the
// standard distributions differ between library implementations, so seeds
// would not reproduce across platforms), a music-like stereo signal, and
// signal comparison helpers.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace controlroom::media::test {

/// SplitMix64: tiny, fast, fully specified.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }

 private:
  std::uint64_t state_;
};

/// A stereo "arrangement": plucked notes (fundamental + harmonics, sharp
/// onset, exponential decay) on a grid, a different line per channel, plus
/// short noise hits (hi-hat like) on the right channel's off-beats. The two
/// channels share no frequencies, so a swap or a down-mix shows.
/// Interleaved L/R, 48 kHz.
inline std::vector<float> music_signal(std::size_t samples, std::uint64_t seed = 7) {
  constexpr double rate = 48'000;
  const double left_notes[] = {220.0, 277.18, 329.63, 440.0, 369.99};
  const double right_notes[] = {146.83, 196.0, 246.94, 293.66, 392.0 * 1.5};
  std::vector<float> out(samples * 2, 0.0f);
  rng noise(seed);

  auto add_note = [&](int channel, std::size_t onset, double freq, double amp, double decay_s) {
    const auto length = static_cast<std::size_t>(decay_s * 6 * rate);
    for (std::size_t i = 0; i < length && onset + i < samples; ++i) {
      const double t = static_cast<double>(i) / rate;
      const double attack = std::min(1.0, t / 0.004);  // 4 ms onset
      const double env = amp * attack * std::exp(-t / decay_s);
      const double w = 2 * std::numbers::pi * freq * t;
      const double v =
          env * (std::sin(w) + 0.4 * std::sin(2 * w + 0.3) + 0.2 * std::sin(3 * w + 1.1));
      out[(onset + i) * 2 + static_cast<std::size_t>(channel)] += static_cast<float>(v);
    }
  };

  const auto beat = static_cast<std::size_t>(0.25 * rate);
  for (std::size_t b = 0; b * beat < samples; ++b) {
    add_note(0, b * beat, left_notes[b % 5], 0.18, 0.18);
    if (b % 2 == 0)
      add_note(1, b * beat + beat / 8, right_notes[(b / 2) % 5], 0.2, 0.3);
    // Off-beat noise hit, right channel only.
    const std::size_t hit = b * beat + beat / 2;
    for (std::size_t i = 0; i < 1'200 && hit + i < samples; ++i) {
      const double env = 0.08 * std::exp(-static_cast<double>(i) / 240.0);
      out[(hit + i) * 2 + 1] += static_cast<float>(env * (noise.uniform() * 2 - 1));
    }
  }
  return out;
}

/// One channel of an interleaved buffer.
inline std::vector<float> channel_of(std::span<const float> interleaved, std::size_t channels,
                                     std::size_t channel) {
  std::vector<float> out(interleaved.size() / channels);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = interleaved[i * channels + channel];
  return out;
}

/// Normalised correlation of a and b[i + lag] over their overlap.
inline double correlation(std::span<const float> a, std::span<const float> b, long lag = 0) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const long j = static_cast<long>(i) + lag;
    if (j < 0 || j >= static_cast<long>(b.size()))
      continue;
    ab += double{a[i]} * b[static_cast<std::size_t>(j)];
    aa += double{a[i]} * a[i];
    bb += double{b[static_cast<std::size_t>(j)]} * b[static_cast<std::size_t>(j)];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

/// The lag in [-max_lag, max_lag] maximising correlation(a, b, lag).
inline long best_lag(std::span<const float> a, std::span<const float> b, long max_lag) {
  long best = 0;
  double best_c = -2;
  for (long lag = -max_lag; lag <= max_lag; ++lag) {
    const double c = correlation(a, b, lag);
    if (c > best_c) {
      best_c = c;
      best = lag;
    }
  }
  return best;
}

/// Signal-to-noise ratio of `test` against `reference`, in dB.
inline double snr_db(std::span<const float> reference, std::span<const float> test) {
  double signal = 0, noise = 0;
  for (std::size_t i = 0; i < reference.size() && i < test.size(); ++i) {
    signal += double{reference[i]} * reference[i];
    const double e = double{test[i]} - reference[i];
    noise += e * e;
  }
  return 10 * std::log10(signal / std::max(noise, 1e-20));
}

}  // namespace controlroom::media::test
