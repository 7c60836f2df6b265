#include "sound_file.hpp"

#include <sndfile.h>
#include <utility>

#include "cli_error.hpp"

namespace controlroom::cli {

namespace {
constexpr int sample_rate = 48'000;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

sound_file sound_file::open_read(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    throw cli_error("cannot read " + path + ": " + sf_strerror(nullptr));
  }
  sound_file file(f, info.channels, info.frames, path);
  if (info.samplerate != sample_rate) {
    throw cli_error(path + " is " + std::to_string(info.samplerate) +
                    " Hz; the session runs at 48000 Hz (resample it first, e.g. with sox)");
  }
  if (info.channels < 1 || info.channels > 2) {
    throw cli_error(path + " has " + std::to_string(info.channels) + " channels; 1 or 2 please");
  }
  return file;
}

sound_file sound_file::create(const std::string& path, int channels) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format = ends_with(path, ".flac") ? (SF_FORMAT_FLAC | SF_FORMAT_PCM_24)
                                         : (SF_FORMAT_WAV | SF_FORMAT_PCM_24);
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) {
    throw cli_error("cannot create " + path + ": " + sf_strerror(nullptr));
  }
  // FLAC is integer PCM: clip rather than wrap what is over full scale.
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  return sound_file(f, channels, 0, path);
}

sound_file::sound_file(sound_file&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)),
      channels_(o.channels_),
      frames_(o.frames_),
      path_(std::move(o.path_)) {}

sound_file& sound_file::operator=(sound_file&& o) noexcept {
  std::swap(file_, o.file_);
  std::swap(channels_, o.channels_);
  std::swap(frames_, o.frames_);
  std::swap(path_, o.path_);
  return *this;
}

sound_file::~sound_file() {
  if (file_ != nullptr) {
    sf_close(file_);
  }
}

std::size_t sound_file::read(std::span<float> interleaved, bool loop) {
  const auto wanted = static_cast<sf_count_t>(interleaved.size() / channels_);
  sf_count_t got = sf_readf_float(file_, interleaved.data(), wanted);
  if (loop && got < wanted && frames_ > 0) {
    sf_seek(file_, 0, SEEK_SET);
    got += sf_readf_float(file_, interleaved.data() + got * channels_, wanted - got);
  }
  return static_cast<std::size_t>(got);
}

void sound_file::write(std::span<const float> interleaved) {
  const auto frames = static_cast<sf_count_t>(interleaved.size() / channels_);
  if (sf_writef_float(file_, interleaved.data(), frames) != frames) {
    throw cli_error("cannot write " + path_ + ": " + sf_strerror(file_));
  }
  frames_ += frames;
}

}  // namespace controlroom::cli
