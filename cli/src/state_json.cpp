#include "state_json.hpp"

#include <cstdio>

#include <boost/json.hpp>

namespace controlroom::cli {

namespace {

boost::json::array songs_json(const controlroom::session_state& s) {
  boost::json::array out;
  for (const auto& song : s.songs) {
    out.push_back(boost::json::object{
        {"id", song.id}, {"title", song.title}, {"picked_take_id", song.picked_take_id}});
  }
  return out;
}

boost::json::array takes_json(const controlroom::session_state& s) {
  boost::json::array out;
  for (const auto& t : s.takes) {
    boost::json::array files;
    for (const auto& f : t.files) {
      files.push_back(boost::json::object{{"id", f.id},
                                          {"stream", f.stream},
                                          {"user_id", f.user_id},
                                          {"duration_samples", f.duration_samples},
                                          {"healed_gaps", f.healed_gaps},
                                          {"unhealed_gaps", f.unhealed_gaps}});
    }
    out.push_back(boost::json::object{{"id", t.id},
                                      {"song_id", t.song_id},
                                      {"number", t.number},
                                      {"start_samples", t.start_samples},
                                      {"end_samples", t.end_samples},
                                      {"recording", t.recording},
                                      {"rating", t.rating},
                                      {"circled", t.circled},
                                      {"notes", t.notes},
                                      {"files", std::move(files)}});
  }
  return out;
}

}  // namespace

boost::json::object to_json(const controlroom::session_state& s) {
  boost::json::array markers;
  for (const auto& m : s.markers) {
    markers.push_back(boost::json::object{{"id", m.id},
                                          {"position_samples", m.position_samples},
                                          {"label", m.label},
                                          {"color", m.color},
                                          {"author_user_id", m.author_user_id}});
  }
  boost::json::array comments;
  for (const auto& c : s.comments) {
    comments.push_back(boost::json::object{{"id", c.id},
                                           {"marker_id", c.marker_id},
                                           {"take_id", c.take_id},
                                           {"author_user_id", c.author_user_id},
                                           {"text", c.text}});
  }
  boost::json::array members;
  for (const auto& m : s.members) {
    boost::json::array roles;
    for (auto r : m.roles) {
      roles.push_back(boost::json::value(std::string(to_string(r))));
    }
    members.push_back(boost::json::object{{"user_id", m.user_id}, {"roles", std::move(roles)}});
  }
  return {{"session_id", s.session_id},
          {"version", s.version},
          {"title", s.title},
          {"planned_start_unix_ms", s.planned_start_unix_ms},
          {"songs", songs_json(s)},
          {"takes", takes_json(s)},
          {"markers", std::move(markers)},
          {"comments", std::move(comments)},
          {"members", std::move(members)}};
}

boost::json::object to_json(const controlroom::session_info& s) {
  return {{"id", s.id},
          {"studio_id", s.studio_id},
          {"title", s.title},
          {"scheduled_start_unix_ms", s.scheduled_start_unix_ms},
          {"created_unix_ms", s.created_unix_ms}};
}

void print_songs(const controlroom::session_state& s, bool json) {
  if (json) {
    std::printf("%s\n",
                boost::json::serialize(boost::json::object{{"songs", songs_json(s)}}).c_str());
    return;
  }
  int n = 0;
  for (const auto& song : s.songs) {
    std::printf(
        "%2d. %-6s %s%s\n", ++n, song.id.c_str(), song.title.c_str(),
        song.picked_take_id.empty() ? "" : ("  (picked " + song.picked_take_id + ")").c_str());
  }
}

void print_state(const controlroom::session_state& s, bool json) {
  if (json) {
    std::printf("%s\n", boost::json::serialize(to_json(s)).c_str());
    return;
  }
  std::printf("%s \"%s\" at version %llu\n", s.session_id.c_str(), s.title.c_str(),
              static_cast<unsigned long long>(s.version));
  print_songs(s, false);
  for (const auto& t : s.takes) {
    std::printf("take %-6s song %-5s #%u  %s  rating %u%s  %zu file(s)\n", t.id.c_str(),
                t.song_id.c_str(), t.number, t.recording ? "recording" : "done", t.rating,
                t.circled ? " circled" : "", t.files.size());
  }
  for (const auto& m : s.markers) {
    std::printf("marker %-6s %9.3f s  %s\n", m.id.c_str(), m.position_samples / 48000.0,
                m.label.c_str());
  }
  for (const auto& c : s.comments) {
    std::printf("comment %-6s on %s: %s\n", c.id.c_str(),
                (c.marker_id.empty() ? c.take_id : c.marker_id).c_str(), c.text.c_str());
  }
}

void print_session(const controlroom::session_info& s, bool json) {
  if (json) {
    std::printf("%s\n", boost::json::serialize(to_json(s)).c_str());
  } else {
    std::printf("session %s \"%s\"\n", s.id.c_str(), s.title.c_str());
  }
}

}  // namespace controlroom::cli
