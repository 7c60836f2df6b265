#pragma once

// A live session: who is present and the fan-out of what they must hear
// about each other. One room lives on one worker (its owner) and is touched
// only from that worker's thread, so it takes no locks.

#include <map>
#include <memory>
#include <string>

#include "control/envelope_codec.hpp"
#include "control/peer.hpp"
#include "domain/records.hpp"

namespace controlroom::server {

struct participant_entry {
  std::string id;  // the connection id
  user_record user;
  role_set roles;
  std::weak_ptr<peer> connection;
};

class room {
 public:
  explicit room(session_record session) : session_(std::move(session)) {}

  const session_record& session() const { return session_; }
  std::size_t size() const { return participants_.size(); }
  bool empty() const { return participants_.empty(); }
  const std::map<std::string, participant_entry>& participants() const { return participants_; }

  /// Adds `p`, tells everyone else, and returns the Joined reply for `p`.
  v1::Joined add(participant_entry p);
  /// Removes a participant and tells the others. False if not present.
  bool remove(const std::string& participant_id);
  /// Sends one frame to every participant except `except_id`.
  void broadcast(const frame_ptr& frame, const std::string& except_id = {});

 private:
  v1::Participant describe(const participant_entry& p) const;
  frame_ptr presence_frame(v1::Presence::Change change, const participant_entry& p) const;

  session_record session_;
  std::map<std::string, participant_entry> participants_;  // by id; ordered for stable output
};

}  // namespace controlroom::server
