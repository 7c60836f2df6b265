# The installable SDK: `cmake --install` puts the public headers, the shared
# library libcontrolroom_client.so, a CMake package (find_package(controlroom)
# -> controlroom::client) and a pkg-config file (controlroom.pc) in place.
#
# Why a shared library, when the in-tree target is static: controlroom_client
# links controlroom_proto, controlroom_state and controlroom_media (and Boost
# headers) privately. Installed as static archives, all of them, protobuf,
# Opus and Ogg would become link dependencies of every consumer, the config
# file would have to find them, and a consumer using its own protobuf or Asio
# would link two copies of the same symbols. The shared library is linked
# from the very objects the tests exercise (the static archive, whole: no
# second compile), exports only namespace controlroom (controlroom_client.map)
# and keeps everything else local, so a consumer sees the std-only headers and
# one library. In-tree builds keep linking the static target: the end-to-end
# tests put the SDK and the server (with its own protobuf descriptors) in one
# process, which a shared SDK with the same generated code would break.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(controlroom_client_shared SHARED ${PROJECT_SOURCE_DIR}/client-sdk/package/shared_library.cpp)
set_target_properties(
  controlroom_client_shared
  PROPERTIES OUTPUT_NAME controlroom_client
             EXPORT_NAME client
             VERSION ${PROJECT_VERSION}
             SOVERSION ${PROJECT_VERSION_MAJOR}
             LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/controlroom_client.map)
target_link_libraries(controlroom_client_shared
                      PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,controlroom_client>")
target_link_options(controlroom_client_shared PRIVATE
                    "LINKER:--version-script=${CMAKE_CURRENT_LIST_DIR}/controlroom_client.map")
# Every symbol resolved at link time, not at a consumer's load time; sanitizer
# builds leave their runtime's symbols to the executable.
if(NOT CONTROLROOM_SANITIZE AND NOT CONTROLROOM_BUILD_FUZZERS)
  target_link_options(controlroom_client_shared PRIVATE "LINKER:--no-undefined")
endif()
target_include_directories(
  controlroom_client_shared
  INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/client-sdk/include>
            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(controlroom_client_shared INTERFACE cxx_std_20)

install(TARGETS controlroom_client_shared
        EXPORT controlroomTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk NAMELINK_COMPONENT sdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/client-sdk/include/controlroom
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk
        FILES_MATCHING PATTERN "*.hpp")

set(controlroom_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/controlroom)
install(EXPORT controlroomTargets
        NAMESPACE controlroom::
        DESTINATION ${controlroom_cmake_dir} COMPONENT sdk)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/controlroomConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/controlroomConfig.cmake
                              INSTALL_DESTINATION ${controlroom_cmake_dir})
# 0.x: a minor version may break the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/controlroomConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/controlroomConfig.cmake
              ${PROJECT_BINARY_DIR}/controlroomConfigVersion.cmake
        DESTINATION ${controlroom_cmake_dir} COMPONENT sdk)

file(RELATIVE_PATH CONTROLROOM_PC_PREFIX_FROM_PCDIR
     ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${CMAKE_CURRENT_LIST_DIR}/controlroom.pc.in ${PROJECT_BINARY_DIR}/controlroom.pc
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/controlroom.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)
