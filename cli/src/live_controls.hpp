#pragma once

// What a person (or a script) does while `join` runs: drop a marker, talk,
// rate the take, quit. On a terminal each key is a command (the terminal
// is put in non-canonical, no-echo mode and restored on destruction, which
// the Ctrl-C path reaches too: SIGINT only sets a flag). When stdin is a
// pipe or a file, each line is a command, so scripts and tests can drive a
// joined session.
//
// Threads: one application thread makes it, polls it and destroys it.

#include <optional>
#include <string>
#include <string_view>
#include <termios.h>
#include <vector>

namespace controlroom::cli {

enum class live_action {
  marker,       ///< a marker at the heard position, with `label`
  talk_on,      ///< talkback open until talk_off (latched)
  talk_off,     ///< talkback closed
  talk_toggle,  ///< latched talkback on if off, off if on
  talk_hold,    ///< momentary talkback: open while these keep coming
  rate,         ///< rate the current take `stars` (0..5)
  quit,
  help,
};

struct live_command {
  live_action action = live_action::help;
  std::string label;
  int stars = 0;
};

/// One key of the terminal key map; nullopt for keys without a meaning.
std::optional<live_command> command_for_key(char key);
/// One line of the stdin command language; nullopt and `error` set for a
/// line that is not one (empty lines and # comments: nullopt, no error).
std::optional<live_command> parse_command_line(std::string_view line, std::string& error);

/// The key map and the line commands, for help texts.
extern const char* const live_keys_help;
extern const char* const live_lines_help;

class live_controls {
 public:
  /// Reads nothing unless `enabled`.
  explicit live_controls(bool enabled);
  ~live_controls();
  live_controls(const live_controls&) = delete;
  live_controls& operator=(const live_controls&) = delete;

  /// stdin is a terminal in key mode.
  bool keys() const noexcept { return raw_; }
  /// Never blocks: the commands that arrived since the last call. A bad
  /// line is reported on stderr and skipped; the end of stdin ends reading
  /// (it does not quit: `join` goes on until quit, --seconds or Ctrl-C).
  std::vector<live_command> poll();

 private:
  bool enabled_;
  bool raw_ = false;
  bool eof_ = false;
  termios saved_{};
  std::string pending_;  // a line not yet complete
};

}  // namespace controlroom::cli
