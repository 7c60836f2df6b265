#include "audio_device.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include "cli_error.hpp"

#ifdef CONTROLROOM_CLI_PORTAUDIO
#include <portaudio.h>
#endif

namespace controlroom::cli {

struct device_stream::state {
  std::string name;
  int channels = 0;
  render_fn render;
  capture_fn capture;
  std::atomic<std::uint64_t> xruns{0};
  std::uint32_t latency = 0;
  bool started = false;
#ifdef CONTROLROOM_CLI_PORTAUDIO
  PaStream* stream = nullptr;
#endif
};

device_stream::device_stream(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
device_stream::device_stream(device_stream&&) noexcept = default;
device_stream& device_stream::operator=(device_stream&&) noexcept = default;

int device_stream::channels() const noexcept {
  return state_->channels;
}
std::uint32_t device_stream::latency_frames() const noexcept {
  return state_->latency;
}
std::uint64_t device_stream::xruns() const noexcept {
  return state_->xruns.load(std::memory_order_relaxed);
}
const std::string& device_stream::name() const noexcept {
  return state_->name;
}

#ifdef CONTROLROOM_CLI_PORTAUDIO

namespace {

constexpr double device_rate = 48'000;

// PortAudio's host APIs (ALSA probing every card, JACK looking for a
// server) print to stderr while it starts; what matters comes back as an
// error code. CONTROLROOM_AUDIO_DEBUG=1 lets the chatter through.
class quiet_stderr {
 public:
  quiet_stderr() {
    if (std::getenv("CONTROLROOM_AUDIO_DEBUG") != nullptr) {
      return;
    }
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    saved_ = null < 0 ? -1 : ::dup(STDERR_FILENO);
    if (saved_ >= 0) {
      ::dup2(null, STDERR_FILENO);
    }
    if (null >= 0) {
      ::close(null);
    }
  }
  ~quiet_stderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
    }
  }
  quiet_stderr(const quiet_stderr&) = delete;
  quiet_stderr& operator=(const quiet_stderr&) = delete;

 private:
  int saved_ = -1;
};

const char* kind_name(device_direction dir) {
  return dir == device_direction::playback ? "playback" : "capture";
}

int channels_for(const device_info& d, device_direction dir) {
  return dir == device_direction::playback ? d.max_output_channels : d.max_input_channels;
}

device_info describe(PaDeviceIndex i) {
  const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
  device_info out;
  out.index = i;
  if (d == nullptr) {
    return out;
  }
  out.name = d->name;
  const PaHostApiInfo* api = Pa_GetHostApiInfo(d->hostApi);
  out.host_api = api != nullptr ? api->name : "";
  out.max_input_channels = d->maxInputChannels;
  out.max_output_channels = d->maxOutputChannels;
  out.default_sample_rate = d->defaultSampleRate;
  out.default_input = i == Pa_GetDefaultInputDevice();
  out.default_output = i == Pa_GetDefaultOutputDevice();
  return out;
}

int on_audio(const void* input, void* output, unsigned long frames,
             const PaStreamCallbackTimeInfo* /*time*/, PaStreamCallbackFlags flags, void* user) {
  auto* s = static_cast<device_stream::state*>(user);
  if ((flags & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow)) != 0) {
    s->xruns.fetch_add(1, std::memory_order_relaxed);
  }
  const std::size_t n = frames * static_cast<std::size_t>(s->channels);
  if (output != nullptr) {
    s->render(std::span<float>(static_cast<float*>(output), n), s->channels);
  } else if (input != nullptr) {
    s->capture(std::span<const float>(static_cast<const float*>(input), n), s->channels);
  }
  return paContinue;
}

device_stream open_stream(const device_info& device, device_direction dir, int channels,
                          unsigned frames_per_buffer, device_stream::render_fn render,
                          device_stream::capture_fn capture) {
  auto s = std::make_unique<device_stream::state>();
  s->name = device.name;
  s->channels = std::clamp(channels, 1, std::max(1, channels_for(device, dir)));
  s->render = std::move(render);
  s->capture = std::move(capture);
  const PaDeviceInfo* info = Pa_GetDeviceInfo(device.index);
  PaStreamParameters params{};
  params.device = device.index;
  params.channelCount = s->channels;
  params.sampleFormat = paFloat32;
  params.suggestedLatency = info == nullptr                     ? 0.02
                            : dir == device_direction::playback ? info->defaultLowOutputLatency
                                                                : info->defaultLowInputLatency;
  const bool play = dir == device_direction::playback;
  PaError err = Pa_OpenStream(&s->stream, play ? nullptr : &params, play ? &params : nullptr,
                              device_rate, frames_per_buffer, paDitherOff, on_audio, s.get());
  if (err != paNoError) {
    throw cli_error(std::string("cannot open ") + kind_name(dir) + " device '" + device.name +
                    "' at 48 kHz, " + std::to_string(s->channels) + " channel(s), " +
                    std::to_string(frames_per_buffer) +
                    " frames per buffer: " + Pa_GetErrorText(err));
  }
  if (const PaStreamInfo* si = Pa_GetStreamInfo(s->stream)) {
    const double latency = play ? si->outputLatency : si->inputLatency;
    s->latency = static_cast<std::uint32_t>(std::max(0.0, latency) * device_rate);
  }
  return device_stream::make(std::move(s));
}

}  // namespace

device_stream device_stream::make(std::unique_ptr<state> s) noexcept {
  return device_stream(std::move(s));
}

audio_system::audio_system() {
  PaError err = paNoError;
  {
    quiet_stderr quiet;
    err = Pa_Initialize();
  }
  if (err != paNoError) {
    throw cli_error(std::string("cannot start PortAudio: ") + Pa_GetErrorText(err));
  }
}

audio_system::~audio_system() {
  Pa_Terminate();
}

std::vector<device_info> audio_system::devices() const {
  std::vector<device_info> out;
  const PaDeviceIndex n = Pa_GetDeviceCount();
  for (PaDeviceIndex i = 0; i < n; ++i) {
    out.push_back(describe(i));
  }
  return out;
}

device_info audio_system::find(const std::string& name, device_direction dir) const {
  const auto all = devices();
  const std::string hint = " (controlroom devices lists them)";
  if (name == "default") {
    const PaDeviceIndex i = dir == device_direction::playback ? Pa_GetDefaultOutputDevice()
                                                              : Pa_GetDefaultInputDevice();
    if (i == paNoDevice) {
      throw cli_error(std::string("no default ") + kind_name(dir) + " device" + hint,
                      exit_not_found);
    }
    return describe(i);
  }
  std::vector<device_info> partial;
  for (const auto& d : all) {
    if (channels_for(d, dir) <= 0) {
      continue;
    }
    if (d.name == name || std::to_string(d.index) == name) {
      return d;
    }
    if (d.name.find(name) != std::string::npos) {
      partial.push_back(d);
    }
  }
  if (partial.size() == 1) {
    return partial.front();
  }
  if (partial.empty()) {
    throw cli_error(std::string("no ") + kind_name(dir) + " device '" + name + "'" + hint,
                    exit_not_found);
  }
  std::string names;
  for (const auto& d : partial) {
    names += (names.empty() ? "" : ", ") + ("'" + d.name + "'");
  }
  throw cli_error(std::string(kind_name(dir)) + " device '" + name + "' is ambiguous: " + names,
                  exit_usage);
}

device_stream device_stream::open_playback(const audio_system& /*pa*/, const device_info& device,
                                           int channels, unsigned frames_per_buffer,
                                           render_fn render) {
  return open_stream(device, device_direction::playback, channels, frames_per_buffer,
                     std::move(render), {});
}

device_stream device_stream::open_capture(const audio_system& /*pa*/, const device_info& device,
                                          int channels, unsigned frames_per_buffer,
                                          capture_fn capture) {
  return open_stream(device, device_direction::capture, channels, frames_per_buffer, {},
                     std::move(capture));
}

device_stream::~device_stream() {
  if (state_ && state_->stream != nullptr) {
    stop();
    Pa_CloseStream(state_->stream);
  }
}

void device_stream::start() {
  const PaError err = Pa_StartStream(state_->stream);
  if (err != paNoError) {
    throw cli_error("cannot start device '" + state_->name + "': " + Pa_GetErrorText(err));
  }
  state_->started = true;
}

void device_stream::stop() noexcept {
  if (state_ && state_->started) {
    state_->started = false;
    Pa_StopStream(state_->stream);  // returns once the callback has
  }
}

#else  // no PortAudio in this build

namespace {
[[noreturn]] void no_portaudio() {
  throw cli_error(
      "this controlroom was built without PortAudio: audio devices are not available; "
      "use --in/--out files");
}
}  // namespace

device_stream device_stream::make(std::unique_ptr<state> s) noexcept {
  return device_stream(std::move(s));
}
audio_system::audio_system() {
  no_portaudio();
}
audio_system::~audio_system() = default;
std::vector<device_info> audio_system::devices() const {
  return {};
}
device_info audio_system::find(const std::string&, device_direction) const {
  no_portaudio();
}
device_stream device_stream::open_playback(const audio_system&, const device_info&, int, unsigned,
                                           render_fn) {
  no_portaudio();
}
device_stream device_stream::open_capture(const audio_system&, const device_info&, int, unsigned,
                                          capture_fn) {
  no_portaudio();
}
device_stream::~device_stream() = default;
void device_stream::start() {}
void device_stream::stop() noexcept {}

#endif

}  // namespace controlroom::cli
