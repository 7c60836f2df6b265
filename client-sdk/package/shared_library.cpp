// libcontrolroom_client.so is linked from the whole static archive (see
// cmake/controlroom_sdk_package.cmake); CMake needs one source for a shared
// library target, and this translation unit is it. It adds no code.
