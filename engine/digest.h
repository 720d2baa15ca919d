// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0's SHA1-based fingerprint of a dataset or of one
// value (debug.c's computeDatasetDigest and xorObjectDigest), computed bit for bit as Redis does,
// so a test can compare a Keel dataset with a Redis one through a single 40-digit hex string.
// The digest depends on the logical content only, never on the encoding (listpack or hashtable,
// intset or hashtable, ...) nor on the iteration order of unordered collections.
// Loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace keel::engine {

class Db;
class Entry;
class Keyspace;

using Digest = std::array<uint8_t, 20>;

// Every key of every database, expired-but-not-reclaimed keys included (Redis reads the raw
// tables). An empty dataset gives 20 zero bytes.
Digest DatasetDigest(Keyspace& ks);

// The digest of one value as DEBUG DIGEST-VALUE reports it: type, contents and whether the key
// has an expiry, but not the key name. `e` may be nullptr (missing key): 20 zero bytes.
Digest ValueDigest(const Db& db, const Entry* e);

// Lower-case hex, 40 characters, as Redis prints a digest.
std::string DigestHex(const Digest& d);

}  // namespace keel::engine
