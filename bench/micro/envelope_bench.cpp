// The control plane's protobuf envelopes: a client's SubmitIntent (decoded
// by the server per intent), the SessionEvent broadcast (encoded once per
// event, decoded by every replica), and a MediaFrame of the WebSocket
// fallback (one per packet per receiver).

#include <string>

#include <benchmark/benchmark.h>

#include "controlroom/v1/control.pb.h"

namespace {

namespace v1 = controlroom::v1;

v1::ClientEnvelope submit_marker() {
  v1::ClientEnvelope env;
  env.set_request_id(42);
  auto* submit = env.mutable_submit_intent();
  submit->set_operation_id("0f3c9a7e-5b61-4d2a-9c1e-7a3b2f6d8e90");
  auto* m = submit->mutable_intent()->mutable_add_marker();
  m->set_position_samples(5'292'000);
  m->set_label("pitchy on 'home'");
  m->set_color("#ffcc00");
  return env;
}

v1::ServerEnvelope session_event() {
  v1::ServerEnvelope env;
  auto* se = env.mutable_session_event();
  se->set_session_id("5e0c2f1a-8d3b-4c6e-9f7a-1b2c3d4e5f60");
  auto* e = se->mutable_event();
  e->set_version(43);
  e->set_operation_id("0f3c9a7e-5b61-4d2a-9c1e-7a3b2f6d8e90");
  e->set_author_user_id("9b1d4e2f-3a5c-4b7d-8e9f-0a1b2c3d4e5f");
  e->set_at_unix_ms(1'700'000'000'000);
  *e->mutable_intent() = submit_marker().submit_intent().intent();
  return env;
}

template <class Message>
void encode(benchmark::State& s, const Message& m) {
  std::string bytes;
  for (auto _ : s) {
    bytes.clear();
    m.SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
  }
  s.SetItemsProcessed(s.iterations());
  s.counters["bytes"] = static_cast<double>(bytes.size());
}

template <class Message>
void decode(benchmark::State& s, const Message& m) {
  const auto bytes = m.SerializeAsString();
  Message out;
  for (auto _ : s) {
    if (!out.ParseFromString(bytes)) {
      s.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  s.SetItemsProcessed(s.iterations());
}

void BM_envelope_encode_submit_intent(benchmark::State& s) {
  encode(s, submit_marker());
}
void BM_envelope_decode_submit_intent(benchmark::State& s) {
  decode(s, submit_marker());
}
void BM_envelope_encode_session_event(benchmark::State& s) {
  encode(s, session_event());
}
void BM_envelope_decode_session_event(benchmark::State& s) {
  decode(s, session_event());
}

v1::ServerEnvelope media_frame() {
  v1::ServerEnvelope env;
  env.mutable_media_frame()->set_datagram(std::string(354, '\x5a'));
  return env;
}
void BM_envelope_encode_media_frame(benchmark::State& s) {
  encode(s, media_frame());
}
void BM_envelope_decode_media_frame(benchmark::State& s) {
  decode(s, media_frame());
}

BENCHMARK(BM_envelope_encode_submit_intent);
BENCHMARK(BM_envelope_decode_submit_intent);
BENCHMARK(BM_envelope_encode_session_event);
BENCHMARK(BM_envelope_decode_session_event);
BENCHMARK(BM_envelope_encode_media_frame);
BENCHMARK(BM_envelope_decode_media_frame);

}  // namespace
