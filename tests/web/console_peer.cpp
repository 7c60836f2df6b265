// The studio side of the browser console test (tests/web/console_test.mjs),
// written on the public SDK only: an engineer who creates a session with the
// producer invited, records one short take, then plays the program mix (a
// known signal, a function of the timeline position) in real time over the
// media plane, listens to the producer's talkback, and reports what its
// replica sees as JSON lines on stdout. Reads "quit" (or EOF) on stdin.
//
//   console_peer WS_URL ENGINEER_TOKEN PRODUCER_TOKEN

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "controlroom/controlroom.hpp"

namespace {

using namespace std::chrono_literals;
using cr_clock = std::chrono::steady_clock;

constexpr std::int64_t take_start = 48'000 * 60;  // the take: one minute into the song
constexpr std::int64_t play_start = 48'000 * 90;  // then playback from 1:30
constexpr std::size_t chunk = 480;
constexpr double tone_hz = 660;  // the fake microphone's tone (console_test.mjs)

std::mutex out_mutex;

void say(const std::string& json) {
  std::lock_guard lock(out_mutex);
  std::cout << json << std::endl;
}

[[noreturn]] void die(const std::string& what, const std::string& why) {
  say(R"({"error":")" + what + ": " + why + "\"}");
  std::exit(1);
}

// The program signal at a timeline position; console_test.mjs computes the
// same. A wandering tone plus hashed noise: any 100 ms of it matches itself
// at one lag only, so the test can find where on the timeline a stretch of
// what the browser played came from.
double source_sample(std::int64_t n) {
  const double t = static_cast<double>(n) / 48'000.0;
  std::uint32_t h = static_cast<std::uint32_t>(n) * 2654435761U;
  h ^= h >> 16;
  h *= 0x45d9f3bU;
  h ^= h >> 16;
  const double noise = static_cast<double>(h) / 4294967296.0 - 0.5;
  const double phase =
      2 * std::numbers::pi * (330 * t + 25 * std::sin(2 * std::numbers::pi * 0.37 * t));
  return 0.3 * std::sin(phase) + 0.2 * noise;
}

template <class T>
T must(controlroom::result<T> r, const char* what) {
  if (!r) {
    die(what, r.message());
  }
  return std::move(r.value());
}

void must(const controlroom::status& s, const char* what) {
  if (!s) {
    die(what, s.message());
  }
}

std::unique_ptr<controlroom::client> connect(const std::string& url, const std::string& token) {
  controlroom::client_config config{url, token};
  config.client_name = "console-peer/1";
  auto c = std::make_unique<controlroom::client>(config);
  must(c->connect(), "connect");
  return c;
}

// Sends the program in 10 ms chunks, paced by the clock like a capture
// callback, at consecutive timeline positions from `from` until `until`
// (or forever while `until` is 0) or `stop` is set.
void stream_program(controlroom::audio_publisher& pub, std::int64_t from, std::int64_t until,
                    const std::atomic<bool>& stop) {
  std::vector<float> buf(chunk * 2);
  auto next = cr_clock::now();
  for (std::int64_t pos = from; !stop.load() && (until == 0 || pos < until);
       pos += static_cast<std::int64_t>(chunk)) {
    for (std::size_t i = 0; i < chunk; ++i) {
      const auto v = static_cast<float>(source_sample(pos + static_cast<std::int64_t>(i)));
      buf[2 * i] = v;
      buf[2 * i + 1] = v;
    }
    pub.send(buf, pos);
    next += 10ms;
    std::this_thread::sleep_until(next);
  }
}

// The share of a stretch's power that is the tone (Goertzel power at
// tone_hz against mean power): 1 for the pure tone, about 0 for other sound.
class tone_meter {
 public:
  void add(double x) {
    energy_ += x * x;
    const double s0 = x + coeff_ * s1_ - s2_;
    s2_ = s1_;
    s1_ = s0;
    ++n_;
  }
  double share() const {
    if (energy_ <= 0) {
      return 0;
    }
    // |X|^2 * 2 / n^2 is the power of the tone: A^2 / 2 for amplitude A.
    const double nn = static_cast<double>(n_);
    const double tone_power = (s1_ * s1_ + s2_ * s2_ - coeff_ * s1_ * s2_) * 2 / (nn * nn);
    return tone_power / (energy_ / nn);
  }
  double energy() const { return energy_; }

 private:
  double coeff_ = 2 * std::cos(2 * std::numbers::pi * tone_hz / 48'000.0);
  double energy_ = 0, s1_ = 0, s2_ = 0;
  std::size_t n_ = 0;
};

// Renders the talkback stream in real time and reports, each half second,
// its level and how much of it is the microphone's tone: over the whole
// half second ("tone", which needs the tone's phase to run on unbroken) and
// over each 10 ms render, weighted by its power ("tone_10ms", which a
// concealed gap or a small drift of pitch between renders does not spoil).
void listen_talkback(controlroom::client& eng, const std::atomic<bool>& stop) {
  controlroom::audio_stream stream;
  std::vector<float> buf(chunk * 2);
  auto next = cr_clock::now();
  tone_meter whole;
  double short_tone = 0;
  std::size_t n = 0;
  while (!stop.load()) {
    if (!stream) {
      for (auto& s : eng.audio_streams()) {
        if (s.info().kind == controlroom::stream_kind::talkback) {
          stream = s;
        }
      }
    }
    stream.render(buf);
    tone_meter part;
    for (std::size_t i = 0; i < chunk; ++i) {
      whole.add(buf[2 * i]);
      part.add(buf[2 * i]);
    }
    short_tone += part.share() * part.energy();
    n += chunk;
    if (n >= 24'000) {
      const double rms = std::sqrt(whole.energy() / static_cast<double>(n));
      const double tone_10ms = whole.energy() > 0 ? short_tone / whole.energy() : 0;
      if (stream) {
        say(R"({"talkback":{"rms":)" + std::to_string(rms) + R"(,"tone":)" +
            std::to_string(whole.share()) + R"(,"tone_10ms":)" + std::to_string(tone_10ms) + "}}");
      }
      whole = {};
      short_tone = 0;
      n = 0;
    }
    next += 10ms;
    std::this_thread::sleep_until(next);
  }
}

void report_state(const controlroom::session_state& s) {
  std::string json = R"({"state":{"version":)" + std::to_string(s.version) + R"(,"markers":[)";
  for (std::size_t i = 0; i < s.markers.size(); ++i) {
    json += i ? "," : "";
    json += R"({"id":")" + s.markers[i].id + R"(","position":)" +
            std::to_string(s.markers[i].position_samples) + "}";
  }
  json += R"(],"takes":[)";
  for (std::size_t i = 0; i < s.takes.size(); ++i) {
    const auto& k = s.takes[i];
    const auto* song = s.find_song(k.song_id);
    const bool picked = song != nullptr && song->picked_take_id == k.id;
    json += i ? "," : "";
    json += R"({"id":")" + k.id + R"(","rating":)" + std::to_string(k.rating) + R"(,"picked":)" +
            (picked ? "true" : "false") + "}";
  }
  json += R"(],"talkback":)" + std::to_string(s.talkback.size()) + R"(,"comments":)" +
          std::to_string(s.comments.size()) + "}}";
  say(json);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: console_peer WS_URL ENGINEER_TOKEN PRODUCER_TOKEN\n";
    return 2;
  }
  const std::string url = argv[1];
  auto producer = connect(url, argv[3]);
  const auto producer_id = producer->me().id;

  auto eng = connect(url, argv[2]);
  controlroom::session_options options;
  options.title = "EP day 2";
  options.creator_roles = {controlroom::role::engineer};
  options.invitees = {{producer_id, {controlroom::role::producer}}};
  const auto session = must(eng->create_session(options), "create session");

  // The producer's setlist has one song before the page opens.
  must(producer->join(session.id), "producer join");
  must(producer->submit(controlroom::add_song{"Opener", std::nullopt}), "add song");
  producer->close();

  std::atomic<std::uint64_t> changes{0};
  eng->on_state_changed([&changes](const controlroom::event_info&) { ++changes; });
  must(eng->join(session.id), "engineer join");
  controlroom::media_options media;
  media.transport = controlroom::media_transport::websocket;
  must(eng->open_media(media), "open media");
  auto program = must(eng->publish(controlroom::stream_kind::program), "publish");

  const auto song_id = eng->state().songs.at(0).id;
  must(eng->submit(controlroom::select_song{song_id}), "select song");
  must(eng->submit(controlroom::record{take_start}), "record");
  std::atomic<bool> stop{false};
  stream_program(program, take_start, take_start + 48'000, stop);
  must(eng->submit(controlroom::stop{take_start + 48'000}), "stop");
  must(eng->submit(controlroom::play{play_start}), "play");
  std::thread player([&] { stream_program(program, play_start, 0, stop); });
  std::thread talkback([&] { listen_talkback(*eng, stop); });
  say(R"({"ready":{"session":")" + session.id + R"(","take":")" + eng->state().takes.at(0).id +
      R"(","play_start":)" + std::to_string(play_start) + "}}");

  // Reports the replica whenever it changed; the test waits on these lines.
  std::thread reporter([&] {
    std::uint64_t seen = 0;
    while (!stop.load()) {
      const auto now = changes.load();
      if (now != seen) {
        seen = now;
        report_state(eng->state());
      }
      std::this_thread::sleep_for(20ms);
    }
  });

  std::string line;
  while (std::getline(std::cin, line) && line != "quit") {
    if (line == "state") {
      report_state(eng->state());
    }
  }
  stop = true;
  player.join();
  talkback.join();
  reporter.join();
  program.close();
  eng->close();
  return 0;
}
