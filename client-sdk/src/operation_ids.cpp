#include "operation_ids.hpp"

#include <cstdio>
#include <random>

namespace controlroom::detail {

std::string operation_ids::next() {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%016llx-%llu", static_cast<unsigned long long>(client_id_),
                static_cast<unsigned long long>(++counter_));
  return buffer;
}

std::uint64_t operation_ids::random_client_id() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ static_cast<std::uint64_t>(device());
}

}  // namespace controlroom::detail
