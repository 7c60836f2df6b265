#pragma once

// Sound cards through PortAudio: which devices there are, and one stream
// (playback or capture) at 48 kHz float, driven by PortAudio's callback.
// Without PortAudio at build time every call throws cli_error naming the
// missing feature, so the rest of the tool compiles either way.
//
// Threads: audio_system and device_stream are made, started and destroyed
// on one application thread. The callback given to open() runs on
// PortAudio's audio thread, once per buffer of `frames_per_buffer` frames,
// until stop() or destruction returns; it must not block, allocate or take
// a lock (the SDK's render() and send() are made for exactly that). Nothing
// else of the stream is touched from the audio thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace controlroom::cli {

struct device_info {
  int index = 0;
  std::string name;
  std::string host_api;
  int max_input_channels = 0;
  int max_output_channels = 0;
  double default_sample_rate = 0;
  bool default_input = false;
  bool default_output = false;
};

enum class device_direction { playback, capture };

/// PortAudio, initialised for as long as it lives (one at a time).
class audio_system {
 public:
  /// Throws cli_error when PortAudio is missing or fails to start.
  audio_system();
  ~audio_system();
  audio_system(const audio_system&) = delete;
  audio_system& operator=(const audio_system&) = delete;

  std::vector<device_info> devices() const;
  /// The device called `name` for `dir`: "default", a device index, its
  /// exact name, or a part of its name that only one device has. Throws
  /// cli_error (not found) naming the device otherwise.
  device_info find(const std::string& name, device_direction dir) const;
};

/// One open PortAudio stream. Move-only; destroying it stops and closes it.
class device_stream {
 public:
  /// Playback: fill `out` (`channels` interleaved values per frame).
  using render_fn = std::function<void(std::span<float> out, int channels)>;
  /// Capture: `in` holds `channels` interleaved values per frame.
  using capture_fn = std::function<void(std::span<const float> in, int channels)>;

  /// Opens `device` at 48 kHz float with `channels` (clamped to what the
  /// device has), buffers of `frames_per_buffer` frames. Throws cli_error
  /// naming the device and PortAudio's reason.
  static device_stream open_playback(const audio_system& pa, const device_info& device,
                                     int channels, unsigned frames_per_buffer, render_fn render);
  static device_stream open_capture(const audio_system& pa, const device_info& device, int channels,
                                    unsigned frames_per_buffer, capture_fn capture);

  device_stream(device_stream&&) noexcept;
  device_stream& operator=(device_stream&&) noexcept;
  ~device_stream();

  void start();
  /// Waits for the callback in progress to return; none runs after.
  void stop() noexcept;
  int channels() const noexcept;
  /// The device's latency as PortAudio reports it, in frames at 48 kHz.
  std::uint32_t latency_frames() const noexcept;
  /// Callbacks PortAudio flagged with an under- or overflow.
  std::uint64_t xruns() const noexcept;
  const std::string& name() const noexcept;

  struct state;  // audio_device.cpp: what the callback sees
  static device_stream make(std::unique_ptr<state> s) noexcept;

 private:
  explicit device_stream(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> state_;
};

}  // namespace controlroom::cli
