// An ALSA PCM plugin for tests: a sound card without the card. It takes
// any buffer of 48 kHz S16/float, one or two channels, and consumes
// (playback) or produces silence (capture) at the rate a real card's clock
// would, waking poll() once a period through a timerfd. alsa-lib's own
// `null` plugin does the same without a clock (a stream of seconds runs in
// milliseconds), which is nothing like a device; under alsa-lib's `file`
// plugin this one lets a process test play to a raw file and capture from
// one through PortAudio's real ALSA path.
//
// Loaded from a private ~/.asoundrc:
//   pcm_type.crpaced { lib "/path/libasound_module_pcm_crpaced.so" }
//   pcm.clock { type crpaced }
//   pcm.speakers { type file slave.pcm "clock" file "/tmp/out.raw" format "raw" }

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <poll.h>
#include <string_view>
#include <sys/timerfd.h>
#include <unistd.h>

namespace {

struct paced_pcm {
  snd_pcm_ioplug_t io{};
  int timer = -1;
  timespec started{};
  bool running = false;
};

std::uint64_t frames_since(const timespec& t0, unsigned rate) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const std::int64_t ns = (now.tv_sec - t0.tv_sec) * 1'000'000'000LL + (now.tv_nsec - t0.tv_nsec);
  return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns) * rate / 1'000'000'000ULL;
}

int arm(paced_pcm* p, snd_pcm_uframes_t period, unsigned rate) {
  const long long ns = static_cast<long long>(period) * 1'000'000'000LL / rate;
  itimerspec spec{};
  spec.it_value.tv_sec = spec.it_interval.tv_sec = ns / 1'000'000'000LL;
  spec.it_value.tv_nsec = spec.it_interval.tv_nsec = ns % 1'000'000'000LL;
  return timerfd_settime(p->timer, 0, &spec, nullptr) == 0 ? 0 : -errno;
}

int paced_start(snd_pcm_ioplug_t* io) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  clock_gettime(CLOCK_MONOTONIC, &p->started);
  p->running = true;
  return arm(p, io->period_size, io->rate);
}

int paced_stop(snd_pcm_ioplug_t* io) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  p->running = false;
  itimerspec off{};
  timerfd_settime(p->timer, 0, &off, nullptr);
  return 0;
}

// The card's position in its ring: how many frames its clock has moved
// since start, wrapped at the buffer.
snd_pcm_sframes_t paced_pointer(snd_pcm_ioplug_t* io) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  if (!p->running) {
    return static_cast<snd_pcm_sframes_t>(io->hw_ptr % io->buffer_size);
  }
  return static_cast<snd_pcm_sframes_t>(frames_since(p->started, io->rate) % io->buffer_size);
}

// Playback data goes nowhere (the file plugin above has kept it); capture
// delivers silence (the file plugin replaces it with its infile).
snd_pcm_sframes_t paced_transfer(snd_pcm_ioplug_t* io, const snd_pcm_channel_area_t* areas,
                                 snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
  if (io->stream == SND_PCM_STREAM_CAPTURE) {
    snd_pcm_areas_silence(areas, offset, io->channels, size, io->format);
  }
  return static_cast<snd_pcm_sframes_t>(size);
}

int paced_prepare(snd_pcm_ioplug_t* io) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  // Armed already in the prepared state: a playback stream is polled for
  // room before it is started.
  return arm(p, io->period_size, io->rate);
}

int paced_poll_revents(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int nfds,
                       unsigned short* revents) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  *revents = 0;
  if (nfds == 1 && (pfd[0].revents & POLLIN) != 0) {
    std::uint64_t ticks = 0;
    (void)!read(p->timer, &ticks, sizeof ticks);
    *revents = io->stream == SND_PCM_STREAM_PLAYBACK ? POLLOUT : POLLIN;
  }
  return 0;
}

int paced_close(snd_pcm_ioplug_t* io) {
  auto* p = static_cast<paced_pcm*>(io->private_data);
  close(p->timer);
  delete p;
  return 0;
}

const snd_pcm_ioplug_callback_t paced_callbacks = [] {
  snd_pcm_ioplug_callback_t c{};
  c.start = paced_start;
  c.stop = paced_stop;
  c.pointer = paced_pointer;
  c.transfer = paced_transfer;
  c.close = paced_close;
  c.prepare = paced_prepare;
  c.poll_revents = paced_poll_revents;
  return c;
}();

int set_constraints(snd_pcm_ioplug_t* io) {
  static const unsigned accesses[] = {SND_PCM_ACCESS_RW_INTERLEAVED,
                                      SND_PCM_ACCESS_MMAP_INTERLEAVED};
  static const unsigned formats[] = {SND_PCM_FORMAT_FLOAT_LE, SND_PCM_FORMAT_S16_LE};
  int err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 2, accesses);
  if (err == 0) {
    err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 2, formats);
  }
  if (err == 0) {
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 2);
  }
  if (err == 0) {
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, 48000, 48000);
  }
  if (err == 0) {
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64, 1 << 20);
  }
  if (err == 0) {
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64);
  }
  return err;
}

}  // namespace

extern "C" SND_PCM_PLUGIN_DEFINE_FUNC(crpaced) {
  (void)root;
  snd_config_iterator_t i, next;
  snd_config_for_each(i, next, conf) {
    snd_config_t* n = snd_config_iterator_entry(i);
    const char* id = nullptr;
    if (snd_config_get_id(n, &id) < 0) {
      continue;
    }
    const std::string_view key(id);
    if (key == "comment" || key == "type" || key == "hint") {
      continue;
    }
    SNDERR("crpaced: unknown field %s", id);
    return -EINVAL;
  }
  auto* p = new paced_pcm;
  p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (p->timer < 0) {
    const int err = -errno;
    delete p;
    return err;
  }
  p->io.version = SND_PCM_IOPLUG_VERSION;
  p->io.name = "controlroom test clock";
  p->io.callback = &paced_callbacks;
  p->io.private_data = p;
  p->io.poll_fd = p->timer;
  p->io.poll_events = POLLIN;
  int err = snd_pcm_ioplug_create(&p->io, name, stream, mode);
  if (err < 0) {
    close(p->timer);
    delete p;
    return err;
  }
  err = set_constraints(&p->io);
  if (err < 0) {
    snd_pcm_ioplug_delete(&p->io);  // calls paced_close
    return err;
  }
  *pcmp = p->io.pcm;
  return 0;
}

extern "C" {
SND_PCM_PLUGIN_SYMBOL(crpaced)
}
