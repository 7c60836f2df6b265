// The state reducer on a session the size of a long day's work: ~1000
// markers. decide() + apply() is what the server runs per intent (on the
// owning network worker) and what every replica runs per event.

#include <benchmark/benchmark.h>

#include "controlroom/state/reducer.hpp"

namespace {

namespace v1 = controlroom::v1;
using controlroom::state::actor;
using controlroom::state::role;

constexpr int markers = 1000;

const actor& producer() {
  static const actor a{"user-producer", {role::engineer, role::producer}};
  return a;
}

v1::Event accept(v1::SessionState& state, const v1::Intent& intent, std::int64_t n) {
  auto decided = controlroom::state::decide(state, intent, producer(), "op-" + std::to_string(n),
                                            1'700'000'000'000 + n);
  auto* event = std::get_if<v1::Event>(&decided);
  if (event == nullptr) {
    throw std::runtime_error(std::get<controlroom::state::rejection>(decided).message);
  }
  controlroom::state::apply(state, *event);
  return *event;
}

v1::Intent add_marker(std::int64_t position) {
  v1::Intent intent;
  auto* m = intent.mutable_add_marker();
  m->set_position_samples(position);
  m->set_label("pitchy on 'home', bar " + std::to_string(position / 96'000));
  m->set_color("#ffcc00");
  return intent;
}

v1::SessionState session_with_markers(std::vector<std::string>& ids) {
  v1::SessionState state;
  for (int i = 0; i < markers; ++i) {
    accept(state, add_marker(std::int64_t{i} * 48'000), i);
    ids.push_back(state.markers(state.markers_size() - 1).id());
  }
  return state;
}

// A marker added and removed again: the state stays at ~1000 markers.
void BM_reducer_add_remove_marker(benchmark::State& s) {
  std::vector<std::string> ids;
  auto state = session_with_markers(ids);
  std::int64_t n = markers;
  for (auto _ : s) {
    accept(state, add_marker(n * 48'000), n);
    v1::Intent remove;
    remove.mutable_remove_marker()->set_marker_id(state.markers(state.markers_size() - 1).id());
    accept(state, remove, n + 1);
    n += 2;
  }
  s.SetItemsProcessed(s.iterations() * 2);
  s.counters["markers"] = static_cast<double>(state.markers_size());
}
BENCHMARK(BM_reducer_add_remove_marker);

// The producer relabels a marker in the middle of the timeline.
void BM_reducer_update_marker(benchmark::State& s) {
  std::vector<std::string> ids;
  auto state = session_with_markers(ids);
  std::int64_t n = markers;
  v1::Intent update;
  update.mutable_update_marker()->set_marker_id(ids[ids.size() / 2]);
  for (auto _ : s) {
    update.mutable_update_marker()->set_label(n % 2 == 0 ? "flat" : "sharp");
    accept(state, update, n++);
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_reducer_update_marker);

// decide() alone: the permission and reference checks of a marker update.
void BM_reducer_decide_only(benchmark::State& s) {
  std::vector<std::string> ids;
  const auto state = session_with_markers(ids);
  v1::Intent update;
  update.mutable_update_marker()->set_marker_id(ids[ids.size() / 2]);
  update.mutable_update_marker()->set_label("flat");
  for (auto _ : s) {
    auto decided = controlroom::state::decide(state, update, producer(), "op-x", 1'700'000'000'000);
    benchmark::DoNotOptimize(decided);
  }
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_reducer_decide_only);

}  // namespace
