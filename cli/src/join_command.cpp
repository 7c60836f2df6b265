// `controlroom join`: be in a session from the terminal. Hears the mix (to a
// WAV/FLAC file), publishes a file (the program mix as an engineer, talkback
// otherwise), optionally drives the transport and drops markers at the heard
// position, until the input ends, N seconds pass or Ctrl-C.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include <boost/json.hpp>

#include "cli_error.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "join_session.hpp"
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
  if (o.in.empty() && !o.transport.empty()) {
    throw cli_error("--transport needs --in: the positions come from the audio sent", exit_usage);
  }
}

void run_join(const join_options& o) {
  validate(o);
  auto markers = parse_markers(o.markers);
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
  }
  std::int64_t position = no_timeline_position;
  if (!o.transport.empty()) {
    position = js.start_transport(o.transport, o.song, seconds_to_samples(o.start));
  }

  interrupted.store(false);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  status_line status(!o.conn.json);
  constexpr std::size_t frame = 480;  // 10 ms: the pace an audio device would set
  std::vector<float> file_pcm(frame * 2);
  std::vector<float> mix(frame * 2);
  bool sending = in.has_value();
  float peak = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto next = t0;
  for (std::uint64_t tick = 0;; ++tick) {
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    const double secs = std::chrono::duration<double>(elapsed).count();
    if (interrupted.load() || (o.seconds > 0 && secs >= o.seconds) ||
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
    js.render(mix, out ? &*out : nullptr, o.align);
    for (float v : mix) {
      peak = std::max(peak, std::abs(v));
    }
    for (auto& m : markers) {
      if (!m.done && secs >= m.after) {
        m.done = true;
        js.place_marker(m.label);
      }
    }
    status.update(js.client(), elapsed, peak, sending ? "sending" : "listening");
    if (tick % 25 == 0) {
      js.track_streams();
      peak = 0;
    }
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  status.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (sending) {
    js.input_ended(position);
  }
  auto report = js.finish(out ? out->frames() : 0, o.out);
  report["interrupted"] = interrupted.load();
  if (o.conn.json) {
    std::printf("%s\n", boost::json::serialize(report).c_str());
  } else {
    print_join_report(report);
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
      "Audio devices are not used by this build of the command; files only.");
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
  cmd->add_option("--seconds", o->seconds, "stay this long (default: until --in ends, or Ctrl-C)");
  cmd->callback([o] { run_join(*o); });
}

}  // namespace controlroom::cli
