#pragma once

namespace pqxx {
class connection_base;
}

namespace controlroom::server {

/// Prepares every repository's statements on a fresh connection.
void prepare_statements(pqxx::connection_base& conn);

}  // namespace controlroom::server
