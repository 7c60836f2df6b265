#include "presence_roster.hpp"

#include <algorithm>

namespace controlroom::detail {
namespace {

bool contains(const std::vector<participant>& list, const std::string& id) {
  return std::any_of(list.begin(), list.end(), [&](const participant& p) { return p.id == id; });
}

}  // namespace

void presence_roster::reset(std::vector<participant> present) {
  present_ = std::move(present);
}

void presence_roster::apply(const presence_event& event) {
  std::erase_if(present_, [&](const participant& p) { return p.id == event.who.id; });
  if (event.what == presence_event::change::joined)
    present_.push_back(event.who);
}

std::vector<presence_event> presence_roster::replace(const std::string& session_id,
                                                     std::vector<participant> present) {
  std::vector<presence_event> changes;
  for (const auto& before : present_) {
    if (!contains(present, before.id))
      changes.push_back({presence_event::change::left, session_id, before});
  }
  for (const auto& now : present) {
    if (!contains(present_, now.id))
      changes.push_back({presence_event::change::joined, session_id, now});
  }
  present_ = std::move(present);
  return changes;
}

}  // namespace controlroom::detail
