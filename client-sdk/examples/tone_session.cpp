// An example SDK application: connects to a controlroomd server, creates (or
// joins) a session, publishes a tone as the program mix for a few seconds
// while listening to the session, and prints what it saw.
//
//   tone_session --url ws://127.0.0.1:7700 --token crt_... [--session ID] [--seconds 2]
//
// It uses only <controlroom/controlroom.hpp>: no Boost, protobuf or Opus.

#include <chrono>
#include <cmath>
#include <controlroom/controlroom.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  std::string url;
  std::string token;
  std::string session;
  double seconds = 2;
};

void usage(std::FILE* to) {
  std::fputs(
      "usage: tone_session --url ws://HOST:PORT --token TOKEN [--session ID] [--seconds N]\n"
      "Connects, creates a session (or joins ID), publishes a 440 Hz tone as the\n"
      "program mix for N seconds (default 2) and prints the session's state.\n",
      to);
}

// Exit status 2 for usage errors, as most command-line tools do.
bool parse(int argc, char** argv, options& o, int& exit_status) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      exit_status = 0;
      return false;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "tone_session: %s needs a value\n", arg.c_str());
      exit_status = 2;
      return false;
    }
    std::string value = argv[++i];
    if (arg == "--url") {
      o.url = value;
    } else if (arg == "--token") {
      o.token = value;
    } else if (arg == "--session") {
      o.session = value;
    } else if (arg == "--seconds") {
      o.seconds = std::stod(value);
    } else {
      std::fprintf(stderr, "tone_session: unknown option %s\n", arg.c_str());
      exit_status = 2;
      return false;
    }
  }
  if (o.url.empty() || o.token.empty()) {
    usage(stderr);
    exit_status = 2;
    return false;
  }
  return true;
}

int fail(const char* what, const std::error_code& ec, const std::string& message) {
  std::fprintf(stderr, "tone_session: %s: %s (%s)\n", what, message.c_str(), ec.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  int exit_status = 0;
  if (!parse(argc, argv, o, exit_status)) {
    return exit_status;
  }

  controlroom::client c({.url = o.url, .token = o.token, .client_name = "tone_session/0.1"});
  // Callbacks run on the SDK's network thread: keep them short.
  c.on_presence([](const controlroom::presence_event& e) {
    std::printf("presence: %s %s\n", e.who.who.name.c_str(),
                e.what == controlroom::presence_event::change::joined ? "joined" : "left");
  });

  if (auto st = c.connect(); !st) {
    return fail("connect", st.error(), st.message());
  }
  std::string session_id = o.session;
  if (session_id.empty()) {
    auto created = c.create_session({.title = "tone_session example"});
    if (!created) {
      return fail("create session", created.error(), created.message());
    }
    session_id = created.value().id;
  }
  auto joined = c.join(session_id);
  if (!joined) {
    return fail("join", joined.error(), joined.message());
  }
  std::printf("joined %s as %s\n", session_id.c_str(), c.me().name.c_str());

  if (auto st = c.open_media(); !st) {
    return fail("open media", st.error(), st.message());
  }
  auto publisher = c.publish(controlroom::stream_kind::program);
  if (!publisher) {
    return fail("publish", publisher.error(), publisher.message());
  }

  // The capture loop: 10 ms of stereo at a time, paced by the clock as an
  // audio device would pace it.
  constexpr std::size_t frame = 480;
  std::vector<float> pcm(frame * 2);
  double phase = 0;
  const auto frames = static_cast<int>(o.seconds * 100);
  auto next = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) {
    for (std::size_t i = 0; i < frame; ++i) {
      float v = 0.25f * static_cast<float>(std::sin(phase));
      phase += 2 * M_PI * 440.0 / controlroom::audio_sample_rate;
      pcm[2 * i] = pcm[2 * i + 1] = v;
    }
    publisher.value().send(pcm, static_cast<std::int64_t>(f) * frame);
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }

  auto sent = publisher.value().stats();
  auto media = c.media_status();
  std::printf("sent %llu frames over %s; rtt %lld us\n",
              static_cast<unsigned long long>(sent.frames),
              std::string(controlroom::to_string(media.transport)).c_str(),
              media.rtt ? static_cast<long long>(media.rtt->count()) : -1LL);
  std::printf("session version %llu\n", static_cast<unsigned long long>(c.state_version()));
  publisher.value().close();
  if (auto st = c.leave(); !st) {
    return fail("leave", st.error(), st.message());
  }
  return sent.frames > 0 ? 0 : 1;
}
