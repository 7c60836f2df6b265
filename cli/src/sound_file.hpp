#pragma once

// Audio files through libsndfile: WAV and FLAC in and out, always 48 kHz
// float frames as the SDK speaks them. Input at another rate is refused
// rather than resampled badly.

#include <cstdint>
#include <span>
#include <string>

struct sf_private_tag;

namespace controlroom::cli {

class sound_file {
 public:
  /// Opens `path` for reading; throws cli_error unless it is 48 kHz, 1 or 2 channels.
  static sound_file open_read(const std::string& path);
  /// Creates `path`: FLAC by its .flac extension, else WAV; 24-bit PCM
  /// either way (what studios exchange, and what any reader takes). Throws
  /// cli_error on failure.
  static sound_file create(const std::string& path, int channels);

  sound_file(sound_file&&) noexcept;
  sound_file& operator=(sound_file&&) noexcept;
  ~sound_file();

  int channels() const noexcept { return channels_; }
  std::int64_t frames() const noexcept { return frames_; }

  /// Fills `interleaved` (a whole number of frames); returns the frames read
  /// (0 at the end). With `loop`, starts over at the end.
  std::size_t read(std::span<float> interleaved, bool loop = false);
  /// Appends whole frames; throws cli_error on a write error (disk full).
  void write(std::span<const float> interleaved);

 private:
  sound_file(sf_private_tag* f, int channels, std::int64_t frames, std::string path)
      : file_(f), channels_(channels), frames_(frames), path_(std::move(path)) {}
  sf_private_tag* file_ = nullptr;
  int channels_ = 0;
  std::int64_t frames_ = 0;
  std::string path_;
};

}  // namespace controlroom::cli
