#pragma once

// The admin API's handlers, one file per area (admin_accounts.cpp,
// admin_sessions.cpp, invite_api.cpp); admin_api.cpp routes to them. Each
// runs on a database thread inside the request's transaction.

#include "http/admin_call.hpp"

namespace controlroom::server::admin {

// users and their tokens (admin_accounts.cpp)
http_response create_user(pqxx::transaction_base& tx, const admin_call& call);
http_response list_users(pqxx::transaction_base& tx, const admin_call& call);
http_response get_user(pqxx::transaction_base& tx, const admin_call& call);
http_response delete_user(pqxx::transaction_base& tx, const admin_call& call);
http_response disable_user(pqxx::transaction_base& tx, const admin_call& call);
http_response issue_token(pqxx::transaction_base& tx, const admin_call& call);
http_response list_tokens(pqxx::transaction_base& tx, const admin_call& call);
http_response revoke_token(pqxx::transaction_base& tx, const admin_call& call);

// studios and sessions (admin_sessions.cpp)
http_response create_studio(pqxx::transaction_base& tx, const admin_call& call);
http_response list_studios(pqxx::transaction_base& tx, const admin_call& call);
http_response create_session(pqxx::transaction_base& tx, const admin_call& call);
http_response list_sessions(pqxx::transaction_base& tx, const admin_call& call);

// invites (invite_api.cpp)
http_response create_invite(pqxx::transaction_base& tx, const admin_call& call);
http_response list_invites(pqxx::transaction_base& tx, const admin_call& call);
http_response revoke_invite(pqxx::transaction_base& tx, const admin_call& call);
http_response redeem_invite(pqxx::transaction_base& tx, const admin_call& call);

}  // namespace controlroom::server::admin
