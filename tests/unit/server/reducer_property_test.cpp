// Random intents, valid and not, from random people: whatever decide()
// accepts, apply() carries out without breaking the state's invariants, and
// a replay of the log reproduces the state byte for byte.

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reducer_test_support.hpp"

namespace controlroom::server {
namespace {

using namespace reducer_testing;

class intent_generator {
 public:
  explicit intent_generator(std::uint32_t seed) : rng_(seed) {
    const auto* oneof = v1::Intent::descriptor()->FindOneofByName("change");
    for (int i = 0; i < oneof->field_count(); ++i) {
      changes_.push_back(oneof->field(i));
    }
  }

  v1::Intent next(const v1::SessionState& state) {
    v1::Intent out;
    const auto* field = changes_[pick(changes_.size())];
    // Removals less often, so that the session grows and the checks have
    // something to chew on.
    if (field->name().starts_with("remove_") && chance(70)) {
      field = changes_[pick(changes_.size())];
    }
    auto* change = out.GetReflection()->MutableMessage(&out, field);
    fill(state, *change);
    return out;
  }

  const actor& who() {
    static const std::vector<actor> people = {
        engineer,
        producer,
        artist,
        listener,
        server_actor,
        actor{"pa", {role::producer, role::artist}},
        actor{"ep", {role::engineer, role::producer}},
    };
    return people[pick(people.size())];
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  std::int64_t position() { return chance(5) ? -between(1, 100) : between(0, 1'000'000); }

  std::string text(std::size_t max) {
    if (chance(5)) {
      return {};
    }
    if (chance(3)) {
      return std::string(max + 1, 'x');
    }
    return std::string(static_cast<std::size_t>(between(1, 12)), static_cast<char>('a' + pick(26)));
  }

  template <typename T>
  std::string id_from(const google::protobuf::RepeatedPtrField<T>& items, const char* prefix) {
    if (items.empty() || chance(10)) {
      return chance(50) ? std::string() : prefix + std::to_string(between(0, 5000));
    }
    return items.Get(static_cast<int>(pick(items.size()))).id();
  }

  std::string color() {
    static const char* colors[] = {"", "#abcdef", "#ABCDEF", "#12345", "red", "#1234567"};
    return colors[pick(std::size(colors))];
  }

  void fill(const v1::SessionState& s, google::protobuf::Message& change) {
    const auto& name = change.GetDescriptor()->name();
    if (name == "AddSong") {
      auto& m = static_cast<v1::AddSong&>(change);
      m.set_title(text(200));
      m.set_index(static_cast<int>(between(-2, s.songs_size() + 2)));
    } else if (name == "RenameSong") {
      auto& m = static_cast<v1::RenameSong&>(change);
      m.set_song_id(id_from(s.songs(), "s"));
      m.set_title(text(200));
    } else if (name == "RemoveSong") {
      static_cast<v1::RemoveSong&>(change).set_song_id(id_from(s.songs(), "s"));
    } else if (name == "MoveSong") {
      auto& m = static_cast<v1::MoveSong&>(change);
      m.set_song_id(id_from(s.songs(), "s"));
      m.set_index(static_cast<int>(between(-2, s.songs_size() + 2)));
    } else if (name == "PickTake") {
      static_cast<v1::PickTake&>(change).set_take_id(id_from(s.takes(), "tk"));
    } else if (name == "UnpickTake") {
      static_cast<v1::UnpickTake&>(change).set_song_id(id_from(s.songs(), "s"));
    } else if (name == "Play") {
      static_cast<v1::Play&>(change).set_position_samples(position());
    } else if (name == "Stop") {
      static_cast<v1::Stop&>(change).set_position_samples(position());
    } else if (name == "Locate") {
      static_cast<v1::Locate&>(change).set_position_samples(position());
    } else if (name == "Record") {
      static_cast<v1::Record&>(change).set_position_samples(position());
    } else if (name == "SetTempo") {
      static_cast<v1::SetTempo&>(change).set_bpm(
          chance(5) ? std::numeric_limits<double>::quiet_NaN()
                    : std::uniform_real_distribution<double>(0, 500)(rng_));
    } else if (name == "SetMeter") {
      static const unsigned units[] = {0, 1, 2, 3, 4, 8, 16, 32, 64};
      auto& meter = *static_cast<v1::SetMeter&>(change).mutable_meter();
      meter.set_beats_per_bar(static_cast<unsigned>(between(0, 70)));
      meter.set_beat_unit(units[pick(std::size(units))]);
    } else if (name == "SetLoop") {
      auto& loop = *static_cast<v1::SetLoop&>(change).mutable_loop();
      loop.set_enabled(chance(50));
      loop.set_start_samples(between(-5, 1000));
      loop.set_end_samples(between(-5, 1000));
    } else if (name == "SelectSong") {
      static_cast<v1::SelectSong&>(change).set_song_id(chance(20) ? "" : id_from(s.songs(), "s"));
    } else if (name == "GrantTransport") {
      static_cast<v1::GrantTransport&>(change).set_producer_may_drive(chance(70));
    } else if (name == "AddTrack") {
      auto& m = static_cast<v1::AddTrack&>(change);
      m.set_name(text(100));
      m.set_input_label(chance(50) ? text(200) : "");
    } else if (name == "UpdateTrack") {
      auto& m = static_cast<v1::UpdateTrack&>(change);
      m.set_track_id(id_from(s.tracks(), "tr"));
      if (chance(30))
        m.set_name(text(100));
      if (chance(50))
        m.set_armed(chance(50));
      if (chance(50))
        m.set_muted(chance(50));
      if (chance(50))
        m.set_soloed(chance(50));
      if (chance(30))
        m.set_input_label(text(200));
    } else if (name == "RemoveTrack") {
      static_cast<v1::RemoveTrack&>(change).set_track_id(id_from(s.tracks(), "tr"));
    } else if (name == "RateTake") {
      auto& m = static_cast<v1::RateTake&>(change);
      m.set_take_id(id_from(s.takes(), "tk"));
      m.set_rating(static_cast<unsigned>(between(0, 7)));
    } else if (name == "CircleTake") {
      auto& m = static_cast<v1::CircleTake&>(change);
      m.set_take_id(id_from(s.takes(), "tk"));
      m.set_circled(chance(50));
    } else if (name == "SetTakeNotes") {
      auto& m = static_cast<v1::SetTakeNotes&>(change);
      m.set_take_id(id_from(s.takes(), "tk"));
      m.set_notes(text(4000));
    } else if (name == "AddMarker") {
      auto& m = static_cast<v1::AddMarker&>(change);
      m.set_position_samples(position());
      m.set_label(chance(50) ? text(200) : "");
      m.set_color(color());
    } else if (name == "UpdateMarker") {
      auto& m = static_cast<v1::UpdateMarker&>(change);
      m.set_marker_id(id_from(s.markers(), "m"));
      if (chance(50))
        m.set_position_samples(position());
      if (chance(50))
        m.set_label(text(200));
      if (chance(50))
        m.set_color(color());
    } else if (name == "RemoveMarker") {
      static_cast<v1::RemoveMarker&>(change).set_marker_id(id_from(s.markers(), "m"));
    } else if (name == "AddComment") {
      auto& m = static_cast<v1::AddComment&>(change);
      if (chance(45)) {
        m.set_marker_id(id_from(s.markers(), "m"));
      } else if (chance(90)) {
        m.set_take_id(id_from(s.takes(), "tk"));
      }
      m.set_text(text(4000));
    } else if (name == "RemoveComment") {
      static_cast<v1::RemoveComment&>(change).set_comment_id(id_from(s.comments(), "c"));
    } else if (name == "StartTalkback") {
      auto& m = static_cast<v1::StartTalkback&>(change);
      m.set_target(static_cast<v1::TalkbackTarget>(between(0, 5)));
      m.set_latched(chance(50));
    } else if (name == "StopTalkback") {
      static const char* users[] = {"", "", "eng", "pro", "art", "lis", "pa", "ep"};
      static_cast<v1::StopTalkback&>(change).set_user_id(users[pick(std::size(users))]);
    } else if (name == "SetPlannedStart") {
      static_cast<v1::SetPlannedStart&>(change).set_planned_start_unix_ms(
          chance(5) ? -1 : between(0, 2'000'000'000'000));
    } else if (name == "TakeFileRecorded") {
      auto& m = static_cast<v1::TakeFileRecorded&>(change);
      m.set_take_id(id_from(s.takes(), "tk"));
      if (chance(95)) {
        m.mutable_file()->set_id("f" + std::to_string(between(0, 1000)));
        m.mutable_file()->set_stream(chance(80) ? "program" : "cue");
        m.mutable_file()->set_duration_samples(static_cast<std::uint64_t>(between(0, 480000)));
      }
    } else {
      ADD_FAILURE() << "the generator does not know " << name;
    }
  }

  std::mt19937 rng_;
  std::vector<const google::protobuf::FieldDescriptor*> changes_;
};

template <typename T>
bool unique_ids(const google::protobuf::RepeatedPtrField<T>& items, std::set<std::string>& seen) {
  for (const auto& item : items) {
    if (!seen.insert(item.id()).second) {
      return false;
    }
  }
  return true;
}

::testing::AssertionResult invariants_hold(const v1::SessionState& s) {
  std::set<std::string> ids;
  if (!unique_ids(s.songs(), ids) || !unique_ids(s.tracks(), ids) || !unique_ids(s.takes(), ids) ||
      !unique_ids(s.markers(), ids) || !unique_ids(s.comments(), ids)) {
    return ::testing::AssertionFailure() << "duplicate id";
  }
  std::set<std::string> songs;
  for (const auto& song : s.songs()) {
    songs.insert(song.id());
  }
  const auto take_of = [&s](const std::string& id) -> const v1::Take* {
    for (const auto& take : s.takes()) {
      if (take.id() == id) {
        return &take;
      }
    }
    return nullptr;
  };
  int recording = 0;
  std::set<std::pair<std::string, unsigned>> numbers;
  for (const auto& take : s.takes()) {
    if (!songs.contains(take.song_id())) {
      return ::testing::AssertionFailure() << take.id() << " belongs to no song";
    }
    if (!numbers.insert({take.song_id(), take.number()}).second || take.number() == 0) {
      return ::testing::AssertionFailure() << take.id() << " has a duplicate number";
    }
    if (take.recording()) {
      ++recording;
      if (s.transport().recording_take_id() != take.id()) {
        return ::testing::AssertionFailure() << take.id() << " records unseen by the transport";
      }
    } else if (take.end_samples() < take.start_samples()) {
      return ::testing::AssertionFailure() << take.id() << " ends before it starts";
    }
    if (take.rating() > 5 || take.start_samples() < 0) {
      return ::testing::AssertionFailure() << take.id() << " has bad values";
    }
  }
  const auto& transport = s.transport();
  if (recording > 1 || (recording == 1) != !transport.recording_take_id().empty() ||
      (recording == 1) != (transport.mode() == v1::TRANSPORT_MODE_RECORDING)) {
    return ::testing::AssertionFailure() << "recording state disagrees";
  }
  if (!transport.current_song_id().empty() && !songs.contains(transport.current_song_id())) {
    return ::testing::AssertionFailure() << "current song does not exist";
  }
  if (!(transport.tempo_bpm() >= 20 && transport.tempo_bpm() <= 400) ||
      transport.meter().beats_per_bar() < 1 || transport.meter().beats_per_bar() > 64 ||
      transport.position_samples() < 0 ||
      (transport.loop().enabled() &&
       transport.loop().start_samples() >= transport.loop().end_samples())) {
    return ::testing::AssertionFailure() << "transport values out of range";
  }
  for (const auto& song : s.songs()) {
    if (song.picked_take_id().empty()) {
      continue;
    }
    const auto* take = take_of(song.picked_take_id());
    if (take == nullptr || take->song_id() != song.id() || take->recording()) {
      return ::testing::AssertionFailure() << song.id() << " picked a bad take";
    }
  }
  std::set<std::string> markers;
  for (const auto& marker : s.markers()) {
    markers.insert(marker.id());
    if (marker.color().size() != 7 || marker.position_samples() < 0) {
      return ::testing::AssertionFailure() << marker.id() << " has bad values";
    }
  }
  for (const auto& comment : s.comments()) {
    const bool target_exists = comment.target_case() == v1::Comment::kMarkerId
                                   ? markers.contains(comment.marker_id())
                                   : comment.target_case() == v1::Comment::kTakeId &&
                                         take_of(comment.take_id()) != nullptr;
    if (!target_exists || comment.text().empty()) {
      return ::testing::AssertionFailure() << comment.id() << " points nowhere";
    }
  }
  std::set<std::string> talkers;
  for (const auto& channel : s.talkback()) {
    if (!talkers.insert(channel.user_id()).second || channel.user_id().empty() ||
        channel.target() == v1::TALKBACK_TARGET_UNSPECIFIED) {
      return ::testing::AssertionFailure() << "bad talkback channel for " << channel.user_id();
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(reducer_property, random_intents_keep_the_invariants) {
  intent_generator generate(20240611);
  studio s;
  std::map<v1::Intent::ChangeCase, int> accepted;
  constexpr int steps = 8000;
  for (int step = 0; step < steps; ++step) {
    const auto change = generate.next(s.state);
    const auto& who = generate.who();
    const auto version = s.state.version();
    // decide() is a function of its arguments: asking twice gives the same answer.
    const auto first = decide(s.state, change, who, "again", 7);
    const auto second = decide(s.state, change, who, "again", 7);
    ASSERT_EQ(first.index(), second.index());
    auto outcome = s.submit(change, who);
    if (const auto* event = std::get_if<v1::Event>(&outcome)) {
      ASSERT_EQ(deterministic_bytes(std::get<v1::Event>(first)),
                deterministic_bytes(std::get<v1::Event>(second)));
      ++accepted[change.change_case()];
      ASSERT_EQ(s.state.version(), version + 1);
      ASSERT_EQ(event->version(), version + 1);
      ASSERT_TRUE(invariants_hold(s.state)) << "step " << step << ": " << change.ShortDebugString();
    } else {
      ASSERT_EQ(s.state.version(), version);
    }
  }
  // The generator reaches every kind of change, so the run means something.
  const auto* oneof = v1::Intent::descriptor()->FindOneofByName("change");
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto change = static_cast<v1::Intent::ChangeCase>(oneof->field(i)->number());
    EXPECT_GT(accepted[change], 0) << oneof->field(i)->name() << " was never accepted";
  }

  auto replica = initial_state(session_record{"sess", "studio", "Album", 0, 0}, {});
  for (const auto& event : s.log) {
    apply(replica, event);
  }
  EXPECT_EQ(deterministic_bytes(replica), deterministic_bytes(s.state));
}

}  // namespace
}  // namespace controlroom::server
