# Writes OUTPUT: a C++ file defining console_assets() and console_version()
# from the browser console's files, so that controlroomd serves the console
# with no file on disk and nothing fetched from elsewhere at run time.
#
# Inputs (-D): WEB_DIR (web/console), PROTO_DIR (proto), PROTOBUFJS
# (web/node_modules/protobufjs/dist/protobuf.min.js), OUTPUT.
#
# Every asset is served under /console/. Text assets may say
# @CONSOLE_VERSION@: it becomes a hash of all inputs, which index.html and
# the modules put in their URLs (?v=...) so that browsers may cache those
# for good and still never run a stale mix of old and new files.
#
# When protobufjs is not installed (scripts/web-deps.sh has not run, or a
# build context without web/, like the container image's), the console is
# left out and /console/ says so; the server itself builds either way.

set(assets "")
set(have_console FALSE)
if(EXISTS "${WEB_DIR}/index.html" AND EXISTS "${PROTOBUFJS}")
  set(have_console TRUE)
  file(GLOB web_files RELATIVE "${WEB_DIR}" "${WEB_DIR}/*.html" "${WEB_DIR}/*.js"
       "${WEB_DIR}/*.css" "${WEB_DIR}/*.svg")
  list(SORT web_files)
  foreach(f IN LISTS web_files)
    list(APPEND assets "${f}|${WEB_DIR}/${f}")
  endforeach()
  file(GLOB proto_files RELATIVE "${PROTO_DIR}" "${PROTO_DIR}/controlroom/v1/*.proto")
  list(SORT proto_files)
  foreach(f IN LISTS proto_files)
    list(APPEND assets "proto/${f}|${PROTO_DIR}/${f}")
  endforeach()
  list(APPEND assets "vendor/protobuf.min.js|${PROTOBUFJS}")
endif()

# The version: a hash over every input's name and content.
set(all "")
foreach(a IN LISTS assets)
  string(REPLACE "|" ";" parts "${a}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(SHA256 "${file}" h)
  string(APPEND all "${name}:${h}\n")
endforeach()
string(SHA256 version "${all}")
string(SUBSTRING "${version}" 0 16 version)

set(tables "")
set(entries "")
set(i 0)
get_filename_component(out_dir "${OUTPUT}" DIRECTORY)
foreach(a IN LISTS assets)
  string(REPLACE "|" ";" parts "${a}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  get_filename_component(ext "${file}" LAST_EXT)
  set(type "application/octet-stream")
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".proto")
    set(type "text/plain; charset=utf-8")
  endif()
  if(name MATCHES "^vendor/")
    set(source "${file}")
  else()
    file(READ "${file}" text)
    string(REPLACE "@CONSOLE_VERSION@" "${version}" text "${text}")
    set(source "${out_dir}/web_asset_${i}.tmp")
    file(WRITE "${source}" "${text}")
  endif()
  file(SHA256 "${source}" etag)
  string(SUBSTRING "${etag}" 0 32 etag)
  file(READ "${source}" hex HEX)
  string(LENGTH "${hex}" hex_len)
  math(EXPR size "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # Short lines keep compilers' diagnostics and editors sane.
  string(REGEX REPLACE "((0x..,){24})" "\\1\n" bytes "${bytes}")
  string(APPEND tables "const unsigned char asset_${i}[] = {\n${bytes}0};\n")
  string(APPEND entries
         "      make(\"${name}\", \"${type}\", asset_${i}, ${size}, \"\\\"${etag}\\\"\"),\n")
  math(EXPR i "${i} + 1")
endforeach()

if(have_console)
  set(have "true")
else()
  set(have "false")
endif()

file(WRITE "${OUTPUT}.tmp" "// Generated from web/console, proto/ and protobufjs by
// cmake/embed_web_assets.cmake. Do not edit.
// NOLINTBEGIN
#include <vector>

#include \"http/static_assets.hpp\"

namespace controlroom::server {
namespace {

${tables}
static_asset make(std::string_view path, std::string_view type, const unsigned char* data,
                  std::size_t size, std::string_view etag) {
  return {path, type, std::string_view(reinterpret_cast<const char*>(data), size), etag};
}

}  // namespace

const std::vector<static_asset>& console_assets() {
  static const std::vector<static_asset> all = {
${entries}  };
  return all;
}

std::string_view console_version() { return \"${version}\"; }

bool console_built() { return ${have}; }

}  // namespace controlroom::server
// NOLINTEND
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
