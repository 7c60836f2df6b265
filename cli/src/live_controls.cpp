#include "live_controls.hpp"

#include <cerrno>
#include <cstdio>
#include <poll.h>
#include <unistd.h>

namespace controlroom::cli {

namespace {

// A line longer than this is not a command: it is dropped, not buffered
// without end.
constexpr std::size_t max_line = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

live_command command(live_action a, int stars = 0, std::string label = {}) {
  live_command c;
  c.action = a;
  c.stars = stars;
  c.label = std::move(label);
  return c;
}

}  // namespace

const char* const live_keys_help =
    "keys: m marker at what you hear · t talkback on/off · hold space to talk · "
    "1-5 rate the take (0 unrates) · q quit";
const char* const live_lines_help = "commands: marker [LABEL] · talk on|off · rate N · quit";

std::optional<live_command> command_for_key(char key) {
  switch (key) {
    case 'm':
    case 'M':
      return command(live_action::marker);
    case 't':
    case 'T':
      return command(live_action::talk_toggle);
    case ' ':
      return command(live_action::talk_hold);
    case 'q':
    case 'Q':
      return command(live_action::quit);
    case '?':
    case 'h':
      return command(live_action::help);
    default:
      if (key >= '0' && key <= '5') {
        return command(live_action::rate, key - '0');
      }
      return std::nullopt;
  }
}

std::optional<live_command> parse_command_line(std::string_view line, std::string& error) {
  line = trim(line);
  if (line.empty() || line.front() == '#') {
    return std::nullopt;
  }
  const auto space = line.find_first_of(" \t");
  const auto verb = line.substr(0, space);
  const auto rest = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
  if (verb == "marker" || verb == "m") {
    return command(live_action::marker, 0, std::string(rest));
  }
  if (verb == "talk" || verb == "talkback") {
    if (rest == "on") {
      return command(live_action::talk_on);
    }
    if (rest == "off") {
      return command(live_action::talk_off);
    }
    error = "talk wants on or off, got '" + std::string(rest) + "'";
    return std::nullopt;
  }
  if (verb == "rate") {
    if (rest.size() == 1 && rest[0] >= '0' && rest[0] <= '5') {
      return command(live_action::rate, rest[0] - '0');
    }
    error = "rate wants 0 to 5 stars, got '" + std::string(rest) + "'";
    return std::nullopt;
  }
  if (verb == "quit" || verb == "q") {
    return command(live_action::quit);
  }
  if (verb == "help") {
    return command(live_action::help);
  }
  error = "unknown command '" + std::string(verb) + "'";
  return std::nullopt;
}

live_controls::live_controls(bool enabled) : enabled_(enabled) {
  if (!enabled_ || isatty(STDIN_FILENO) != 1) {
    return;
  }
  // In a background job, touching the terminal would stop the process
  // (SIGTTOU, SIGTTIN): no keys there.
  if (tcgetpgrp(STDIN_FILENO) != getpgrp() || tcgetattr(STDIN_FILENO, &saved_) != 0) {
    enabled_ = false;
    return;
  }
  termios raw = saved_;
  // Keys as they are typed, not echoed; ISIG stays on so that Ctrl-C still
  // interrupts (and the destructor still runs on the way out).
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

live_controls::~live_controls() {
  if (raw_) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
}

std::vector<live_command> live_controls::poll() {
  std::vector<live_command> out;
  if (!enabled_ || eof_) {
    return out;
  }
  for (;;) {
    pollfd p{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return out;
    }
    if ((p.revents & POLLNVAL) != 0) {
      eof_ = true;  // no stdin at all
      return out;
    }
    char buf[512];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      eof_ = !raw_;  // a terminal with nothing typed reads 0 too
      return out;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (raw_) {
        if (auto c = command_for_key(buf[i])) {
          out.push_back(std::move(*c));
        }
        continue;
      }
      if (buf[i] != '\n') {
        if (pending_.size() < max_line) {
          pending_.push_back(buf[i]);
        }
        continue;
      }
      std::string error;
      if (auto c = parse_command_line(pending_, error)) {
        out.push_back(std::move(*c));
      } else if (!error.empty()) {
        std::fprintf(stderr, "controlroom: %s (%s)\n", error.c_str(), live_lines_help);
      }
      pending_.clear();
    }
  }
}

}  // namespace controlroom::cli
