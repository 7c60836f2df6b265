#include "store/statements.hpp"

#include "store/account_repository.hpp"
#include "store/event_repository.hpp"
#include "store/invite_repository.hpp"
#include "store/lease_repository.hpp"
#include "store/session_repository.hpp"
#include "store/studio_repository.hpp"
#include "store/take_file_repository.hpp"
#include "store/token_repository.hpp"
#include "store/user_repository.hpp"

namespace controlroom::server {

void prepare_statements(pqxx::connection_base& conn) {
  user_repository::prepare(conn);
  event_repository::prepare(conn);
  token_repository::prepare(conn);
  session_repository::prepare(conn);
  lease_repository::prepare(conn);
  take_file_repository::prepare(conn);
  account_repository::prepare(conn);
  studio_repository::prepare(conn);
  invite_repository::prepare(conn);
}

}  // namespace controlroom::server
