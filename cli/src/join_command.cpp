// `controlroom join`: be in a session from the terminal. Hears the mix (on
// a sound card or into a WAV/FLAC file), publishes a file or a capture
// device (the program mix as an engineer, talkback otherwise), optionally
// drives the transport, and takes live commands (markers at the heard
// position, talkback, ratings: keys on a terminal, lines on a pipe), until
// the input ends, N seconds pass, `quit` or Ctrl-C.
//
// Threads: this file's loop runs on the main thread every 10 ms (files,
// commands, the status line). With devices, PortAudio's playback thread
// renders the mix (join_session::render_device) and its capture thread
// publishes (join_session::capture); they share only atomics with the loop.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include <boost/json.hpp>

#include "audio_device.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "join_session.hpp"
#include "live_controls.hpp"
#include "sound_file.hpp"
#include "status_line.hpp"

namespace controlroom::cli {

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted.store(true);
}

struct join_options {
  connection_options conn;
  std::string session;
  std::vector<std::string> roles;
  std::string out;
  std::string in;
  std::string stream;
  std::vector<std::string> hear{"program", "talkback"};
  std::vector<std::string> markers;
  std::string transport;
  std::string song;
  double start = 0;
  double seconds = 0;
  bool latched = false;
  bool loop = false;
  bool align = false;
  std::string play_device;
  std::string capture_device;
  unsigned frames_per_buffer = 480;
  int hold_ms = 600;
  bool no_controls = false;
};

// A scripted marker: "SECONDS=LABEL", placed at the heard position SECONDS
// after joining.
struct scheduled_marker {
  double after = 0;
  std::string label;
  bool done = false;
};

std::vector<scheduled_marker> parse_markers(const std::vector<std::string>& specs) {
  std::vector<scheduled_marker> out;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    try {
      out.push_back({std::stod(s.substr(0, eq)), eq == std::string::npos ? "" : s.substr(eq + 1)});
    } catch (const std::exception&) {
      throw cli_error("--marker wants SECONDS=LABEL, got '" + s + "'", exit_usage);
    }
  }
  return out;
}

void validate(const join_options& o) {
  if (!o.transport.empty() && o.transport != "play" && o.transport != "record") {
    throw cli_error("--transport is play or record", exit_usage);
  }
  if (o.in.empty() && o.capture_device.empty() && !o.transport.empty()) {
    throw cli_error(
        "--transport needs --in or --capture-device: the positions come from the "
        "audio sent",
        exit_usage);
  }
  if (!o.in.empty() && !o.capture_device.empty()) {
    throw cli_error("send --in or --capture-device, not both", exit_usage);
  }
  if (!o.play_device.empty() && (!o.out.empty() || o.align)) {
    throw cli_error("hear on --play-device or into --out, not both (a stream has one listener)",
                    exit_usage);
  }
}

// The peak of `pcm`, folded into `held` (a meter: a lost race only loses a
// peak, so plain loads and stores suffice).
void hold_peak(std::atomic<float>& held, std::span<const float> pcm) {
  float peak = 0;
  for (float v : pcm) {
    peak = std::max(peak, std::abs(v));
  }
  if (peak > held.load(std::memory_order_relaxed)) {
    held.store(peak, std::memory_order_relaxed);
  }
}

// What `join` does with one live command. Returns false to quit.
class live_dispatch {
 public:
  live_dispatch(join_session& js, std::chrono::milliseconds hold, const char* clear)
      : js_(js), hold_(hold), clear_(clear) {}

  bool apply(const live_command& c, std::chrono::steady_clock::time_point now) {
    try {
      switch (c.action) {
        case live_action::quit:
          return false;
        case live_action::help:
          std::fprintf(stderr, "%s%s\n%s\n", clear_, live_keys_help, live_lines_help);
          break;
        case live_action::marker:
          js_.place_marker(c.label);
          break;
        case live_action::rate:
          std::fprintf(stderr, "%s%s\n", clear_, js_.rate_current_take(c.stars).c_str());
          break;
        case live_action::talk_on:
        case live_action::talk_off:
        case live_action::talk_toggle: {
          const bool open = c.action == live_action::talk_on ||
                            (c.action == live_action::talk_toggle && !js_.talkback_open());
          talk(open, true);
          holding_ = false;
          break;
        }
        case live_action::talk_hold:
          // Terminals report no key release: the talkback stays open while
          // the key repeats, and closes once repeats stop for hold_.
          if (!js_.talkback_open()) {
            talk(true, false);
            holding_ = true;
          }
          if (holding_) {
            release_at_ = now + hold_;
          }
          break;
      }
    } catch (const cli_error& e) {
      std::fprintf(stderr, "%scontrolroom: %s\n", clear_, e.what());
      js_.note(e.what());
    }
    return true;
  }

  /// Closes a momentary talkback whose key was let go.
  void tick(std::chrono::steady_clock::time_point now) {
    if (holding_ && now >= release_at_) {
      holding_ = false;
      try {
        talk(false, false);
      } catch (const cli_error& e) {
        js_.note(e.what());
      }
    }
  }

 private:
  void talk(bool open, bool latched) {
    js_.set_talkback(open, latched);
    js_.note(open ? (latched ? "talkback on (latched)" : "talkback on (momentary)")
                  : "talkback off");
  }

  join_session& js_;
  std::chrono::milliseconds hold_;
  const char* clear_;  // status_line::clear()
  bool holding_ = false;
  std::chrono::steady_clock::time_point release_at_{};
};

boost::json::object device_json(const device_stream& d) {
  return boost::json::object{{"name", d.name()},
                             {"channels", d.channels()},
                             {"latency_ms", d.latency_frames() / 48.0},
                             {"xruns", d.xruns()}};
}

void run_join(const join_options& o) {
  validate(o);
  auto markers = parse_markers(o.markers);
  // Devices are found before connecting: a mistyped name fails at once.
  std::optional<audio_system> pa;
  std::optional<device_info> speaker_device;
  std::optional<device_info> microphone_device;
  if (!o.play_device.empty() || !o.capture_device.empty()) {
    pa.emplace();
  }
  if (!o.play_device.empty()) {
    speaker_device = pa->find(o.play_device, device_direction::playback);
  }
  if (!o.capture_device.empty()) {
    microphone_device = pa->find(o.capture_device, device_direction::capture);
  }
  join_session js(o.conn, o.session, o.roles, o.hear, o.align);

  std::optional<sound_file> in;
  if (!o.in.empty()) {
    in = sound_file::open_read(o.in);
  }
  std::optional<sound_file> out;
  if (!o.out.empty()) {
    out = sound_file::create(o.out, 2);
  }
  if (in) {
    js.start_publishing(o.stream, o.latched);
  } else if (!o.capture_device.empty()) {
    // A microphone talks when asked (keys, `talk on`), or all along with --latched.
    js.start_publishing(o.stream, o.latched, o.latched);
  }
  std::int64_t position = no_timeline_position;
  if (!o.transport.empty()) {
    position = js.start_transport(o.transport, o.song, seconds_to_samples(o.start));
  }

  // Devices start last: their threads call into js, which is ready now.
  std::atomic<float> heard_peak{0};
  std::atomic<float> sent_peak{0};
  std::vector<float> stereo(static_cast<std::size_t>(o.frames_per_buffer) * 2);
  std::atomic<std::uint32_t> latency{0};
  // Declared after what their callbacks use, so destroyed (stopped) first.
  std::optional<device_stream> speaker;
  std::optional<device_stream> microphone;
  if (speaker_device) {
    speaker = device_stream::open_playback(
        *pa, *speaker_device, 2, o.frames_per_buffer,
        [&js, &heard_peak, &stereo, &latency](std::span<float> buf, int channels) {
          if (channels == 2) {
            js.render_device(buf, latency.load(std::memory_order_relaxed));
          } else {  // a mono device hears both sides (stereo is sized for a buffer)
            auto mix = std::span<float>(stereo).first(std::min(stereo.size(), buf.size() * 2));
            js.render_device(mix, latency.load(std::memory_order_relaxed));
            for (std::size_t i = 0; i < mix.size() / 2; ++i) {
              buf[i] = 0.5f * (mix[2 * i] + mix[2 * i + 1]);
            }
          }
          hold_peak(heard_peak, buf);
        });
    latency.store(speaker->latency_frames());
    speaker->start();
  }
  if (microphone_device) {
    js.prepare_capture(o.frames_per_buffer);
    microphone = device_stream::open_capture(
        *pa, *microphone_device, js.publishes_talkback() ? 1 : 2, o.frames_per_buffer,
        [&js, &sent_peak](std::span<const float> buf, int channels) {
          hold_peak(sent_peak, buf);
          js.capture(buf, channels);
        });
    microphone->start();
  }

  interrupted.store(false);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  status_line status(!o.conn.json);
  live_controls live(!o.no_controls);
  live_dispatch dispatch(js, std::chrono::milliseconds(o.hold_ms), status.clear());
  if (live.keys() && !o.conn.json) {
    std::fprintf(stderr, "%s\n", live_keys_help);
  }
  constexpr std::size_t frame = 480;  // 10 ms: the pace an audio device would set
  std::vector<float> file_pcm(frame * 2);
  std::vector<float> mix(frame * 2);
  bool sending = in.has_value();
  bool quit = false;
  bool heard = false;
  float peak = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto next = t0;
  for (std::uint64_t tick = 0;; ++tick) {
    const auto now = std::chrono::steady_clock::now();
    const auto elapsed = now - t0;
    const double secs = std::chrono::duration<double>(elapsed).count();
    if (quit || interrupted.load() || (o.seconds > 0 && secs >= o.seconds) ||
        (o.seconds <= 0 && in && !sending)) {
      break;
    }
    if (sending) {
      std::span<float> chunk(file_pcm.data(), frame * in->channels());
      const auto got = in->read(chunk, o.loop);
      if (got == 0) {
        sending = false;
        js.input_ended(position);
      } else {
        js.send(chunk.first(got * in->channels()), in->channels(), position);
        if (position != no_timeline_position) {
          position += static_cast<std::int64_t>(got);
        }
      }
    }
    if (speaker) {
      peak = std::max(peak, heard_peak.exchange(0));
    } else {
      js.render(mix, out ? &*out : nullptr, o.align);
      for (float v : mix) {
        peak = std::max(peak, std::abs(v));
      }
    }
    for (const auto& c : live.poll()) {
      std::fputs(status.clear(), stderr);  // what the command prints replaces the status line
      quit = quit || !dispatch.apply(c, now);
    }
    dispatch.tick(now);
    if (!heard) {
      // Said once, for people and for scripts that act on what is heard.
      if (const auto at = js.heard_position()) {
        heard = true;
        std::fprintf(stderr, "%shearing the session timeline at sample %lld\n", status.clear(),
                     static_cast<long long>(*at));
      }
    }
    for (auto& m : markers) {
      if (!m.done && secs >= m.after) {
        m.done = true;
        js.place_marker(m.label);
      }
    }
    std::string activity = sending || microphone ? "sending" : "listening";
    if (microphone) {
      activity += " (in " + dbfs(sent_peak.load(std::memory_order_relaxed)) + " dBFS)";
    }
    if (js.talkback_open()) {
      activity += " TALK";
    }
    if (live.keys()) {
      activity += "  [m t space 1-5 q]";
    }
    status.update(js.client(), elapsed, peak, activity);
    if (tick % 25 == 0) {
      js.track_streams();
      peak = 0;
      sent_peak.store(0, std::memory_order_relaxed);
    }
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  status.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  // The devices stop before the session they call into goes.
  if (microphone) {
    microphone->stop();
    position = js.capture_position();
  }
  if (speaker) {
    speaker->stop();
  }
  if (sending || microphone) {
    js.input_ended(position);
  }
  auto report = js.finish(out ? out->frames() : 0, o.out);
  report["interrupted"] = interrupted.load();
  if (speaker || microphone) {
    boost::json::object devices;
    if (speaker) {
      devices["playback"] = device_json(*speaker);
    }
    if (microphone) {
      devices["capture"] = device_json(*microphone);
    }
    report["devices"] = std::move(devices);
  }
  if (o.conn.json) {
    std::printf("%s\n", boost::json::serialize(report).c_str());
  } else {
    print_join_report(report);
  }
  if (interrupted.load()) {
    // Scripts tell a Ctrl-C from an ending that was asked for (`q`, `quit`,
    // --seconds, the end of --in); the report above is complete either way.
    std::fflush(stdout);
    throw cli_error("interrupted", exit_interrupted);
  }
}

}  // namespace

void add_join_command(CLI::App& app) {
  auto o = std::make_shared<join_options>();
  auto* cmd = app.add_subcommand("join", "be in a session: hear it, send audio, drop markers");
  cmd->footer(
      "Examples:\n"
      "  controlroom join $URL $SESSION --role producer --out take.wav --seconds 30\n"
      "  controlroom join $URL $SESSION --role engineer --in mix.wav --transport record \\\n"
      "      --song 'Song A'\n"
      "  controlroom join $URL $SESSION --role producer --in voice.wav --latched\n"
      "  controlroom join $URL $SESSION --role producer --play-device default \\\n"
      "      --capture-device default\n"
      "Devices: `controlroom devices` lists them (48 kHz float through PortAudio).\n"
      "Live commands: on a terminal, keys (m marker at the heard position, t talkback\n"
      "on/off, hold space to talk, 1-5 rate the current take, q quit); with stdin from\n"
      "a pipe or file, lines: marker [LABEL], talk on|off, rate N, quit.");
  add_connection_options(cmd, o->conn);
  cmd->add_option("session", o->session, "session id (UUID)")->required();
  cmd->add_option("--role", o->roles, "act with this role (repeatable; default: all of yours)");
  cmd->add_option("--out", o->out, "write what you hear to this WAV or FLAC file (48 kHz stereo)");
  cmd->add_option("--in", o->in, "send this 48 kHz WAV/FLAC file")->check(CLI::ExistingFile);
  cmd->add_option("--stream", o->stream,
                  "what --in is: program, cue or talkback (default: program for an engineer, "
                  "talkback otherwise)")
      ->check(CLI::IsMember({"program", "cue", "talkback"}));
  cmd->add_flag("--latched", o->latched,
                "talkback stays open until the command ends (default: momentary, open while "
                "--in plays)");
  cmd->add_flag("--loop", o->loop, "repeat --in until --seconds pass or Ctrl-C");
  cmd->add_option("--hear", o->hear, "stream kinds to hear (program, talkback, cue)")
      ->delimiter(',')
      ->check(CLI::IsMember({"program", "cue", "talkback"}));
  cmd->add_flag("--align", o->align,
                "write --out at the session timeline position of the program stream (sample "
                "n of the file is timeline sample n), for takes aligned to the session");
  cmd->add_option("--transport", o->transport,
                  "engineer: play or record --in as the program from --start, then stop");
  cmd->add_option("--song", o->song, "with --transport: select this song first (added if missing)");
  cmd->add_option("--start", o->start, "with --transport: timeline position in seconds");
  cmd->add_option("--marker", o->markers,
                  "SECONDS=LABEL: place a marker at the heard position SECONDS after joining "
                  "(repeatable)");
  cmd->add_option("--seconds", o->seconds,
                  "stay this long (default: until --in ends, quit, or Ctrl-C)");
  cmd->add_option("--play-device", o->play_device,
                  "hear the mix on this audio device: default, a name, part of one or its "
                  "number in `controlroom devices`");
  cmd->add_option("--capture-device", o->capture_device,
                  "send from this audio device (as --in would; talkback only while talking, "
                  "or all along with --latched)");
  cmd->add_option("--frames-per-buffer", o->frames_per_buffer,
                  "device buffer size in frames at 48 kHz (default 480: 10 ms)")
      ->check(CLI::Range(32U, 4800U));
  cmd->add_option("--hold-ms", o->hold_ms,
                  "momentary talkback (space held) closes this long after the key stops "
                  "repeating (default 600: longer than the usual key-repeat delay)")
      ->check(CLI::Range(100, 5000));
  cmd->add_flag("--no-controls", o->no_controls, "read no keys or commands from stdin");
  cmd->callback([o] { run_join(*o); });
}

}  // namespace controlroom::cli
