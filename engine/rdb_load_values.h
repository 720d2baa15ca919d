// Builds engine values from the RDB reader's value events, with Redis 7.0's rules for the encoding
// a loaded value gets (rdbLoadObject): compact blobs are adopted when the configured thresholds
// allow, converted otherwise; old encodings are rebuilt element by element. Shared by the RDB
// loader (rdb_load.cc) and RESTORE (dump_commands.cc); not an interface for other code.
// Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/entry.h"
#include "engine/keyspace.h"
#include "engine/object.h"
#include "formats/rdb_reader.h"

namespace keel::engine {

class ListObject;
class SetObject;
class HashObject;
class ZSetObject;

// An RdbVisitor that turns each key's value events into a string or an Object. Subclasses receive
// the finished value in OnValue() and decide what to do with it; while a key is being skipped
// (skip_value_ set by a subclass's BeginKey) the events are accepted and dropped.
class RdbValueBuilder : public formats::RdbVisitor {
 public:
  // `limits` must outlive the builder.
  explicit RdbValueBuilder(const EncodingLimits& limits);
  ~RdbValueBuilder() override;

  // Records the key and its metadata, refuses streams, and starts a value of the key's kind.
  Status BeginKey(const formats::RdbKeyInfo& key) override;
  Status OnSizeHint(uint64_t elements) override;
  Status OnString(std::string_view value) override;
  Status OnElement(std::string_view value) override;
  Status OnPair(std::string_view field, std::string_view value) override;
  Status OnScored(std::string_view member, double score) override;
  Result<bool> OnBlob(formats::RdbBlob kind, std::span<const uint8_t> bytes) override;
  Status OnModuleValue(const formats::RdbModuleInfo& info) override;
  // Finishes the value (Redis's load-time conversions) and hands it to OnValue().
  Status EndKey() override;

 protected:
  // The value of the key begun last is complete. For a string, is_string() and string_value();
  // otherwise type() and TakeObject(), or empty() when the collection has no elements (Redis
  // skips such keys, as written by old versions with a bug, #8453).
  virtual Status OnValue() = 0;

  bool is_string() const { return kind_ == formats::RdbKind::kString; }
  std::string_view string_value() const { return string_; }
  ObjType type() const;
  bool empty() const;
  std::unique_ptr<Object> TakeObject();

  // The key being built and its metadata, as the reader gave them (valid until EndKey returns).
  std::string_view key() const { return info_.key; }
  const formats::RdbKeyInfo& info() const { return info_; }

  // The largest element count a size hint may reserve memory for: hints are not trusted, so a
  // short payload cannot make the builder allocate for billions of elements.
  uint64_t max_reserve_ = uint64_t{1} << 20;
  // Set by a subclass in BeginKey (after calling the base) to drop the key's value unbuilt.
  bool skip_value_ = false;

 private:
  Status Duplicate(const char* what) const;
  // " (key '<key>' at offset N)" for messages, or nothing for a DUMP payload's unnamed value.
  std::string Where() const;
  void StartHash(bool table);
  Status FinishZset();

  const EncodingLimits& limits_;
  EncodingLimits table_limits_;  // limits_ with no room for listpack hashes
  formats::RdbKeyInfo info_;
  formats::RdbKind kind_ = formats::RdbKind::kString;
  std::string string_;  // a string value (reused between keys)
  std::unique_ptr<ListObject> list_;
  std::unique_ptr<SetObject> set_;
  std::unique_ptr<HashObject> hash_;
  std::unique_ptr<ZSetObject> zset_;
  // Hashes: a table from the start (too many fields for a listpack).
  bool hash_table_ = false;
  // Sorted sets built member by member: a skiplist, converted at the end when small enough
  // (Redis's zsetConvert after rdbLoadObject's loop).
  size_t zset_max_len_ = 0;
  size_t zset_total_len_ = 0;
};

}  // namespace keel::engine
