# Fails when a C++ source under the project's code folders is not formatted
# the way .clang-format says. Run by ctest as lint.clang_format.
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/server/*.cpp ${SOURCE_DIR}/server/*.hpp
  ${SOURCE_DIR}/client-sdk/*.cpp ${SOURCE_DIR}/client-sdk/*.hpp
  ${SOURCE_DIR}/state/*.cpp ${SOURCE_DIR}/state/*.hpp
  ${SOURCE_DIR}/media/*.cpp ${SOURCE_DIR}/media/*.hpp
  ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp
  ${SOURCE_DIR}/cli/*.cpp ${SOURCE_DIR}/cli/*.hpp
  ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.hpp)
set(unformatted "")
foreach(f IN LISTS sources)
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${f}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    list(APPEND unformatted ${f})
  endif()
endforeach()
if(unformatted)
  list(JOIN unformatted "\n  " listing)
  message(FATAL_ERROR "not clang-formatted (run clang-format -i on them):\n  ${listing}")
endif()
list(LENGTH sources n)
message(STATUS "${n} files formatted")
