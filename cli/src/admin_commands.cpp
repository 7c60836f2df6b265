// Admin commands. The server has no admin HTTP API yet (users, tokens,
// studios, invites): until it does, these say so and exit non-zero instead of
// pretending. Sessions are created and scheduled through `session`.

#include "cli_error.hpp"
#include "commands.hpp"

namespace controlroom::cli {

void add_admin_commands(CLI::App& app) {
  for (const char* name : {"users", "tokens", "studios", "invites"}) {
    auto* cmd = app.add_subcommand(
        name, std::string("manage ") + name + " (needs the server's admin API: not yet built)");
    cmd->allow_extras();
    cmd->callback([name] {
      throw cli_error(std::string(name) +
                          ": the server has no admin HTTP API yet; use `controlroomd "
                          "admin-token` for tokens and `controlroom session create` for sessions",
                      exit_failed);
    });
  }
}

}  // namespace controlroom::cli
