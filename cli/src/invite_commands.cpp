// `invites`: create, list and revoke a session's invites (its engineers and
// admins), and redeem one (anyone: without --token, as a new guest whose
// token is printed).

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

struct invite_options {
  connection_options conn;
  std::string session;
  std::string role;
  std::int64_t expires = 0;
  std::int64_t uses = 1;
  std::string label;
};

void add_create(CLI::App& group) {
  auto o = std::make_shared<invite_options>();
  auto* cmd = group.add_subcommand("create", "create an invite (its code is shown once)");
  add_connection_options(cmd, o->conn);
  cmd->add_option("session", o->session, "session id (UUID)")->required();
  cmd->add_option("--role", o->role, "the role it grants (engineer, producer, artist, listener)")
      ->required();
  cmd->add_option("--expires", o->expires, "lifetime in seconds (default: 7 days)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--uses", o->uses, "how many times it may be redeemed (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--label", o->label, "who it is for");
  cmd->callback([o] {
    parse_role(o->role);  // a typo is a usage error, before any request
    const auto server = server_of(o->conn);
    http_client http(server, o->conn.token);
    object body{{"role", o->role}, {"max_uses", o->uses}, {"label", o->label}};
    if (o->expires > 0) {
      body["expires_in_seconds"] = o->expires;
    }
    const boost::json::value request = body;
    auto reply = http.json("POST", "/api/v1/sessions/" + o->session + "/invites", &request);
    show(o->conn.json, reply, [&](const boost::json::value& i) {
      std::printf("%s\n", i.at("code").as_string().c_str());
      std::fprintf(stderr, "invite %s: %s, %lld use(s), expires %s; link: %s%s\n",
                   i.at("id").as_string().c_str(), i.at("role").as_string().c_str(),
                   static_cast<long long>(i.at("max_uses").to_number<std::int64_t>()),
                   format_unix_ms(i.at("expires_unix_ms").to_number<std::int64_t>()).c_str(),
                   server.http_url().c_str(), i.at("console_path").as_string().c_str());
    });
  });
}

void add_list(CLI::App& group) {
  auto o = std::make_shared<invite_options>();
  auto* cmd = group.add_subcommand("list", "a session's invites (never their codes)");
  add_connection_options(cmd, o->conn);
  cmd->add_option("session", o->session, "session id (UUID)")->required();
  cmd->callback([o] {
    http_client http(server_of(o->conn), o->conn.token);
    show(o->conn.json, http.json("GET", "/api/v1/sessions/" + o->session + "/invites"),
         [](const boost::json::value& v) {
           for (const auto& i : v.at("invites").as_array()) {
             print_invite(i);
           }
         });
  });
}

void add_revoke(CLI::App& group) {
  auto o = std::make_shared<invite_options>();
  auto id = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("revoke", "revoke an invite: its code stops working");
  add_connection_options(cmd, o->conn);
  cmd->add_option("id", *id, "invite id (UUID), from `invites list`")->required();
  cmd->callback([o, id] {
    http_client http(server_of(o->conn), o->conn.token);
    show(o->conn.json, http.json("DELETE", "/api/v1/invites/" + *id),
         [](const boost::json::value& r) {
           std::printf("revoked %s\n", r.at("revoked").as_string().c_str());
         });
  });
}

void add_redeem(CLI::App& group) {
  auto o = std::make_shared<invite_options>();
  auto code = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "redeem", "join a session with an invite code: as yourself with --token, else as a guest");
  // Not add_connection_options: the token is optional here.
  cmd->add_option("url", o->conn.url, "server URL, e.g. http://127.0.0.1:7700")
      ->envname("CONTROLROOM_URL")
      ->required();
  cmd->add_option("code", *code, "the invite code (cri_…)")->required();
  cmd->add_option("--token", o->conn.token, "redeem as this token's user (default: a new guest)");
  cmd->add_option("--name", *name, "the new guest's name (default: guest-…)");
  cmd->add_flag("--json", o->conn.json, "print machine-readable JSON on stdout");
  add_tls_options(cmd, o->conn.trust);
  add_timeout_option(cmd, o->conn.timeout_seconds);
  cmd->callback([o, code, name] {
    if (!o->conn.token.empty() && !name->empty()) {
      throw cli_error("--name names a new guest; it does not go with --token", exit_usage);
    }
    http_client http(server_of(o->conn), o->conn.token);
    object body{{"code", *code}};
    if (!name->empty()) {
      body["name"] = *name;
    }
    const boost::json::value request = body;
    show(o->conn.json, http.json("POST", "/api/v1/invites/redeem", &request),
         [](const boost::json::value& r) {
           std::printf("joined session %s as %s (user %s)\n",
                       r.at("session_id").as_string().c_str(), r.at("role").as_string().c_str(),
                       r.at("user").at("name").as_string().c_str());
           if (r.at("token").is_string()) {
             std::printf("your token (shown once): %s\n", r.at("token").as_string().c_str());
           }
         });
  });
}

}  // namespace

void add_invite_commands(CLI::App& app) {
  auto* group =
      app.add_subcommand("invites", "invite people to a session by a code, and redeem codes");
  group->require_subcommand(1);
  add_create(*group);
  add_list(*group);
  add_revoke(*group);
  add_redeem(*group);
}

}  // namespace controlroom::cli
