// The base of collection values (lists, hashes, sets, sorted sets). An entry of a collection type
// owns exactly one Object; the entry's type says which subclass it is (ListObject for kList,
// HashObject for kHash, SetObject for kSet, ZSetObject for kZSet), so handlers cast with
// Entry::As<T>() after checking the type.
// Loop thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace keel::engine {

class Object {
 public:
  virtual ~Object() = default;
  // Redis 7.0's OBJECT ENCODING name: "listpack", "quicklist", "intset", "hashtable", "skiplist".
  virtual const char* EncodingName() const = 0;
  // Bytes the allocator handed out for the value (MEMORY USAGE), including the object itself.
  virtual size_t AllocatedBytes() const = 0;
  // A deep copy with the same encoding (COPY).
  virtual std::unique_ptr<Object> Clone() const = 0;
  // Elements (list items, hash fields, set members, sorted set members). A collection that
  // becomes empty is deleted by the command that emptied it, as in Redis.
  virtual size_t Size() const = 0;
  // Fields DEBUG OBJECT appends for this encoding, each with a leading space (Redis 7.0 adds
  // " ql_nodes:N ql_avg_node:F ql_listpack_max:N ql_compressed:0|1 ql_uncompressed_size:N" for a
  // quicklist). None by default.
  virtual std::string DebugObjectExtras() const { return {}; }
};

}  // namespace keel::engine
