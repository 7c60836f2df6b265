# Writes OUTPUT: a C++ file defining builtin_migrations() from every
# NNNN_*.sql file in SOURCE_DIR, so controlroomd carries its schema with it.
file(GLOB files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  file(READ "${SOURCE_DIR}/${f}" sql)
  string(FIND "${sql}" ")cr_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )cr_sql\"")
  endif()
  string(APPEND body "      make_migration(\"${f}\", R\"cr_sql(${sql})cr_sql\"),\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from migrations/ by cmake/embed_migrations.cmake. Do not edit.
#include \"store/migration_plan.hpp\"

namespace controlroom::server {

const std::vector<migration>& builtin_migrations() {
  static const std::vector<migration> all = order_migrations({
${body}  });
  return all;
}

}  // namespace controlroom::server
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
