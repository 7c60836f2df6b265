#include "store/migration_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "util/crypto.hpp"

namespace controlroom::server {

migration make_migration(const std::string& file_name, std::string sql) {
  const std::string suffix = ".sql";
  std::size_t digits = 0;
  while (digits < file_name.size() && std::isdigit(static_cast<unsigned char>(file_name[digits]))) {
    ++digits;
  }
  const bool shaped = file_name.size() > suffix.size() && file_name.ends_with(suffix) &&
                      digits >= 4 && digits < 10 && file_name.size() > digits + 1 + suffix.size() &&
                      file_name[digits] == '_';
  if (!shaped) {
    throw migration_error("migration file '" + file_name + "' is not named NNNN_description.sql");
  }
  migration m;
  m.version = std::stoi(file_name.substr(0, digits));
  if (m.version < 1) {
    throw migration_error("migration file '" + file_name + "' has version 0; versions start at 1");
  }
  m.name = file_name.substr(0, file_name.size() - suffix.size());
  m.checksum = sha256_hex(sql);
  m.sql = std::move(sql);
  return m;
}

std::vector<migration> order_migrations(std::vector<migration> migrations) {
  std::sort(migrations.begin(), migrations.end(),
            [](const migration& a, const migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw migration_error("two migrations share version " +
                            std::to_string(migrations[i].version) + ": " + migrations[i - 1].name +
                            " and " + migrations[i].name);
    }
  }
  return migrations;
}

std::vector<migration> pending_migrations(const std::vector<migration>& known,
                                          const std::vector<applied_migration>& applied) {
  std::map<int, const migration*> by_version;
  for (const auto& m : known) {
    by_version[m.version] = &m;
  }
  std::map<int, const applied_migration*> done;
  for (const auto& a : applied) {
    const auto it = by_version.find(a.version);
    if (it == by_version.end()) {
      throw migration_error("the database has migration " + a.name +
                            " applied, which this controlroomd does not know; "
                            "was it migrated by a newer version?");
    }
    if (it->second->checksum != a.checksum) {
      throw migration_error("migration " + a.name + " was edited after it was applied (checksum " +
                            it->second->checksum + ", recorded " + a.checksum +
                            "); add a new migration instead of changing an applied one");
    }
    done[a.version] = &a;
  }
  std::vector<migration> out;
  for (const auto& m : known) {
    if (!done.contains(m.version)) {
      out.push_back(m);
    }
  }
  return out;
}

std::vector<migration> load_migrations_from(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw migration_error("migrations directory '" + dir + "' does not exist");
  }
  std::vector<migration> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      throw migration_error("cannot read " + entry.path().string());
    }
    out.push_back(make_migration(entry.path().filename().string(), text.str()));
  }
  return order_migrations(std::move(out));
}

}  // namespace controlroom::server
