#pragma once

namespace controlroom::server {

inline constexpr const char* version_string = "0.1.0";
inline constexpr unsigned protocol_version_min = 1;
inline constexpr unsigned protocol_version_max = 1;

}  // namespace controlroom::server
