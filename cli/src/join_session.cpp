#include "join_session.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include "cli_error.hpp"
#include "sound_file.hpp"

namespace controlroom::cli {

namespace {

controlroom::stream_kind parse_kind(const std::string& name) {
  if (name == "cue") {
    return stream_kind::cue;
  }
  return name == "talkback" ? stream_kind::talkback : stream_kind::program;
}

// Nobody places a marker more than ten minutes of silence away: a position
// that far ahead of the file is a discontinuity, not audio to pad for.
constexpr std::int64_t max_aligned_gap = 48'000LL * 600;

}  // namespace

join_session::join_session(const connection_options& conn, const std::string& session,
                           const std::vector<std::string>& roles,
                           const std::vector<std::string>& hear, bool align)
    : client_(connect_client(conn, "controlroom-cli/0.1", session)), session_(session) {
  std::vector<role> as;
  for (const auto& r : roles) {
    as.push_back(parse_role(r));
  }
  auto joined = checked(client_->join(session, as), "join session " + session);
  acting_ = joined.self.roles;
  controlroom::media_options media;
  media.subscribe.clear();
  for (const auto& k : hear) {
    media.subscribe.push_back(parse_kind(k));
  }
  check(client_->open_media(media), "open media");
  // Aligned recording renders the program stream itself: a stream has one consumer.
  auto mixed = media.subscribe;
  if (align) {
    std::erase(mixed, stream_kind::program);
  }
  mixer_ = client_->mixer(mixed);
  std::fprintf(stderr, "joined \"%s\" as %s (%zu present)\n", joined.session.title.c_str(),
               client_->me().name.c_str(), joined.participants.size());
}

join_session::~join_session() = default;

void join_session::submit(const controlroom::intent& change, const std::string& what) {
  checked(client_->submit(change), what);
}

void join_session::start_publishing(const std::string& stream, bool latched, bool open_talkback) {
  // By the roles this connection acts with, not all the member's roles.
  const bool engineer = std::find(acting_.begin(), acting_.end(), role::engineer) != acting_.end();
  const auto kind = stream.empty() ? (engineer ? stream_kind::program : stream_kind::talkback)
                                   : parse_kind(stream);
  latched_ = latched;
  if (kind == stream_kind::talkback) {
    talking_.store(false);
    if (open_talkback) {
      set_talkback(true, latched);
    }
  }
  auto options =
      kind == stream_kind::talkback ? encoder_options::talkback() : encoder_options::music();
  publisher_ = checked(client_->publish(kind, options), "publish " + std::string(to_string(kind)));
}

bool join_session::publishes_talkback() const {
  return publisher_ && publisher_.kind() == stream_kind::talkback;
}

void join_session::set_talkback(bool open, bool latched) {
  if (open == talkback_open_) {
    latched_ = latched;
    return;
  }
  if (open) {
    submit(start_talkback{.target = talkback_target::everyone, .latched = latched},
           "open talkback");
    talkback_open_ = true;
    latched_ = latched;
    talking_.store(true);
  } else {
    talking_.store(false);
    talkback_open_ = false;
    submit(stop_talkback{}, "close talkback");
  }
}

std::string join_session::rate_current_take(int stars) {
  const auto st = client_->state();
  std::string id = st.transport.recording_take_id;
  if (id.empty() && !st.takes.empty()) {
    id = st.takes.back().id;
  }
  if (id.empty()) {
    throw cli_error("no take to rate yet");
  }
  submit(rate_take{.take_id = id, .rating = static_cast<std::uint32_t>(stars)}, "rate take " + id);
  const std::string done = "rated " + id + ": " + std::to_string(stars) + " of 5";
  note(done);
  return done;
}

void join_session::prepare_capture(std::size_t frames) {
  converted_.reserve(frames * 2);
}

void join_session::note(const std::string& event) {
  std::lock_guard lock(mutex_);
  events_.push_back(boost::json::value(event));
}

std::int64_t join_session::start_transport(const std::string& mode, const std::string& song,
                                           std::int64_t start) {
  if (!song.empty()) {
    std::string song_id;
    for (const auto& s : client_->state().songs) {
      if (s.id == song || s.title == song) {
        song_id = s.id;
      }
    }
    if (song_id.empty()) {
      song_id = "s" + std::to_string(checked(client_->submit(add_song{.title = song, .index = {}}),
                                             "add song '" + song + "'"));
    }
    submit(select_song{.song_id = song_id}, "select song '" + song + "'");
  }
  if (mode == "record") {
    auto version = checked(client_->submit(record{.position_samples = start}), "record");
    std::lock_guard lock(mutex_);
    takes_.push_back(boost::json::value("tk" + std::to_string(version)));
  } else {
    submit(play{.position_samples = start}, "play");
  }
  transport_running_ = true;
  capture_position_.store(start);
  return start;
}

void join_session::send(std::span<const float> pcm, int channels, std::int64_t position) {
  const bool talkback = publisher_.kind() == stream_kind::talkback;
  if (talkback) {
    if (!talking_.load(std::memory_order_relaxed)) {
      resumed_ = true;
      return;
    }
    if (resumed_) {
      resumed_ = false;  // pressed again: receivers restart their timing
      publisher_.mark_discontinuity();
    }
  }
  const int want = talkback ? 1 : 2;
  if (channels == want) {
    publisher_.send(pcm, position);
    return;
  }
  const std::size_t frames = pcm.size() / channels;
  converted_.resize(frames * want);
  for (std::size_t i = 0; i < frames; ++i) {
    if (want == 2) {
      converted_[2 * i] = converted_[2 * i + 1] = pcm[i];
    } else {
      converted_[i] = 0.5f * (pcm[2 * i] + pcm[2 * i + 1]);
    }
  }
  publisher_.send(converted_, position);
}

void join_session::capture(std::span<const float> pcm, int channels) noexcept {
  const auto position = capture_position_.load(std::memory_order_relaxed);
  // converted_ has its capacity from prepare_capture(): no allocation here.
  send(pcm, channels, position);
  if (position != no_timeline_position) {
    capture_position_.store(position + static_cast<std::int64_t>(pcm.size()) / channels,
                            std::memory_order_relaxed);
  }
}

void join_session::render_device(std::span<float> out, std::uint32_t latency_frames) noexcept {
  if (latency_frames != device_latency_) {
    device_latency_ = latency_frames;
    mixer_.set_output_latency(latency_frames);
  }
  mixer_.render(out);
}

std::optional<std::int64_t> join_session::heard_position() const {
  auto pos = client_->heard_position(stream_kind::program);
  return pos ? pos : mixer_.heard_position();
}

void join_session::input_ended(std::int64_t position) {
  if (transport_running_) {
    transport_running_ = false;
    submit(stop{.position_samples = std::max<std::int64_t>(position, 0)}, "stop");
  }
  if (talkback_open_ && !latched_) {
    talkback_open_ = false;
    submit(stop_talkback{}, "close talkback");
  }
}

void join_session::render(std::span<float> mix, sound_file* out, bool align) {
  if (!align) {
    mixer_.render(mix);
    if (out != nullptr) {
      out->write(mix);
    }
    return;
  }
  // Aligned: the newest program stream on its own (a new engineer
  // connection replaces the last), placed by its timeline position; the
  // other kinds are heard through the mixer but not written.
  for (const auto& s : client_->audio_streams()) {
    if (s.info().kind == stream_kind::program) {
      program_ = s;
    }
  }
  std::fill(mix.begin(), mix.end(), 0.0f);
  if (program_) {
    program_.render(mix);
    if (out != nullptr) {
      write_aligned(mix, *out);
    }
  }
  others_.resize(mix.size());
  mixer_.render(others_);
  for (std::size_t i = 0; i < mix.size(); ++i) {
    mix[i] += others_[i];
  }
}

void join_session::write_aligned(std::span<const float> mix, sound_file& out) {
  const auto pos = program_.rendered_position();
  if (!pos) {
    return;  // silence or untimed audio: not on the timeline
  }
  const std::int64_t written = out.frames();
  const auto frames = static_cast<std::int64_t>(mix.size() / 2);
  if (*pos > written) {
    if (*pos - written > max_aligned_gap) {
      return;
    }
    std::vector<float> silence(static_cast<std::size_t>(*pos - written) * 2, 0.0f);
    out.write(silence);
  }
  const std::int64_t skip = std::max<std::int64_t>(0, written - *pos);
  if (skip < frames) {
    out.write(mix.subspan(static_cast<std::size_t>(skip) * 2));
  }
}

void join_session::track_streams() {
  for (const auto& s : client_->audio_streams()) {
    heard_.try_emplace(s.info().sender_id, s);
  }
}

void join_session::place_marker(const std::string& label) {
  const auto pos = heard_position();
  if (!pos) {
    std::fprintf(stderr, "marker '%s' not placed: nothing on the timeline is heard now\n",
                 label.c_str());
    std::lock_guard lock(mutex_);
    events_.push_back(boost::json::value("marker not placed: nothing heard: " + label));
    return;
  }
  const auto at = *pos;
  {
    std::lock_guard lock(mutex_);
    ++pending_;
  }
  client_->submit_async(
      add_marker{.position_samples = at, .label = label, .color = {}},
      [this, label, at](result<std::uint64_t> r) {
        std::lock_guard lock(mutex_);
        --pending_;
        settled_.notify_all();
        if (r) {
          markers_.push_back(boost::json::object{
              {"id", "m" + std::to_string(r.value())}, {"label", label}, {"position_samples", at}});
        } else {
          events_.push_back(boost::json::value("marker refused: " + r.message()));
        }
      });
}

boost::json::object join_session::finish(std::int64_t recorded_frames,
                                         const std::string& out_path) {
  {
    // A marker dropped just before quitting still lands (and is reported).
    std::unique_lock lock(mutex_);
    settled_.wait_for(lock, std::chrono::seconds(5), [this] { return pending_ == 0; });
  }
  boost::json::object report;
  report["session_id"] = session_;
  report["user"] = client_->me().name;
  boost::json::array streams;
  std::uint64_t received = 0, lost = 0, healed = 0, concealed = 0;
  track_streams();
  for (const auto& [id, s] : heard_) {
    const auto st = s.stats();
    received += st.received;
    lost += st.lost;
    healed += st.recovered_by_redundancy;
    concealed += st.concealed;
    streams.push_back(
        boost::json::object{{"kind", std::string(to_string(s.info().kind))},
                            {"user_id", s.info().user_id},
                            {"received", st.received},
                            {"lost", st.lost},
                            {"recovered_by_redundancy", st.recovered_by_redundancy},
                            {"concealed", st.concealed},
                            {"late", st.late},
                            {"jitter_ms", st.jitter_ms},
                            {"buffer_ms", st.target_frames * s.info().frame_samples / 48.0}});
  }
  const auto media = client_->media_status();
  report["transport"] = std::string(to_string(media.transport));
  report["rtt_ms"] = media.rtt ? media.rtt->count() / 1000.0 : -1.0;
  report["streams"] = std::move(streams);
  report["received"] = received;
  report["lost"] = lost;
  report["healed"] = healed;
  report["concealed"] = concealed;
  report["loss_percent"] =
      received + lost == 0 ? 0.0 : 100.0 * double(lost - healed) / double(received + lost);
  if (publisher_) {
    const auto ps = publisher_.stats();
    report["sent"] = boost::json::object{{"kind", std::string(to_string(publisher_.kind()))},
                                         {"frames", ps.frames},
                                         {"dropped", ps.queue_overflows + ps.not_sent}};
    publisher_.close();
  }
  if (!out_path.empty()) {
    report["recorded"] = boost::json::object{
        {"path", out_path}, {"frames", recorded_frames}, {"seconds", recorded_frames / 48000.0}};
  }
  if (talkback_open_) {
    talkback_open_ = false;
    (void)client_->submit(stop_talkback{});
  }
  (void)client_->leave();
  report["version"] = client_->state_version();
  std::lock_guard lock(mutex_);
  report["markers"] = markers_;
  report["takes"] = takes_;
  report["events"] = events_;
  return report;
}

void print_join_report(const boost::json::object& r) {
  std::printf("session %s: heard %llu packets over %s, rtt %.1f ms\n",
              r.at("session_id").as_string().c_str(),
              static_cast<unsigned long long>(r.at("received").to_number<std::uint64_t>()),
              r.at("transport").as_string().c_str(), r.at("rtt_ms").to_number<double>());
  std::printf("loss: %llu lost, %llu healed by redundancy, %.2f%% unhealed\n",
              static_cast<unsigned long long>(r.at("lost").to_number<std::uint64_t>()),
              static_cast<unsigned long long>(r.at("healed").to_number<std::uint64_t>()),
              r.at("loss_percent").to_number<double>());
  if (const auto* sent = r.if_contains("sent")) {
    std::printf("sent %s: %llu frames\n", sent->at("kind").as_string().c_str(),
                static_cast<unsigned long long>(sent->at("frames").to_number<std::uint64_t>()));
  }
  if (const auto* rec = r.if_contains("recorded")) {
    std::printf("recorded %.2f s to %s\n", rec->at("seconds").to_number<double>(),
                rec->at("path").as_string().c_str());
  }
  for (const auto& m : r.at("markers").as_array()) {
    std::printf("marker %s \"%s\" at sample %lld\n", m.at("id").as_string().c_str(),
                m.at("label").as_string().c_str(),
                static_cast<long long>(m.at("position_samples").to_number<std::int64_t>()));
  }
  for (const auto& t : r.at("takes").as_array()) {
    std::printf("recorded take %s\n", t.as_string().c_str());
  }
  for (const auto& e : r.at("events").as_array()) {
    std::printf("%s\n", e.as_string().c_str());
  }
}

}  // namespace controlroom::cli
