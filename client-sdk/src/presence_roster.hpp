#pragma once

// Who is present in the joined session, as far as this client has been
// told: the Joined reply's list, then presence events. After a resume the
// difference between the list before the drop and the new Joined list is
// what the application missed. Pure; one thread at a time.

#include <string>
#include <vector>

#include "controlroom/types.hpp"

namespace controlroom::detail {

class presence_roster {
 public:
  /// Starts over with the participants of a fresh join.
  void reset(std::vector<participant> present);

  /// Follows one presence event.
  void apply(const presence_event& event);

  /// Replaces the roster with `present` and returns the events that turn the
  /// old roster into it: departures first, then arrivals, each in roster order.
  std::vector<presence_event> replace(const std::string& session_id,
                                      std::vector<participant> present);

  const std::vector<participant>& present() const { return present_; }

 private:
  std::vector<participant> present_;  // in arrival order, keyed by participant id
};

}  // namespace controlroom::detail
