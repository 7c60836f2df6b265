// Admin commands over the server's HTTP API (docs/protocol.md §8.1): users,
// their tokens, studios and the session list. Each prints the server's JSON
// with --json, a line per item otherwise. Invites are in invite_commands.cpp.

#include <cstdio>

#include <boost/json.hpp>

#include "admin_output.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "http_client.hpp"

namespace controlroom::cli {

namespace {

using boost::json::object;

// A subcommand that talks to the API: URL, --token, --json, and then runs
// one request whose answer `print` shows to people.
template <class Run>
CLI::App* add_api_command(CLI::App& group, const std::string& name, const std::string& help,
                          Run run) {
  auto conn = std::make_shared<connection_options>();
  auto* cmd = group.add_subcommand(name, help);
  add_connection_options(cmd, *conn);
  cmd->callback([conn, run] {
    http_client http(server_of(*conn), conn->token);
    run(http, *conn);
  });
  return cmd;
}

std::string user_path(const std::string& user) {
  return "/api/v1/users/" + user;
}

void add_users_commands(CLI::App& app) {
  auto* group = app.add_subcommand("users", "manage users (admin)");
  group->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  auto admin = std::make_shared<bool>(false);
  auto* create =
      add_api_command(*group, "create", "create a user", [=](http_client& h, const auto& c) {
        const boost::json::value body = object{{"name", *name}, {"admin", *admin}};
        show(c.json, h.json("POST", "/api/v1/users", &body), print_user);
      });
  create->add_option("name", *name, "the user's name (unique)")->required();
  create->add_flag("--admin", *admin, "make them an admin");

  add_api_command(*group, "list", "list every user", [](http_client& h, const auto& c) {
    show(c.json, h.json("GET", "/api/v1/users"), [](const boost::json::value& v) {
      for (const auto& u : v.at("users").as_array()) {
        print_user(u);
      }
    });
  });

  for (const char* verb : {"show", "disable", "delete"}) {
    auto user = std::make_shared<std::string>();
    const std::string help = std::string(verb) == "show"      ? "one user (\"me\": yourself)"
                             : std::string(verb) == "disable" ? "disable a user: every token of "
                                                                "theirs stops working"
                                                              : "delete a user and their tokens";
    auto* cmd = add_api_command(*group, verb, help, [=](http_client& h, const auto& c) {
      const std::string v = verb;
      if (v == "show") {
        show(c.json, h.json("GET", user_path(*user)), print_user);
      } else if (v == "disable") {
        show(c.json, h.json("POST", user_path(*user) + "/disable"), print_user);
      } else {
        show(c.json, h.json("DELETE", user_path(*user)), [](const boost::json::value& r) {
          std::printf("deleted %s\n", r.at("deleted").as_string().c_str());
        });
      }
    });
    cmd->add_option("user", *user, "user id (UUID, or me)")->required();
  }
}

void add_tokens_commands(CLI::App& app) {
  auto* group = app.add_subcommand(
      "tokens", "issue, list and revoke API tokens (yours; anyone's for an admin)");
  group->require_subcommand(1);

  auto user = std::make_shared<std::string>("me");
  auto label = std::make_shared<std::string>();
  auto expires = std::make_shared<std::int64_t>(0);
  auto* issue = add_api_command(
      *group, "issue", "issue a token (its secret is shown once)",
      [=](http_client& h, const auto& c) {
        object o{{"label", *label}};
        if (*expires > 0) {
          o["expires_in_seconds"] = *expires;
        }
        const boost::json::value body = o;
        show(c.json, h.json("POST", user_path(*user) + "/tokens", &body),
             [](const boost::json::value& t) {
               std::printf("%s\n", t.at("token").as_string().c_str());
               std::fprintf(stderr, "token %s issued; the secret above is shown only once\n",
                            t.at("id").as_string().c_str());
             });
      });
  issue->add_option("--user", *user, "for this user id (default: me)");
  issue->add_option("--label", *label, "what it is for (\"laptop\")");
  issue->add_option("--expires", *expires, "lifetime in seconds (default: never expires)")
      ->check(CLI::NonNegativeNumber);

  auto list_user = std::make_shared<std::string>("me");
  auto* list = add_api_command(*group, "list", "list tokens (never their secrets)",
                               [=](http_client& h, const auto& c) {
                                 show(c.json, h.json("GET", user_path(*list_user) + "/tokens"),
                                      [](const boost::json::value& v) {
                                        for (const auto& t : v.at("tokens").as_array()) {
                                          print_token(t);
                                        }
                                      });
                               });
  list->add_option("--user", *list_user, "this user's (default: me)");

  auto id = std::make_shared<std::string>();
  auto* revoke = add_api_command(
      *group, "revoke", "revoke a token by its id", [=](http_client& h, const auto& c) {
        show(c.json, h.json("DELETE", "/api/v1/tokens/" + *id), [](const boost::json::value& r) {
          std::printf("revoked %s\n", r.at("revoked").as_string().c_str());
        });
      });
  revoke->add_option("id", *id, "token id (UUID), from `tokens list`")->required();
}

void add_studios_commands(CLI::App& app) {
  auto* group = app.add_subcommand("studios", "create (admin) and list studios");
  group->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto* create =
      add_api_command(*group, "create", "create a studio", [=](http_client& h, const auto& c) {
        const boost::json::value body = object{{"name", *name}};
        show(c.json, h.json("POST", "/api/v1/studios", &body), print_studio);
      });
  create->add_option("name", *name, "the studio's name (unique)")->required();
  add_api_command(*group, "list", "list studios", [](http_client& h, const auto& c) {
    show(c.json, h.json("GET", "/api/v1/studios"), [](const boost::json::value& v) {
      for (const auto& s : v.at("studios").as_array()) {
        print_studio(s);
      }
    });
  });
}

void add_sessions_commands(CLI::App& app) {
  auto* group = app.add_subcommand(
      "sessions", "list sessions (an admin's: all; yours otherwise); create: `session create`");
  group->require_subcommand(1);
  auto studio = std::make_shared<std::string>();
  auto* list = add_api_command(
      *group, "list", "list sessions, newest first", [=](http_client& h, const auto& c) {
        std::string target = "/api/v1/sessions";
        if (!studio->empty()) {
          target += "?studio_id=" + *studio;
        }
        show(c.json, h.json("GET", target), [](const boost::json::value& v) {
          for (const auto& s : v.at("sessions").as_array()) {
            print_session_row(s);
          }
        });
      });
  list->add_option("--studio", *studio, "only this studio's (UUID)");
}

}  // namespace

void add_admin_commands(CLI::App& app) {
  add_users_commands(app);
  add_tokens_commands(app);
  add_studios_commands(app);
  add_sessions_commands(app);
  add_invite_commands(app);
}

}  // namespace controlroom::cli
