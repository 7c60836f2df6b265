// One-shot session commands over the control plane: each connects, joins,
// submits one or a few intents, prints the result and leaves. Producer
// actions (marker, comment, rate, pick, songs) and session management
// (create with a schedule, schedule, show).

#include <cstdio>
#include <ctime>

#include <boost/json.hpp>

#include "cli_error.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "state_json.hpp"

namespace controlroom::cli {

namespace {

struct session_target {
  connection_options conn;
  std::string session;
  std::vector<std::string> roles;
};

CLI::App* add_session_command(CLI::App& app, const std::string& name, const std::string& help,
                              session_target& t) {
  auto* cmd = app.add_subcommand(name, help);
  add_connection_options(cmd, t.conn);
  cmd->add_option("session", t.session, "session id (UUID)")->required();
  cmd->add_option("--role", t.roles, "act with this role (repeatable; default: all of yours)");
  return cmd;
}

std::unique_ptr<controlroom::client> join(const session_target& t) {
  auto c = connect_client(t.conn, "controlroom-cli/0.1", t.session);
  std::vector<role> roles;
  for (const auto& r : t.roles) {
    roles.push_back(parse_role(r));
  }
  checked(c->join(t.session, roles), "join session " + t.session);
  return c;
}

// Prints `{"<key>":"<prefix><version>","version":N}` or a line for people.
void print_created(const connection_options& conn, const std::string& key, const std::string& id,
                   std::uint64_t version) {
  if (conn.json) {
    std::printf(
        "%s\n",
        boost::json::serialize(boost::json::object{{key, id}, {"version", version}}).c_str());
  } else {
    std::printf("%s %s (version %llu)\n", key.c_str(), id.c_str(),
                static_cast<unsigned long long>(version));
  }
}

std::int64_t parse_time(const std::string& s) {
  // Unix milliseconds, or an ISO 8601 UTC time (2025-01-31T14:00:00Z).
  if (s.find_first_not_of("0123456789") == std::string::npos && !s.empty()) {
    return std::stoll(s);
  }
  std::tm tm{};
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
    throw cli_error("--at wants unix milliseconds or YYYY-MM-DDTHH:MM:SSZ, got '" + s + "'",
                    exit_usage);
  }
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

void add_marker_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto at = std::make_shared<double>(0);
  auto label = std::make_shared<std::string>();
  auto color = std::make_shared<std::string>();
  auto* cmd = add_session_command(
      app, "marker", "place a marker at a timeline position (while joined: join --marker)", *t);
  cmd->add_option("--at", *at, "timeline position in seconds")->required();
  cmd->add_option("--label", *label, "what the marker says");
  cmd->add_option("--color", *color, "#rrggbb");
  cmd->callback([=] {
    auto c = join(*t);
    auto v =
        checked(c->submit(add_marker{
                    .position_samples = seconds_to_samples(*at), .label = *label, .color = *color}),
                "add marker");
    print_created(t->conn, "marker", "m" + std::to_string(v), v);
  });
}

void add_comment_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto c_marker = std::make_shared<std::string>();
  auto c_take = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto* cmd = add_session_command(app, "comment", "comment on a marker or a take", *t);
  auto* m = cmd->add_option("--marker", *c_marker, "marker id (m42)");
  auto* k = cmd->add_option("--take", *c_take, "take id (tk12)");
  m->excludes(k);
  cmd->add_option("text", *text, "the comment")->required();
  cmd->callback([=] {
    if (c_marker->empty() == c_take->empty()) {
      throw cli_error("comment needs exactly one of --marker and --take", exit_usage);
    }
    auto c = join(*t);
    auto v =
        checked(c->submit(add_comment{.marker_id = *c_marker, .take_id = *c_take, .text = *text}),
                "add comment");
    print_created(t->conn, "comment", "c" + std::to_string(v), v);
  });
}

void add_rate_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto take = std::make_shared<std::string>();
  auto stars = std::make_shared<unsigned>(0);
  auto* cmd = add_session_command(app, "rate", "rate a take, 0 (unrated) to 5 stars", *t);
  cmd->add_option("take", *take, "take id (tk12)")->required();
  cmd->add_option("stars", *stars, "0..5")->required()->check(CLI::Range(0, 5));
  cmd->callback([=] {
    auto c = join(*t);
    auto v = checked(c->submit(rate_take{.take_id = *take, .rating = *stars}), "rate take");
    print_created(t->conn, "take", *take, v);
  });
}

void add_pick_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto take = std::make_shared<std::string>();
  auto* cmd = add_session_command(app, "pick", "pick a take: the one that makes the record", *t);
  cmd->add_option("take", *take, "take id (tk12)")->required();
  cmd->callback([=] {
    auto c = join(*t);
    auto v = checked(c->submit(pick_take{.take_id = *take}), "pick take");
    print_created(t->conn, "picked", *take, v);
  });
}

void add_songs_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto set = std::make_shared<std::vector<std::string>>();
  auto add = std::make_shared<std::vector<std::string>>();
  auto* cmd = add_session_command(app, "songs", "list the song list, add songs, or set it", *t);
  cmd->add_option("--add", *add, "append a song with this title (repeatable)");
  cmd->add_option("--set", *set,
                  "make the song list exactly these titles, in order: songs not named are "
                  "removed (with their takes), missing ones added")
      ->delimiter(',');
  cmd->callback([=] {
    auto c = join(*t);
    if (!set->empty()) {
      for (const auto& s : c->state().songs) {
        if (std::find(set->begin(), set->end(), s.title) == set->end()) {
          checked(c->submit(remove_song{.song_id = s.id}), "remove song '" + s.title + "'");
        }
      }
      for (int i = 0; i < static_cast<int>(set->size()); ++i) {
        std::string id;
        for (const auto& s : c->state().songs) {
          if (s.title == (*set)[i]) {
            id = s.id;
          }
        }
        if (id.empty()) {
          checked(c->submit(add_song{.title = (*set)[i], .index = i}), "add song");
        } else {
          checked(c->submit(move_song{.song_id = id, .index = i}), "move song");
        }
      }
    }
    for (const auto& title : *add) {
      checked(c->submit(add_song{.title = title, .index = {}}), "add song '" + title + "'");
    }
    print_songs(c->state(), t->conn.json);
  });
}

void add_show_command(CLI::App& app) {
  auto t = std::make_shared<session_target>();
  auto* cmd = add_session_command(
      app, "show", "the session's state: songs, takes, markers, comments, who is invited", *t);
  cmd->callback([=] {
    auto c = join(*t);
    print_state(c->state(), t->conn.json);
  });
}

void add_session_create_commands(CLI::App& app) {
  auto* group = app.add_subcommand("session", "create and schedule sessions");
  group->require_subcommand(1);
  auto conn = std::make_shared<connection_options>();
  auto opts = std::make_shared<session_options>();
  auto at = std::make_shared<std::string>();
  auto members = std::make_shared<std::vector<std::string>>();
  auto* create = group->add_subcommand("create", "create a session; you become its engineer");
  add_connection_options(create, *conn);
  create->add_option("--title", opts->title, "the session's title")->required();
  create->add_option("--studio", opts->studio_id, "studio id (default: the server's)");
  auto creator_roles = std::make_shared<std::vector<std::string>>();
  create->add_option("--at", *at, "scheduled start: unix ms or YYYY-MM-DDTHH:MM:SSZ");
  create->add_option("--roles", *creator_roles, "your roles in it (default: engineer)")
      ->delimiter(',');
  create->add_option("--member", *members,
                     "USER_ID=ROLE[+ROLE]: invite an existing user (repeatable)");
  create->callback([=] {
    auto o = *opts;
    for (const auto& r : *creator_roles) {
      o.creator_roles.push_back(parse_role(r));
    }
    if (!at->empty()) {
      o.scheduled_start_unix_ms = parse_time(*at);
    }
    for (const auto& m : *members) {
      auto eq = m.find('=');
      if (eq == std::string::npos) {
        throw cli_error("--member wants USER_ID=ROLE[+ROLE], got '" + m + "'", exit_usage);
      }
      invitee inv{.user_id = m.substr(0, eq), .roles = {}};
      std::string roles = m.substr(eq + 1);
      for (std::size_t p = 0; p <= roles.size();) {
        auto plus = roles.find('+', p);
        inv.roles.push_back(parse_role(roles.substr(p, plus - p)));
        p = plus == std::string::npos ? roles.size() + 1 : plus + 1;
      }
      o.invitees.push_back(std::move(inv));
    }
    auto c = connect_client(*conn, "controlroom-cli/0.1");
    auto s = checked(c->create_session(o), "create session");
    print_session(s, conn->json);
  });

  auto t = std::make_shared<session_target>();
  auto when = std::make_shared<std::string>();
  auto* schedule = add_session_command(*group, "schedule", "set when a session is planned", *t);
  schedule->add_option("--at", *when, "unix ms or YYYY-MM-DDTHH:MM:SSZ; 0: unscheduled")
      ->required();
  schedule->callback([=] {
    auto c = join(*t);
    auto v = checked(c->submit(set_planned_start{.planned_start_unix_ms = parse_time(*when)}),
                     "schedule session");
    print_created(t->conn, "session", t->session, v);
  });
}

void add_whoami_command(CLI::App& app) {
  auto conn = std::make_shared<connection_options>();
  auto* cmd = app.add_subcommand("whoami", "the user the token authenticates");
  add_connection_options(cmd, *conn);
  cmd->callback([=] {
    auto c = connect_client(*conn, "controlroom-cli/0.1");
    const auto& me = c->me();
    if (conn->json) {
      std::printf("%s\n",
                  boost::json::serialize(
                      boost::json::object{{"id", me.id}, {"name", me.name}, {"admin", me.admin}})
                      .c_str());
    } else {
      std::printf("%s (%s)%s\n", me.name.c_str(), me.id.c_str(), me.admin ? " admin" : "");
    }
  });
}

}  // namespace

void add_session_commands(CLI::App& app) {
  add_whoami_command(app);
  add_marker_command(app);
  add_comment_command(app);
  add_rate_command(app);
  add_pick_command(app);
  add_songs_command(app);
  add_show_command(app);
  add_session_create_commands(app);
}

}  // namespace controlroom::cli
