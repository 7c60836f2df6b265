#pragma once

/// @file
/// Plain values the SDK hands to and receives from the application.
///
/// All types here are regular values: copyable, no hidden sharing, no thread
/// affinity. They mirror `controlroom.v1` messages without exposing protobuf.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace controlroom {

/// What a person may do in a session. A person may hold several roles.
enum class role {
  engineer = 1,  ///< runs transport, tracks, recording
  producer,      ///< directs: songs, takes, markers, comments, talkback
  artist,        ///< performs, hears cue, talks back
  listener,      ///< only listens
};

/// The role's name in lower case ("engineer", ...); "unknown" for a value
/// outside the enumeration. Thread-safe; the view points at static storage.
std::string_view to_string(role r) noexcept;

/// A person known to the server.
struct user {
  std::string id;      ///< UUID
  std::string name;    ///< display name
  bool admin = false;  ///< admins may join any session
};

/// Someone present in a live session. One person connected twice is two
/// participants with the same `who.id`.
struct participant {
  std::string id;           ///< the participant's connection id
  user who;                 ///< the person behind the connection
  std::vector<role> roles;  ///< the roles this participant acts with
};

/// A session as stored by the server.
struct session_info {
  std::string id;                            ///< UUID
  std::string studio_id;                     ///< the studio hosting it
  std::string title;                         ///< human readable
  std::int64_t scheduled_start_unix_ms = 0;  ///< 0: unscheduled
  std::int64_t created_unix_ms = 0;          ///< when the server created it
};

/// A further member of a new session.
struct invitee {
  std::string user_id;      ///< UUID of an existing user
  std::vector<role> roles;  ///< the roles the invitee may act with
};

/// What client::create_session() creates.
struct session_options {
  std::string title;                         ///< 1..200 bytes of UTF-8
  std::string studio_id;                     ///< empty: the server's default studio
  std::int64_t scheduled_start_unix_ms = 0;  ///< 0: unscheduled
  std::vector<role> creator_roles;           ///< the caller's roles; empty: engineer
  std::vector<invitee> invitees;             ///< further members and their roles
};

/// What client::join() returns: the session and who is in it.
struct joined_session {
  session_info session;                   ///< the joined session
  participant self;                       ///< this connection, as others see it
  std::vector<participant> participants;  ///< everyone present, self included
};

/// Someone arrived in or left the session this client is in.
struct presence_event {
  /// Which way they went.
  enum class change { joined, left };

  change what = change::joined;  ///< arrived or left
  std::string session_id;        ///< the session concerned
  participant who;               ///< who arrived or left
};

}  // namespace controlroom
