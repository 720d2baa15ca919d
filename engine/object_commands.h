// Introspection of one key's value, shared by OBJECT and MEMORY USAGE (object_commands.cc) and the
// server's DEBUG OBJECT: the figures Redis reports from its robj (refcount, encoding, LRU/LFU
// data, memory, serialized length), computed from Keel's entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/entry.h"

namespace keel::engine {

class Keyspace;

// Redis's OBJ_SHARED_REFCOUNT and OBJ_SHARED_INTEGERS.
inline constexpr int64_t kSharedRefcount = 2147483647;
inline constexpr int64_t kSharedIntegers = 10000;

// OBJECT REFCOUNT. Redis shares one object among all keys holding an integer 0..9999 (refcount
// INT_MAX) unless maxmemory is set with an LRU or LFU policy, which needs per-key access data;
// other values have refcount 1. Keel has no shared objects: it applies Redis's rule to the current
// configuration, where Redis applied it when the value was created.
int64_t ObjectRefcount(const Keyspace& ks, const Entry* e);

// MEMORY USAGE: the entry's allocation (key, value and the chain pointer that plays the part of
// Redis's dictEntry) plus whatever the value owns, plus one bucket pointer of the key table (its
// share at the table's nominal fill of one key per bucket). Like Redis, the expiry table is not
// counted. Collections are measured exactly, not sampled.
size_t MemoryUsage(const Entry* e);

// The length the value would take in an RDB file (DEBUG OBJECT's serializedlength). Strings are
// exact except that Keel does not try LZF compression (Redis compresses values over 20 bytes when
// that saves space, so it may print less); for collections this is an estimate (the memory the
// value takes) until Keel writes RDB files.
size_t SerializedLengthEstimate(const Entry* e);

// DEBUG OBJECT's status line: "Value at:0x... refcount:N encoding:E serializedlength:N lru:N
// lru_seconds_idle:N" plus the encoding's extras (Object::DebugObjectExtras).
std::string DebugObjectLine(const Keyspace& ks, const Entry* e);

}  // namespace keel::engine
