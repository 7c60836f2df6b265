#pragma once

// The nodes and session_leases tables: which node of a deployment owns each
// live session (docs/operations.md, "Several nodes"). A lease lasts a few
// seconds and is renewed by its node's keeper; an expired lease may be taken
// by any node.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace controlroom::server {

class lease_repository {
 public:
  static void prepare(pqxx::connection_base& conn);

  /// Registers the node (or refreshes its heartbeat and URL).
  static void heartbeat(pqxx::transaction_base& tx, const std::string& node_id,
                        const std::string& url, bool draining);
  /// Takes or renews the lease on `session_id` for `node_id`. nullopt when
  /// this node holds it now; otherwise the owner's URL (empty when unknown).
  static std::optional<std::string> acquire(pqxx::transaction_base& tx,
                                            const std::string& session_id,
                                            const std::string& node_id, std::int64_t lease_ms);
  /// Renews this node's leases on `live` sessions and gives up its others.
  /// Returns the sessions among `live` whose lease another node now holds.
  static std::vector<std::string> renew(pqxx::transaction_base& tx, const std::string& node_id,
                                        const std::vector<std::string>& live,
                                        std::int64_t lease_ms);
  /// Gives up every lease of the node (a clean stop).
  static void release_all(pqxx::transaction_base& tx, const std::string& node_id);
  /// The URL of another node that is up and not draining, if any.
  static std::optional<std::string> other_node(pqxx::transaction_base& tx,
                                               const std::string& node_id, std::int64_t fresh_ms);
};

}  // namespace controlroom::server
