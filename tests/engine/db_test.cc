// Db and Entry: string encodings, in-place overwrites, entries that move to a new block (and the
// expiry that must follow them), MutableString, RENAME/MOVE/COPY with TTLs, lookups and their
// statistics, random keys, SCAN, FLUSHDB, SWAPDB and the cron's table shrinking.
#include "engine/db.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "engine/dict.h"
#include "engine/entry_layout.h"
#include "engine/keyspace.h"
#include "engine/memory.h"
#include "io/clock.h"

namespace keel::engine {
namespace {

struct Env {
  io::ManualClock clock;
  Keyspace ks{16, &clock};
  Db& db = ks.db(0);
  // Moves time and refreshes the command time, as the dispatcher does before each command.
  void AdvanceMs(int64_t ms) {
    clock.AdvanceMs(ms);
    ks.UpdateTime();
  }
};

struct ResizePolicyGuard {
  ~ResizePolicyGuard() { SetDictResizeAllowed(true); }
};

const std::string k16 = "key:000000000001";  // 16 bytes
const std::string v32a = "value-aaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string v32b = "value-bbbbbbbbbbbbbbbbbbbbbbbbbb";

TEST_CASE("integer strings that round-trip are stored with the int encoding", "[db][entry]") {
  Env env;
  Entry* e = env.db.SetString("k", "123");
  REQUIRE(e->is_int());
  REQUIRE(e->int_value() == 123);
  REQUIRE(std::string(e->EncodingName()) == "int");
  char buf[24];
  REQUIRE(e->StringBytes(buf) == "123");
  REQUIRE(e->StringLength() == 3);
  REQUIRE(e->type() == ObjType::kString);
  REQUIRE(std::string(TypeName(e->type())) == "string");

  REQUIRE(env.db.SetString("k", "-9223372036854775808")->is_int());
  REQUIRE(env.db.SetString("k", "0")->is_int());
  // Not string2ll integers: they keep their exact bytes.
  for (const char* s : {"0123", "+1", "-0", " 1", "1 ", "9223372036854775808", "1.0", ""}) {
    Entry* x = env.db.SetString("k", s);
    REQUIRE_FALSE(x->is_int());
    REQUIRE(x->string_value() == s);
    REQUIRE(std::string(x->EncodingName()) == "embstr");
  }
}

TEST_CASE("strings up to 44 bytes are embstr, longer ones raw", "[db][entry]") {
  Env env;
  std::string s44(44, 'x');
  std::string s45(45, 'x');
  REQUIRE(std::string(env.db.SetString("a", s44)->EncodingName()) == "embstr");
  Entry* e = env.db.SetString("b", s45);
  REQUIRE(std::string(e->EncodingName()) == "raw");
  REQUIRE(e->string_value() == s45);
  // Overwriting a raw value with a short one makes it embstr again, as a new Redis object would.
  REQUIRE(std::string(env.db.SetString("b", "short")->EncodingName()) == "embstr");
}

TEST_CASE("a 16-byte key with a 32-byte value fits a 64-byte block", "[db][entry]") {
  REQUIRE(entry_layout::EntrySize(16, ValueKind::kInline, 32) == 62);
  Env env;
  Entry* e = env.db.SetString(k16, v32a);
  REQUIRE(e->key() == k16);
  REQUIRE(e->string_value() == v32a);
  REQUIRE(e->AllocatedBytes() <= 64);
}

TEST_CASE("overwriting a value that fits the block keeps the same entry", "[db][entry]") {
  Env env;
  Entry* e = env.db.SetString(k16, v32a);
  size_t used = UsedMemory();
  REQUIRE(env.db.SetString(k16, v32b) == e);
  REQUIRE(e->string_value() == v32b);
  REQUIRE(env.db.SetString(k16, "12345") == e);  // inline -> int in place
  REQUIRE(e->int_value() == 12345);
  REQUIRE(env.db.SetInteger(k16, 99) == e);
  REQUIRE(env.db.ReplaceInteger(e, 100) == e);
  REQUIRE(env.db.ReplaceString(e, v32a) == e);  // int -> inline in place
  REQUIRE(e->string_value() == v32a);
  REQUIRE(UsedMemory() == used);  // no allocator work at all
  REQUIRE(env.db.Find(k16) == e);
}

TEST_CASE("a value that outgrows its block moves, and its expiry follows", "[db][entry][expire]") {
  Env env;
  Entry* e = env.db.SetString("k", "small");
  int64_t when = env.ks.now_ms() + 10'000;
  env.db.SetExpire(e, when);
  std::string big(1000, 'b');
  Entry* moved = env.db.SetString("k", big, /*keep_ttl=*/true);
  REQUIRE(moved != e);
  REQUIRE(env.db.Find("k") == moved);
  REQUIRE(moved->has_expire());
  REQUIRE(env.db.GetExpire(moved) == when);
  REQUIRE(env.db.expires_size() == 1);
  // Shrinking a lot also moves (to a smaller block) and keeps the expiry.
  Entry* back = env.db.ReplaceString(moved, "tiny");
  REQUIRE(env.db.GetExpire(back) == when);
  REQUIRE(back->string_value() == "tiny");
  env.AdvanceMs(10'001);
  REQUIRE(env.db.LookupRead("k") == nullptr);
  REQUIRE(env.db.size() == 0);
  REQUIRE(env.db.expires_size() == 0);
}

TEST_CASE("SET clears an expiry unless keep_ttl", "[db][expire]") {
  Env env;
  Entry* e = env.db.SetString("k", "v");
  env.db.SetExpire(e, env.ks.now_ms() + 1000);
  e = env.db.SetString("k", "w", /*keep_ttl=*/true);
  REQUIRE(env.db.GetExpire(e) == env.ks.now_ms() + 1000);
  e = env.db.SetInteger("k", 5, /*keep_ttl=*/true);
  REQUIRE(env.db.GetExpire(e) == env.ks.now_ms() + 1000);
  e = env.db.SetString("k", "x");
  REQUIRE_FALSE(e->has_expire());
  REQUIRE(env.db.GetExpire(e) == -1);
  REQUIRE(env.db.expires_size() == 0);
}

TEST_CASE("SET with keep_ttl on an expired key starts a persistent key", "[db][expire]") {
  Env env;
  Entry* e = env.db.SetString("k", "v");
  env.db.SetExpire(e, env.ks.now_ms() + 10);
  env.AdvanceMs(11);
  e = env.db.SetString("k", "new", /*keep_ttl=*/true);
  REQUIRE(env.db.GetExpire(e) == -1);
  REQUIRE(env.ks.stats().expired_keys == 1);
}

TEST_CASE("MutableString makes the value raw and keeps the entry findable", "[db][entry]") {
  Env env;
  Entry* e = env.db.SetString("k", "abc");
  env.db.SetExpire(e, env.ks.now_ms() + 5000);
  std::string* s = env.db.MutableString(e);
  s->append("def");
  REQUIRE(env.db.Find("k") == e);
  REQUIRE(e->string_value() == "abcdef");
  REQUIRE(std::string(e->EncodingName()) == "raw");
  REQUIRE(env.db.GetExpire(e) == env.ks.now_ms() + 5000);
  REQUIRE(env.db.MutableString(e) == s);  // already raw: same buffer
  s->append(std::string(1000, 'x'));
  REQUIRE(e->StringLength() == 1006);
  REQUIRE(e->AllocatedBytes() > 1006);

  Entry* i = env.db.SetInteger("n", 42);
  REQUIRE(*env.db.MutableString(i) == "42");
  REQUIRE_FALSE(i->is_int());

  // A large inline value moves to a small block, so the old block is not kept half empty.
  Entry* big = env.db.SetString("big", std::string(4000, 'z'));
  env.db.SetExpire(big, env.ks.now_ms() + 7000);
  Entry* before = big;
  std::string* bs = env.db.MutableString(big);
  REQUIRE(big != before);
  REQUIRE(env.db.Find("big") == big);
  REQUIRE(bs->size() == 4000);
  REQUIRE(env.db.GetExpire(big) == env.ks.now_ms() + 7000);
  // Setting a raw value again drops the heap buffer.
  Entry* again = env.db.SetString("big", "v", /*keep_ttl=*/true);
  REQUIRE(std::string(again->EncodingName()) == "embstr");
  REQUIRE(env.db.GetExpire(again) == env.ks.now_ms() + 7000);
}

TEST_CASE("replacing a value with a view of itself is safe", "[db][entry]") {
  Env env;
  Entry* e = env.db.SetString("k", "hello world, a value that is long enough");
  e = env.db.ReplaceString(e, e->string_value().substr(6, 5));
  REQUIRE(e->string_value() == "world");
  std::string* s = env.db.MutableString(e);
  s->append(" and more");
  e = env.db.ReplaceString(e, std::string_view(*s).substr(0, 9));
  REQUIRE(e->string_value() == "world and");
}

TEST_CASE("Delete and DeleteEntry remove the expiry too", "[db]") {
  Env env;
  env.db.SetExpire(env.db.SetString("a", "1x"), env.ks.now_ms() + 100);
  env.db.SetExpire(env.db.SetString("b", "2x"), env.ks.now_ms() + 100);
  REQUIRE(env.db.expires_size() == 2);
  REQUIRE(env.db.Delete("a"));
  REQUIRE_FALSE(env.db.Delete("a"));
  env.db.DeleteEntry(env.db.Find("b"));
  REQUIRE(env.db.size() == 0);
  REQUIRE(env.db.expires_size() == 0);
}

TEST_CASE("PERSIST removes only an existing expiry", "[db][expire]") {
  Env env;
  Entry* e = env.db.SetString("k", "v");
  REQUIRE_FALSE(env.db.RemoveExpire(e));
  env.db.SetExpire(e, env.ks.now_ms() + 100);
  env.db.SetExpire(e, env.ks.now_ms() + 200);  // update, not a second node
  REQUIRE(env.db.expires_size() == 1);
  REQUIRE(env.db.GetExpire(e) == env.ks.now_ms() + 200);
  REQUIRE(env.db.RemoveExpire(e));
  REQUIRE(env.db.expires_size() == 0);
  REQUIRE(env.db.GetExpire(e) == -1);
}

TEST_CASE("Rename moves value, expiry and LRU, replacing the target", "[db]") {
  Env env;
  Entry* e = env.db.SetString("src", "value");
  e->set_lru(1234);
  int64_t when = env.ks.now_ms() + 60'000;
  env.db.SetExpire(e, when);
  env.db.SetString("dst", "old");
  Entry* r = env.db.Rename(e, "dst");
  REQUIRE(env.db.Find("src") == nullptr);
  REQUIRE(env.db.Find("dst") == r);
  REQUIRE(r->string_value() == "value");
  REQUIRE(r->lru() == 1234);
  REQUIRE(env.db.GetExpire(r) == when);
  REQUIRE(env.db.size() == 1);
  REQUIRE(env.db.expires_size() == 1);

  // A raw value's heap buffer changes owner, not contents.
  std::string* s = env.db.MutableString(r);
  Entry* r2 = env.db.Rename(r, "third");
  REQUIRE(env.db.MutableString(r2) == s);
  REQUIRE(env.db.Rename(r2, "third") == r2);  // same name: nothing to do
}

TEST_CASE("Rename drops the target's expiry when the source has none", "[db]") {
  Env env;
  env.db.SetString("src", "v");
  env.db.SetExpire(env.db.SetString("dst", "x"), env.ks.now_ms() + 100);
  Entry* r = env.db.Rename(env.db.Find("src"), "dst");
  REQUIRE(env.db.GetExpire(r) == -1);
  REQUIRE(env.db.expires_size() == 0);
}

TEST_CASE("MoveTo moves the same entry and its expiry to another db", "[db]") {
  Env env;
  Db& other = env.ks.db(3);
  Entry* e = env.db.SetString("k", "v");
  int64_t when = env.ks.now_ms() + 1000;
  env.db.SetExpire(e, when);
  Entry* m = env.db.MoveTo(e, &other);
  REQUIRE(m == e);
  REQUIRE(env.db.Find("k") == nullptr);
  REQUIRE(env.db.expires_size() == 0);
  REQUIRE(other.Find("k") == m);
  REQUIRE(other.GetExpire(m) == when);
  REQUIRE(other.expires_size() == 1);
  env.AdvanceMs(1001);
  REQUIRE(other.LookupRead("k") == nullptr);
  REQUIRE(other.expires_size() == 0);
}

TEST_CASE("CopyTo deep-copies the value and keeps the expiry", "[db]") {
  Env env;
  Db& other = env.ks.db(1);
  Entry* e = env.db.SetString("k", "abc");
  std::string* s = env.db.MutableString(e);
  int64_t when = env.ks.now_ms() + 1000;
  env.db.SetExpire(e, when);
  other.SetString("copy", "to be replaced");
  Entry* c = env.db.CopyTo(e, &other, "copy");
  REQUIRE(other.Find("copy") == c);
  REQUIRE(other.GetExpire(c) == when);
  REQUIRE(std::string(c->EncodingName()) == "raw");
  std::string* cs = other.MutableString(c);
  REQUIRE(cs != s);
  cs->append("!");
  REQUIRE(e->string_value() == "abc");
  REQUIRE(c->string_value() == "abc!");
  // Copies within a db, of int and inline values.
  Entry* i = env.db.SetInteger("i", 7);
  Entry* ic = env.db.CopyTo(i, &env.db, "i2");
  REQUIRE(ic->is_int());
  REQUIRE(ic->int_value() == 7);
  REQUIRE(env.db.GetExpire(ic) == -1);
  REQUIRE(env.db.CopyTo(i, &env.db, "i") == i);
}

TEST_CASE("LookupRead counts hits and misses and refreshes the LRU clock", "[db]") {
  Env env;
  env.db.SetString("k", "v");
  env.AdvanceMs(5000);
  Entry* e = env.db.LookupRead("k");
  REQUIRE(e != nullptr);
  REQUIRE(e->lru() == env.ks.LruClock());
  REQUIRE(env.db.LookupRead("nope") == nullptr);
  REQUIRE(env.ks.stats().keyspace_hits == 1);
  REQUIRE(env.ks.stats().keyspace_misses == 1);
  REQUIRE(env.db.LookupWrite("k") == e);
  REQUIRE(env.db.LookupWrite("nope") == nullptr);
  REQUIRE(env.ks.stats().keyspace_hits == 1);
  REQUIRE(env.ks.stats().keyspace_misses == 1);
}

TEST_CASE("reads leave the LRU clock alone while resizing is disallowed", "[db]") {
  ResizePolicyGuard guard;
  Env env;
  Entry* e = env.db.SetString("k", "v");
  uint32_t created = e->lru();
  env.AdvanceMs(5000);
  env.ks.SetResizeAllowed(false);
  REQUIRE(env.db.LookupRead("k") == e);
  REQUIRE(e->lru() == created);
  env.ks.SetResizeAllowed(true);
  REQUIRE(env.db.LookupRead("k") == e);
  REQUIRE(e->lru() != created);
}

TEST_CASE("RandomEntry returns live keys and deletes expired ones it meets", "[db]") {
  Env env;
  REQUIRE(env.db.RandomEntry() == nullptr);
  for (int i = 0; i < 50; i++) {
    Entry* e = env.db.SetString("v" + std::to_string(i), "x");
    env.db.SetExpire(e, env.ks.now_ms() + 10);
  }
  env.db.SetString("persistent", "x");
  env.AdvanceMs(11);
  Entry* r = env.db.RandomEntry();
  REQUIRE(r != nullptr);
  REQUIRE(r->key() == "persistent");
  REQUIRE(env.ks.stats().expired_keys == 50 - (env.db.size() - 1));
}

TEST_CASE("RandomEntry deletes expired keys until it finds a live one or the db is empty",
          "[db]") {
  // As RANDOMKEY on a Redis 7.0 master: no give-up bound while expired keys can be deleted.
  Env env;
  for (int i = 0; i < 500; i++) {
    Entry* e = env.db.SetString("v" + std::to_string(i), "x");
    env.db.SetExpire(e, env.ks.now_ms() + 10);
  }
  Entry* live = env.db.SetString("live", "x");
  env.db.SetExpire(live, env.ks.now_ms() + 100000);
  env.AdvanceMs(11);
  Entry* r = env.db.RandomEntry();
  REQUIRE(r != nullptr);
  REQUIRE(r->key() == "live");
  env.db.Delete("live");
  REQUIRE(env.db.RandomEntry() == nullptr);
  REQUIRE(env.db.size() == 0);
  REQUIRE(env.ks.stats().expired_keys == 500);
}

TEST_CASE("Scan and ForEach visit every key", "[db][scan]") {
  Env env;
  for (int i = 0; i < 300; i++) env.db.SetString("k" + std::to_string(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = env.db.Scan(cursor, [&](const Entry* e) { seen.insert(std::string(e->key())); });
    // Writes between calls keep the table rehashing and growing.
    for (int j = 0; j < 5; j++)
      env.db.SetString("extra" + std::to_string(seen.size() * 7 + j), "v");
  } while (cursor != 0);
  for (int i = 0; i < 300; i++) REQUIRE(seen.count("k" + std::to_string(i)) == 1);
  size_t n = 0;
  env.db.ForEach([&](const Entry*) { n++; });
  REQUIRE(n == env.db.size());
}

TEST_CASE("Clear drops every key and SwapContents swaps keys and expiries", "[db]") {
  Env env;
  Db& a = env.ks.db(0);
  Db& b = env.ks.db(1);
  a.SetExpire(a.SetString("a1", "x"), env.ks.now_ms() + 100);
  a.SetString("a2", "x");
  b.SetString("b1", "x");
  env.ks.SwapDbs(0, 1);
  REQUIRE(a.size() == 1);
  REQUIRE(a.Find("b1") != nullptr);
  REQUIRE(b.size() == 2);
  REQUIRE(b.expires_size() == 1);
  REQUIRE(b.GetExpire(b.Find("a1")) == env.ks.now_ms() + 100);
  REQUIRE(env.ks.TotalKeys() == 3);
  REQUIRE(b.Clear() == 2);
  REQUIRE(b.size() == 0);
  REQUIRE(b.expires_size() == 0);
  REQUIRE(b.Find("a1") == nullptr);
  b.SetString("again", "x");  // usable after a clear
  REQUIRE(b.Find("again") != nullptr);
}

TEST_CASE("the cron shrinks emptied tables and finishes their rehash", "[db][resize]") {
  Env env;
  for (int i = 0; i < 1000; i++) {
    env.db.SetExpire(env.db.SetString("k" + std::to_string(i), "v"), env.ks.now_ms() + 100'000);
  }
  env.ks.DatabasesCron(1000);
  REQUIRE(env.db.expires_slots() == 1024);
  for (int i = 10; i < 1000; i++) REQUIRE(env.db.Delete("k" + std::to_string(i)));
  // ManualClock does not move, so one call shrinks and completes the rehash within its budget.
  env.ks.DatabasesCron(1000);
  REQUIRE(env.db.expires_slots() == 16);
  REQUIRE_FALSE(env.db.RehashFor(1000));
  for (int i = 0; i < 10; i++) REQUIRE(env.db.Find("k" + std::to_string(i)) != nullptr);
}

TEST_CASE("the cron leaves tables alone while resizing is disallowed", "[db][resize]") {
  ResizePolicyGuard guard;
  Env env;
  for (int i = 0; i < 1000; i++) {
    env.db.SetExpire(env.db.SetString("k" + std::to_string(i), "v"), env.ks.now_ms() + 100'000);
  }
  env.ks.DatabasesCron(1000);
  for (int i = 10; i < 1000; i++) REQUIRE(env.db.Delete("k" + std::to_string(i)));
  env.ks.SetResizeAllowed(false);
  env.ks.DatabasesCron(1000);
  REQUIRE(env.db.expires_slots() == 1024);
  env.ks.SetResizeAllowed(true);
  env.ks.DatabasesCron(1000);
  REQUIRE(env.db.expires_slots() == 16);
}

}  // namespace
}  // namespace keel::engine
