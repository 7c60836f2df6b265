#pragma once

// Shared by the reducer tests: the people in the room, a session driven
// through decide() and apply() as the server drives it, and protobuf
// comparisons that print a readable difference.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "session/reducer.hpp"

namespace controlroom::server::reducer_testing {

inline const actor engineer{"eng", {role::engineer}};
inline const actor producer{"pro", {role::producer}};
inline const actor artist{"art", {role::artist}};
inline const actor listener{"lis", {role::listener}};
inline const actor server_actor{"", {}};

/// Where a helper was called from, for its failure messages.
/// (std::source_location would do, but clang 14 cannot parse libstdc++'s.)
struct call_site {
  // NOLINTNEXTLINE(google-explicit-constructor): built implicitly from `= {}`.
  call_site(const char* file = __builtin_FILE(), int line = __builtin_LINE())
      : file(file), line(line) {}
  const char* file;
  int line;
};

inline constexpr std::int64_t start_ms = 1'700'000'000'000;

/// Parses text format; a typo in a test fails it instead of sending defaults.
template <typename M>
M parse(const std::string& text, call_site where = {}) {
  M message;
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) {
    ADD_FAILURE_AT(where.file, where.line) << "cannot parse: " << text;
  }
  return message;
}

/// `before`, `bytes` filler bytes, then `after`: a text-format intent with a
/// text field exactly at, or just over, its limit.
inline std::string with_filler(std::string before, std::size_t bytes,
                               std::string_view after = "\" }") {
  before.append(bytes, 'x');
  before += after;
  return before;
}

inline v1::Intent intent(const std::string& text, call_site where = {}) {
  return parse<v1::Intent>(text, where);
}

inline std::string deterministic_bytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

inline void expect_proto_eq(const google::protobuf::Message& actual,
                            const google::protobuf::Message& expected, call_site where = {}) {
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  if (!differencer.Compare(expected, actual)) {
    ADD_FAILURE_AT(where.file, where.line) << "expected -> actual:\n" << differences;
  }
}

/// A session driven the way the server drives it: decide, then apply.
struct studio {
  v1::SessionState state = initial_state(session_record{"sess", "studio", "Album", 0, 0}, {});
  std::vector<v1::Event> log;
  std::int64_t now = start_ms;
  int next_operation = 1;

  std::variant<v1::Event, rejection> submit(const v1::Intent& change, const actor& who) {
    auto outcome = decide(state, change, who, "op" + std::to_string(next_operation++), ++now);
    if (const auto* event = std::get_if<v1::Event>(&outcome)) {
      apply(state, *event);
      log.push_back(*event);
    }
    return outcome;
  }

  /// Submits and expects acceptance; returns the event.
  v1::Event accept(const std::string& text, const actor& who, call_site where = {}) {
    auto outcome = submit(intent(text, where), who);
    if (auto* refused = std::get_if<rejection>(&outcome)) {
      ADD_FAILURE_AT(where.file, where.line) << "refused (" << v1::ErrorCode_Name(refused->code)
                                             << " " << refused->message << "): " << text;
      return {};
    }
    return std::get<v1::Event>(std::move(outcome));
  }

  /// Submits and expects a rejection; the state must not change.
  rejection refuse(const std::string& text, const actor& who, call_site where = {}) {
    const auto before = deterministic_bytes(state);
    auto outcome = submit(intent(text, where), who);
    if (std::holds_alternative<v1::Event>(outcome)) {
      ADD_FAILURE_AT(where.file, where.line) << "accepted: " << text;
      return {v1::ERROR_CODE_UNSPECIFIED, "accepted"};
    }
    if (deterministic_bytes(state) != before) {
      ADD_FAILURE_AT(where.file, where.line) << "a rejection changed the state";
    }
    return std::get<rejection>(std::move(outcome));
  }

  v1::ErrorCode refuse_code(const std::string& text, const actor& who, call_site where = {}) {
    return refuse(text, who, where).code;
  }

  /// Accepts `text` and checks the whole resulting state: the state before,
  /// changed by `change`, with the version advanced by one.
  template <typename Change>
  v1::Event expect_change(const std::string& text, const actor& who, Change change,
                          call_site where = {}) {
    v1::SessionState expected = state;
    change(expected);
    expected.set_version(state.version() + 1);
    auto event = accept(text, who, where);
    expect_proto_eq(state, expected, where);
    return event;
  }
};

/// A session with a setlist, recorded takes, a marker and comments:
///   s1 "Intro", s2 "Verse", s3 "Outro"     (v1..v3, by the producer)
///   s1 selected                            (v4)
///   tk5 take 1 of s1, 0..48000             (recorded v5, stopped v6)
///   tk7 take 2 of s1, 96000..144000        (recorded v7, stopped v8)
///   m9  marker at 24000 by the producer
///   c10 the producer's comment on m9
///   c11 the artist's comment on tk5
/// Transport stopped at 144000, version 11.
inline studio recorded_studio() {
  studio s;
  s.accept(R"pb(add_song { title: "Intro" index: -1 })pb", producer);
  s.accept(R"pb(add_song { title: "Verse" index: -1 })pb", producer);
  s.accept(R"pb(add_song { title: "Outro" index: -1 })pb", producer);
  s.accept(R"pb(select_song { song_id: "s1" })pb", engineer);
  s.accept(R"pb(record { position_samples: 0 })pb", engineer);
  s.accept(R"pb(stop { position_samples: 48000 })pb", engineer);
  s.accept(R"pb(record { position_samples: 96000 })pb", engineer);
  s.accept(R"pb(stop { position_samples: 144000 })pb", engineer);
  s.accept(R"pb(add_marker { position_samples: 24000 label: "vocal pitchy" })pb", producer);
  s.accept(R"pb(add_comment { marker_id: "m9" text: "retune" })pb", producer);
  s.accept(R"pb(add_comment { take_id: "tk5" text: "felt good" })pb", artist);
  return s;
}

}  // namespace controlroom::server::reducer_testing
