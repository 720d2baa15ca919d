// Redis 7.0's DEBUG DIGEST scheme. Two primitives over a 20-byte state:
//   xor(d, data): d ^= SHA1(data)           -- order-free, for set-like parts
//   mix(d, data): d = SHA1(d ^ SHA1(data))  -- order-sensitive, for sequences
// A key's digest mixes its name, its type and then its value; the dataset digest xors
// SHA1(key digest) of every key, after mixing in each non-empty database's number. Every byte
// string fed in is exactly what Redis feeds: integers as their decimal text (ll2string), sorted set
// scores as "%.17g" (Redis 7.0; 7.2 switched to the shortest round-trip form), so the result does
// not depend on how Keel encodes a value.
#include "engine/digest.h"

#include <arpa/inet.h>
#include <nettle/sha1.h>
#include <nettle/version.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "engine/db.h"
#include "engine/entry.h"
#include "engine/hash_object.h"
#include "engine/keyspace.h"
#include "engine/list_object.h"
#include "engine/set_object.h"
#include "engine/zset_object.h"

namespace keel::engine {

namespace {

void Sha1(const void* data, size_t len, uint8_t* out) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, len, static_cast<const uint8_t*>(data));
#if NETTLE_VERSION_MAJOR > 3 || (NETTLE_VERSION_MAJOR == 3 && NETTLE_VERSION_MINOR >= 10)
  sha1_digest(&ctx, out);  // nettle 3.10 dropped the length argument
#else
  sha1_digest(&ctx, SHA1_DIGEST_SIZE, out);
#endif
}

// debug.c's xorDigest.
void XorDigest(Digest& d, const void* data, size_t len) {
  uint8_t hash[SHA1_DIGEST_SIZE];
  Sha1(data, len, hash);
  for (size_t i = 0; i < d.size(); i++) d[i] ^= hash[i];
}
void XorDigest(Digest& d, std::string_view s) { XorDigest(d, s.data(), s.size()); }

// debug.c's mixDigest.
void MixDigest(Digest& d, const void* data, size_t len) {
  XorDigest(d, data, len);
  Sha1(d.data(), d.size(), d.data());
}
void MixDigest(Digest& d, std::string_view s) { MixDigest(d, s.data(), s.size()); }

// A 32-bit number in network order (Redis's htonl(type), htonl(dbid)).
void MixUint32(Digest& d, uint32_t v) {
  uint32_t be = htonl(v);
  MixDigest(d, &be, sizeof(be));
}

// A pair (hash field and value, sorted set member and score) digested on its own and folded into
// `d` order-free: Redis xors SHA1 of the pair's digest, not the digest itself.
void XorPair(Digest& d, std::string_view first, std::string_view second) {
  Digest pair{};
  MixDigest(pair, first);
  MixDigest(pair, second);
  XorDigest(d, pair.data(), pair.size());
}

// debug.c's xorObjectDigest: continues from whatever `d` holds.
void XorObjectDigest(const Db& db, const Entry* e, Digest& d) {
  MixUint32(d, static_cast<uint32_t>(e->type()));
  switch (e->type()) {
    case ObjType::kString: {
      char buf[24];
      MixDigest(d, e->StringBytes(buf));
      break;
    }
    case ObjType::kList:
      e->As<ListObject>()->ForEach([&d](const ListValue& v) {
        char buf[24];
        MixDigest(d, v.Bytes(buf));
      });
      break;
    case ObjType::kSet:
      e->As<SetObject>()->ForEach([&d](const SetMember& m) {
        char buf[24];
        XorDigest(d, m.Bytes(buf));
      });
      break;
    case ObjType::kZSet:
      for (ZSetCursor c = e->As<ZSetObject>()->Begin(); c.valid(); c.Next()) {
        char member_buf[24];
        char score_buf[128];
        int n = std::snprintf(score_buf, sizeof(score_buf), "%.17g", c.Score());
        XorPair(d, c.Member(member_buf), std::string_view(score_buf, static_cast<size_t>(n)));
      }
      break;
    case ObjType::kHash:
      e->As<HashObject>()->ForEach(
          [&d](std::string_view field, std::string_view value) { XorPair(d, field, value); });
      break;
    case ObjType::kStream:
      break;  // Keel has no streams; no entry ever has this type.
  }
  if (db.GetExpire(e) != -1) XorDigest(d, "!!expire!!");
}

}  // namespace

Digest DatasetDigest(Keyspace& ks) {
  Digest final_digest{};
  for (int i = 0; i < ks.num_dbs(); i++) {
    const Db& db = ks.db(i);
    if (db.size() == 0) continue;
    // The db number is mixed in so the same keys in another database give another digest.
    MixUint32(final_digest, static_cast<uint32_t>(i));
    db.ForEach([&](const Entry* e) {
      Digest key_digest{};
      MixDigest(key_digest, e->key());
      XorObjectDigest(db, e, key_digest);
      XorDigest(final_digest, key_digest.data(), key_digest.size());
    });
  }
  return final_digest;
}

Digest ValueDigest(const Db& db, const Entry* e) {
  Digest d{};
  if (e != nullptr) XorObjectDigest(db, e, d);
  return d;
}

std::string DigestHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace keel::engine
