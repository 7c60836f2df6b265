// CreateSession, JoinSession, LeaveSession, and leaving on disconnect.

#include <pqxx/pqxx>

#include "app/node_keeper.hpp"
#include "control/dispatcher.hpp"
#include "control/reply.hpp"
#include "metrics/server_metrics.hpp"
#include "session/room_directory.hpp"
#include "store/event_repository.hpp"
#include "store/lease_repository.hpp"
#include "store/session_repository.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

constexpr std::size_t max_title_bytes = 200;
constexpr int max_invitees = 200;

// Parses repeated Role fields; nullopt (and an error reply) on an unknown one.
template <class Repeated>
std::optional<role_set> parse_roles(services& s, peer& p, std::uint64_t request_id,
                                    const Repeated& roles) {
  role_set out;
  for (int value : roles) {
    const auto r = from_proto(value);
    if (!r) {
      reply_error(s, p, request_id, v1::ERROR_CODE_MALFORMED,
                  "unknown role value " + std::to_string(value));
      return std::nullopt;
    }
    out.add(*r);
  }
  return out;
}

std::string describe_roles(role_set roles) {
  std::string out;
  for (auto r : roles.list()) {
    out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  }
  return out.empty() ? "no roles" : out;
}

void on_create_session(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto& req = env.create_session();
  const auto request_id = env.request_id();
  if (req.title().empty() || req.title().size() > max_title_bytes) {
    reply_error(s, *p, request_id,
                req.title().empty() ? v1::ERROR_CODE_MALFORMED : v1::ERROR_CODE_TOO_LARGE,
                "title must be 1.." + std::to_string(max_title_bytes) + " bytes");
    return;
  }
  if (!req.studio_id().empty() && !is_uuid(req.studio_id())) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED, "studio_id is not a UUID");
    return;
  }
  if (req.invitees_size() > max_invitees) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_TOO_LARGE,
                "at most " + std::to_string(max_invitees) + " invitees");
    return;
  }
  auto creator_roles = parse_roles(s, *p, request_id, req.creator_roles());
  if (!creator_roles) {
    return;
  }
  if (creator_roles->empty()) {
    creator_roles->add(role::engineer);
  }
  new_session session;
  session.studio_id = req.studio_id();
  session.title = req.title();
  session.scheduled_start_unix_ms = req.scheduled_start_unix_ms();
  session.created_by = p->state().user->id;
  session.members.push_back({p->state().user->id, *creator_roles});
  for (const auto& invitee : req.invitees()) {
    if (!is_uuid(invitee.user_id())) {
      reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                  "invitee user_id '" + invitee.user_id() + "' is not a UUID");
      return;
    }
    auto roles = parse_roles(s, *p, request_id, invitee.roles());
    if (!roles) {
      return;
    }
    if (roles->empty()) {
      reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED,
                  "invitee " + invitee.user_id() + " has no roles");
      return;
    }
    session.members.push_back({invitee.user_id(), *roles});
  }

  query_for(
      s, p,
      [session](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        auto created = session_repository::create(tx, session);
        // Version 0 of the log: every later load starts from a snapshot.
        event_repository::write_snapshot(tx, created.id, initial_state(created, session.members));
        tx.commit();
        return created;
      },
      [&s, p, request_id](store_result<session_record> result) {
        if (!result.ok()) {
          reply_store_error(s, *p, request_id, result.error());
          return;
        }
        log::info(log_subsystem::session, {result.value().id, p->id()}, "created session ",
                  result.value().id, " '", result.value().title, "'");
        reply(*p, request_id, [&](v1::ServerEnvelope& out) {
          *out.mutable_session_created()->mutable_session() = to_proto(result.value());
        });
      });
}

struct join_lookup {
  std::optional<session_record> session;
  role_set member_roles;
  std::optional<std::string> owner_url;  // set: another node owns the session
};

void on_join_session(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto& req = env.join_session();
  const auto request_id = env.request_id();
  if (!p->state().session_id.empty()) {
    reply_error(
        s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
        "this connection is already in session " + p->state().session_id + "; leave it first");
    return;
  }
  if (!is_uuid(req.session_id())) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_MALFORMED, "session_id is not a UUID");
    return;
  }
  const auto requested = parse_roles(s, *p, request_id, req.roles());
  if (!requested) {
    return;
  }
  const auto session_id = req.session_id();
  const auto user = *p->state().user;
  const bool has_replica = req.has_replica();
  const auto known_version = req.known_version();
  query_for(
      s, p,
      [session_id, user_id = user.id, node = s.node](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        join_lookup found;
        found.session = session_repository::find(tx, session_id);
        if (found.session) {
          found.member_roles = session_repository::member_roles(tx, session_id, user_id);
          // One node serves a live session: take (or renew) its lease here,
          // or learn which node has it.
          if (node != nullptr) {
            found.owner_url = lease_repository::acquire(tx, session_id, node->id, node->lease_ms);
          }
        }
        tx.commit();
        return found;
      },
      [&s, p, request_id, requested = *requested, user, has_replica,
       known_version](store_result<join_lookup> result) {
        if (!result.ok()) {
          reply_store_error(s, *p, request_id, result.error());
          return;
        }
        const auto& found = result.value();
        if (!found.session) {
          reply_error(s, *p, request_id, v1::ERROR_CODE_NOT_FOUND, "no such session");
          return;
        }
        role_set acting = requested;
        if (!found.member_roles.empty()) {
          if (acting.empty()) {
            acting = found.member_roles;
          } else if (!found.member_roles.includes(acting)) {
            reply_error(s, *p, request_id, v1::ERROR_CODE_FORBIDDEN,
                        "you hold " + describe_roles(found.member_roles) +
                            " in this session; asked for " + describe_roles(acting));
            return;
          }
        } else if (user.admin) {
          // Admins may join any session; they act as engineer unless they ask.
          if (acting.empty()) {
            acting.add(role::engineer);
          }
        } else {
          reply_error(s, *p, request_id, v1::ERROR_CODE_FORBIDDEN,
                      "you are not a member of this session");
          return;
        }
        if (found.owner_url) {
          if (found.owner_url->empty()) {
            reply_error(s, *p, request_id, v1::ERROR_CODE_UNAVAILABLE,
                        "the session is live on another node that is not reachable; retry "
                        "shortly");
            return;
          }
          log::info(log_subsystem::session, {found.session->id, p->id()}, "session is live on ",
                    *found.owner_url, ": redirected");
          v1::ServerEnvelope moved;
          moved.set_request_id(request_id);
          auto& error = *moved.mutable_error();
          error.set_code(v1::ERROR_CODE_MOVED);
          error.set_message("the session is live on another node; join it there");
          error.set_redirect_url(*found.owner_url);
          s.metrics.error_replies.inc();
          p->send(encode(moved));
          return;
        }
        if (!p->state().session_id.empty()) {  // a second join raced this one
          reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                      "this connection is already in session " + p->state().session_id);
          return;
        }
        p->state().session_id = found.session->id;
        p->state().roles = acting;
        log::info(log_subsystem::session, {found.session->id, p->id()}, "joins as ",
                  describe_roles(acting));
        participant_entry entry{p->id(), user, acting, p};
        s.rooms.with_session(
            *found.session, [p, request_id, entry = std::move(entry), has_replica, known_version,
                             session_id = found.session->id](live_session* live) {
              if (live == nullptr) {
                // The peer's thread owns its state: undo the join there.
                p->post([p, session_id] {
                  if (p->state().session_id == session_id) {
                    p->state().session_id.clear();
                    p->state().roles = {};
                  }
                });
                p->send(make_error_frame(request_id, v1::ERROR_CODE_UNAVAILABLE,
                                         "the session could not be loaded; retry shortly"));
                return;
              }
              auto joined = live->join(entry, has_replica, known_version);
              reply(*p, request_id,
                    [&](v1::ServerEnvelope& out) { *out.mutable_joined() = std::move(joined); });
            });
      });
}

void on_leave_session(services& s, const std::shared_ptr<peer>& p, const v1::ClientEnvelope& env) {
  const auto request_id = env.request_id();
  const auto current = p->state().session_id;
  if (current.empty()) {
    reply_error(s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
                "this connection is not in a session");
    return;
  }
  if (!env.leave_session().session_id().empty() && env.leave_session().session_id() != current) {
    reply_error(
        s, *p, request_id, v1::ERROR_CODE_FAILED_PRECONDITION,
        "this connection is in session " + current + ", not " + env.leave_session().session_id());
    return;
  }
  p->state().session_id.clear();
  p->state().roles = {};
  log::info(log_subsystem::session, {current, p->id()}, "leaves");
  s.rooms.with_live_session(current, [p, request_id, current](live_session* live) {
    if (live != nullptr) {
      live->leave(p->id());
    }
    reply(*p, request_id,
          [&](v1::ServerEnvelope& out) { out.mutable_left()->set_session_id(current); });
  });
}

}  // namespace

void register_session_handlers(handler_table& table) {
  table[v1::ClientEnvelope::kCreateSession] = {&on_create_session, true};
  table[v1::ClientEnvelope::kJoinSession] = {&on_join_session, true};
  table[v1::ClientEnvelope::kLeaveSession] = {&on_leave_session, true};
}

void session_peer_closed(services& s, const std::shared_ptr<peer>& p) {
  const auto current = p->state().session_id;
  if (current.empty()) {
    return;
  }
  p->state().session_id.clear();
  s.rooms.with_live_session(current, [id = p->id()](live_session* live) {
    if (live != nullptr) {
      live->leave(id);
    }
  });
}

}  // namespace controlroom::server
