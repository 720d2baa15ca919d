// One logical database (SELECT 0..15): a hash table of entries with incremental rehashing, and a
// separate expiry table that holds only volatile keys. Lookups apply lazy expiry; the active
// expiry cycle samples the expiry table from the cron.
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/entry.h"
#include "engine/object.h"

namespace keel::engine {

class Keyspace;

class Db {
 public:
  Db(Keyspace* ks, int index);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int index() const { return index_; }
  size_t size() const;          // keys, including expired ones not yet reclaimed (as DBSIZE)
  size_t expires_size() const;  // volatile keys
  // Buckets of the expiry table (Redis's dictSlots): the active cycle skips a sparse one.
  size_t expires_slots() const;
  // Bytes the two tables take besides the entries: bucket arrays and expiry nodes (INFO's
  // used_memory_overhead counts these, as Redis counts its dict tables and dictEntries).
  size_t TableOverheadBytes() const;
  // Average TTL in ms of volatile keys seen by the active expiry cycle (INFO keyspace avg_ttl).
  int64_t avg_ttl() const;

  // Lookups. An expired key is deleted on access (lazy expiry) and reported as absent.
  // LookupRead also counts keyspace_hits / keyspace_misses, as Redis's lookupKeyRead does.
  Entry* LookupRead(std::string_view key);
  Entry* LookupWrite(std::string_view key);
  // No expiry, no statistics: the raw table (for KEYS/SCAN filtering, tests, persistence).
  Entry* Find(std::string_view key) const;
  bool IsExpired(const Entry* e) const;  // against the keyspace's cached time
  // Redis's expireIfNeeded on a key found by iteration (SCAN): true when the key is expired, and
  // then it is reclaimed (unless expiry is paused), without touching its LRU or the hit/miss
  // counters.
  bool ExpireIfNeeded(std::string_view key);

  // Creates or overwrites `key` with a string value. Integer-looking values that round-trip (Redis's
  // string2ll rules, at most 20 chars) are stored with the "int" encoding. An existing expiry is kept
  // only when keep_ttl. Returns the entry, valid until the next change to this Db.
  Entry* SetString(std::string_view key, std::string_view value, bool keep_ttl = false);
  Entry* SetInteger(std::string_view key, int64_t value, bool keep_ttl = false);
  // Replace the value of an existing string entry, keeping its key and expiry. `e` is invalid
  // afterwards; use the returned entry.
  // With allow_int false the value keeps a string encoding even when it looks like an integer
  // (INCRBYFLOAT stores its result unencoded, so OBJECT ENCODING says "embstr", as in Redis).
  Entry* ReplaceString(Entry* e, std::string_view value, bool allow_int = true);
  Entry* ReplaceInteger(Entry* e, int64_t value);
  // Makes the value of a string entry a growable heap buffer ("raw") and returns it for in-place
  // mutation (APPEND, SETRANGE, SETBIT). `e` is updated if the entry moved. The pointer is valid
  // until the next change to this Db.
  std::string* MutableString(Entry*& e);

  // Collections. AddObject links a new key, which must be absent (look it up with LookupWrite
  // first), as Redis's dbAdd; SetObject creates or overwrites `key` whatever its old type, dropping
  // any expiry, as Redis's setKey (the STORE variants). Both return the entry.
  Entry* AddObject(std::string_view key, ObjType type, std::unique_ptr<Object> value);
  Entry* SetObject(std::string_view key, ObjType type, std::unique_ptr<Object> value);
  // Redis's signalModifiedKey, for commands that change a collection in place: invalidates
  // WATCHes on the key. Db's own write operations (string writes, deletes, expiry, rename, move,
  // copy, AddObject/SetObject) signal by themselves.
  void SignalModified(std::string_view key);
  // Presizes the tables for `keys` keys of which `expires` are volatile (RDB loading's RESIZEDB,
  // Redis's dictExpand), so loading does not rehash. A size below the current count is ignored.
  void Reserve(size_t keys, size_t expires);
  // Starts loading the buckets of `keys`, and the first entry of each, which inserts or lookups
  // of those keys read. Bulk loaders call it for a batch of keys, then insert them, so the
  // batch's cache misses overlap instead of following one another.
  void Prefetch(std::span<const std::string_view> keys) const;

  bool Delete(std::string_view key);  // true when the key existed (expired or not)
  void DeleteEntry(Entry* e);

  // Expiry: absolute Unix time in ms, or -1 when the key is persistent.
  int64_t GetExpire(const Entry* e) const;
  void SetExpire(Entry* e, int64_t when_ms);
  bool RemoveExpire(Entry* e);  // PERSIST: true when an expiry was removed

  // RENAME: moves `e`'s value and expiry to `new_key` (replacing any entry there) and deletes the
  // old key. Returns the new entry.
  Entry* Rename(Entry* e, std::string_view new_key);
  // MOVE: moves `e` (value and expiry) to `dst` under the same key; `dst` must not hold the key.
  Entry* MoveTo(Entry* e, Db* dst);
  // COPY: copies `e` (value and expiry) into `dst` under `new_key`, replacing any entry there.
  Entry* CopyTo(const Entry* e, Db* dst, std::string_view new_key);

  // A random key that is not expired, or nullptr when the db is empty. Expired keys it meets are
  // deleted and the search goes on, as RANDOMKEY does on a Redis master.
  Entry* RandomEntry();

  // Eviction sampling (db_maintenance.cc). SampleForEviction is Redis's dictGetSomeKeys over the
  // key table, or over the expiry table when `volatile_only`: up to `count` entries from a random
  // run of buckets, maybe repeated, expired or not, with their expiry when sampled from the
  // expiry table (-1 otherwise). It replaces the contents of *out and returns their number.
  // RandomForEviction is dictGetRandomKey over the same table (nullptr when it is empty); unlike
  // RandomEntry it deletes nothing.
  struct Sample {
    Entry* entry;
    int64_t when_ms;
  };
  size_t SampleForEviction(bool volatile_only, size_t count, std::vector<Sample>* out);
  Entry* RandomForEviction(bool volatile_only);

  // Redis's dictScan: calls fn for the entries of one or more buckets and returns the next cursor
  // (0 when done). Every key present for the whole iteration is returned at least once, also while
  // the table is rehashing or is resized between calls.
  uint64_t Scan(uint64_t cursor, const std::function<void(const Entry*)>& fn) const;
  // Visits every entry (KEYS). `fn` must not change the Db.
  void ForEach(const std::function<void(const Entry*)>& fn) const;

  // Drops every key (FLUSHDB); returns how many were removed.
  size_t Clear();
  void SwapContents(Db* other);  // SWAPDB

  // Incremental rehashing: one step per lookup while rehashing, plus RehashFor() from the cron.
  // Returns true if rehashing is still in progress after spending about `us` microseconds.
  bool RehashFor(int64_t us);
  // Shrinks tables when they are mostly empty (Redis's tryResizeHashTables), from the cron.
  void MaybeResize();
  // One round of the active expiry cycle over this db's volatile keys; see Keyspace.
  // Returns the number of keys expired; `*sampled` receives how many were checked.
  size_t ExpireSample(size_t max_checks, size_t* sampled);

 private:
  struct Impl;
  Keyspace* ks_;
  int index_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::engine
