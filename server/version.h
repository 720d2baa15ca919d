// Version strings: Keel's own, and the Redis version whose behaviour Keel implements (reported
// where clients look for it: INFO redis_version, HELLO version).
#pragma once

#ifndef KEEL_VERSION
#define KEEL_VERSION "0.0.0"
#endif

namespace keel::server {

inline constexpr const char* kKeelVersion = KEEL_VERSION;
inline constexpr const char* kRedisCompatVersion = "7.0.15";

}  // namespace keel::server
