// HashObject on its own: the listpack -> hashtable conversion at Redis 7.0's exact thresholds
// (checked with OBJECT ENCODING on redis-server 7.0.15), lookups and updates in both encodings,
// iteration order, HRANDFIELD's draws, HSCAN over a rehashing table, and Clone.
#include "engine/hash_object.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"

namespace keel::engine {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Contents(const HashObject& h) {
  Pairs out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

std::map<std::string, std::string> AsMap(const HashObject& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

std::string GetOr(HashObject& h, std::string_view field, std::string_view absent = "<none>") {
  char buf[24];
  std::optional<std::string_view> v = h.Get(field, buf);
  return v ? std::string(*v) : std::string(absent);
}

// A hash of `n` short fields f0..f{n-1} with values v0..., set in that order.
std::unique_ptr<HashObject> Filled(size_t n, const EncodingLimits& limits = EncodingLimits{}) {
  auto h = std::make_unique<HashObject>();
  for (size_t i = 0; i < n; i++) {
    h->Set("f" + std::to_string(i), "v" + std::to_string(i), limits);
  }
  return h;
}

TEST_CASE("a value of 64 bytes stays in the listpack, 65 bytes converts", "[hash]") {
  EncodingLimits limits;
  HashObject a;
  a.Set("f", std::string(64, 'x'), limits);
  CHECK(a.EncodingName() == std::string("listpack"));
  HashObject b;
  b.Set("f", std::string(65, 'x'), limits);
  CHECK(b.EncodingName() == std::string("hashtable"));
  CHECK(GetOr(b, "f") == std::string(65, 'x'));
}

TEST_CASE("a field longer than hash-max-listpack-value converts too", "[hash]") {
  EncodingLimits limits;
  HashObject h;
  h.Set("small", "1", limits);
  h.Set(std::string(65, 'f'), "x", limits);
  CHECK(!h.is_listpack());
  CHECK(GetOr(h, "small") == "1");
  CHECK(GetOr(h, std::string(65, 'f')) == "x");
}

TEST_CASE("512 fields stay a listpack, the 513th converts", "[hash]") {
  EncodingLimits limits;
  auto h_owner = Filled(512, limits);
  HashObject& h = *h_owner;
  CHECK(h.is_listpack());
  CHECK(h.Size() == 512);
  // Overwriting a field does not add one.
  h.Set("f7", "new", limits);
  CHECK(h.is_listpack());
  h.Set("f512", "v512", limits);
  CHECK(h.EncodingName() == std::string("hashtable"));
  CHECK(h.Size() == 513);
  for (size_t i = 0; i <= 512; i++) {
    CHECK(GetOr(h, "f" + std::to_string(i)) == (i == 7 ? "new" : "v" + std::to_string(i)));
  }
}

TEST_CASE("the thresholds come from the limits given", "[hash]") {
  EncodingLimits limits;
  limits.hash_max_listpack_entries = 2;
  limits.hash_max_listpack_value = 3;
  auto h_owner = Filled(2, limits);
  HashObject& h = *h_owner;
  CHECK(h.is_listpack());
  h.Set("f2", "v2", limits);
  CHECK(!h.is_listpack());
  HashObject g;
  g.Set("abc", "abcd", limits);
  CHECK(!g.is_listpack());
}

TEST_CASE("a hashtable never converts back, even when emptied to one field", "[hash]") {
  EncodingLimits limits;
  auto h_owner = Filled(600, limits);
  HashObject& h = *h_owner;
  for (size_t i = 1; i < 600; i++) REQUIRE(h.Delete("f" + std::to_string(i)));
  CHECK(h.Size() == 1);
  CHECK(!h.is_listpack());
  CHECK(GetOr(h, "f0") == "v0");
  CHECK(!h.Delete("f1"));
}

TEST_CASE("TryConversion checks every argument, even one overwritten later", "[hash]") {
  // redis 7.0.15: HSET k f <100 bytes> f 1 leaves a hashtable holding f=1.
  EncodingLimits limits;
  HashObject h;
  std::string long_value(100, 'x');
  std::vector<std::string_view> args = {"f", long_value, "f", "1"};
  h.TryConversion(args, limits);
  CHECK(!h.is_listpack());
  HashObject fits;
  std::vector<std::string_view> short_args = {"f", std::string_view(long_value).substr(0, 64)};
  fits.TryConversion(short_args, limits);
  CHECK(fits.is_listpack());
}

TEST_CASE("a listpack iterates in insertion order, with updates in place", "[hash]") {
  EncodingLimits limits;
  HashObject h;
  CHECK(h.Set("b", "1", limits));
  CHECK(h.Set("a", "2", limits));
  CHECK(h.Set("c", "-17", limits));
  CHECK_FALSE(h.Set("a", "two", limits));
  CHECK(Contents(h) == Pairs{{"b", "1"}, {"a", "two"}, {"c", "-17"}});
  CHECK(h.Delete("b"));
  CHECK_FALSE(h.Delete("b"));
  CHECK(Contents(h) == Pairs{{"a", "two"}, {"c", "-17"}});
}

TEST_CASE("integer-looking fields and values read back as their text", "[hash]") {
  EncodingLimits limits;
  HashObject h;
  h.Set("1", "9223372036854775807", limits);
  h.Set("-5", "007", limits);
  h.Set("", "", limits);
  CHECK(GetOr(h, "1") == "9223372036854775807");
  CHECK(GetOr(h, "-5") == "007");
  CHECK(GetOr(h, "") == "");
  CHECK(GetOr(h, "01") == "<none>");
  CHECK(h.Exists(""));
  CHECK_FALSE(h.Exists("2"));
}

TEST_CASE("hashtable values grow and shrink in place or in a new block", "[hash]") {
  EncodingLimits limits;
  auto h_owner = Filled(600, limits);
  HashObject& h = *h_owner;
  const size_t before = h.AllocatedBytes();
  std::string big(5000, 'b');
  CHECK_FALSE(h.Set("f3", big, limits));
  CHECK(GetOr(h, "f3") == big);
  CHECK(h.AllocatedBytes() >= before + 4900);
  CHECK_FALSE(h.Set("f3", "s", limits));
  CHECK(GetOr(h, "f3") == "s");
  CHECK(h.AllocatedBytes() < before + 100);
  // A value whose length varint grows from one to two bytes moves the field within the block.
  CHECK_FALSE(h.Set("f4", std::string(200, 'z'), limits));
  CHECK(GetOr(h, "f4") == std::string(200, 'z'));
  CHECK(h.Size() == 600);
  CHECK(AsMap(h).at("f4") == std::string(200, 'z'));
}

TEST_CASE("RandomPairs draws existing fields with their values", "[hash]") {
  EncodingLimits limits;
  for (size_t n : {size_t{5}, size_t{600}}) {
    auto h_owner = Filled(n, limits);
    HashObject& h = *h_owner;
    std::map<std::string, std::string> m = AsMap(h);
    size_t draws = 0;
    h.RandomPairs(1000, [&](std::string_view f, std::string_view v) {
      draws++;
      REQUIRE(m.count(std::string(f)) == 1);
      CHECK(m[std::string(f)] == v);
    });
    CHECK(draws == 1000);
    std::string one;
    h.RandomPair([&](std::string_view f, std::string_view) { one = f; });
    CHECK(m.count(one) == 1);
  }
}

TEST_CASE("RandomPairs on a listpack can repeat and reaches every field", "[hash]") {
  EncodingLimits limits;
  auto h_owner = Filled(3, limits);
  HashObject& h = *h_owner;
  std::multiset<std::string> seen;
  h.RandomPairs(300, [&](std::string_view f, std::string_view) { seen.emplace(f); });
  CHECK(seen.size() == 300);
  CHECK(seen.count("f0") > 0);
  CHECK(seen.count("f1") > 0);
  CHECK(seen.count("f2") > 0);
}

TEST_CASE("RandomDistinctPairs returns exactly count distinct fields", "[hash]") {
  EncodingLimits limits;
  // Both strategies (count above and below a third of the hash) for both encodings.
  for (size_t n : {size_t{30}, size_t{900}}) {
    auto h_owner = Filled(n, limits);
    HashObject& h = *h_owner;
    std::map<std::string, std::string> m = AsMap(h);
    for (uint64_t count : {uint64_t{2}, uint64_t{n / 4}, uint64_t{n / 2}, uint64_t{n - 1}}) {
      std::set<std::string> seen;
      h.RandomDistinctPairs(count, [&](std::string_view f, std::string_view v) {
        CHECK(seen.emplace(f).second);
        CHECK(m.at(std::string(f)) == v);
      });
      CHECK(seen.size() == count);
    }
  }
}

TEST_CASE("a listpack's distinct sample keeps listpack order", "[hash]") {
  EncodingLimits limits;
  auto h_owner = Filled(100, limits);
  HashObject& h = *h_owner;  // f0..f99 in this order
  std::vector<int> picked;
  h.RandomDistinctPairs(10, [&](std::string_view f, std::string_view) {
    picked.push_back(std::stoi(std::string(f.substr(1))));
  });
  REQUIRE(picked.size() == 10);
  CHECK(std::is_sorted(picked.begin(), picked.end()));
}

TEST_CASE("a scan over a rehashing table returns every field", "[hash]") {
  EncodingLimits limits;
  // Converted at 513 fields into 1024 buckets; the 1025th insert starts growing to 2048.
  auto h_owner = Filled(1025, limits);
  HashObject& h = *h_owner;
  REQUIRE(h.rehashing());
  std::set<std::string> seen;
  uint64_t cursor = 0;
  size_t extra = 0;
  size_t calls = 0;
  do {
    cursor = h.Scan(cursor, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    // Change the table between calls: each write moves a bucket; later ones grow it again.
    for (int i = 0; i < 4; i++) h.Set("x" + std::to_string(extra++), "v", limits);
    if (extra % 8 == 0) h.Delete("x" + std::to_string(extra - 5));
    calls++;
  } while (cursor != 0 && calls < 100000);
  CHECK(cursor == 0);
  for (size_t i = 0; i < 1025; i++) CHECK(seen.count("f" + std::to_string(i)) == 1);
}

TEST_CASE("Clone copies both encodings deeply", "[hash]") {
  EncodingLimits limits;
  for (size_t n : {size_t{3}, size_t{700}}) {
    auto h_owner = Filled(n, limits);
    HashObject& h = *h_owner;
    std::unique_ptr<Object> copy = h.Clone();
    auto* c = static_cast<HashObject*>(copy.get());
    CHECK(c->EncodingName() == std::string(h.EncodingName()));
    CHECK(AsMap(*c) == AsMap(h));
    c->Set("f0", "changed", limits);
    c->Delete("f1");
    CHECK(GetOr(h, "f0") == "v0");
    CHECK(GetOr(h, "f1") == "v1");
    CHECK(c->Size() == n - 1);
  }
}

TEST_CASE("a hash object is two words, as small as Redis's robj", "[hash]") {
  // The vtable pointer and the tagged listpack/table word: one 16-byte allocator block.
  CHECK(sizeof(HashObject) == 2 * sizeof(void*));
}

TEST_CASE("AllocatedBytes counts the fields of both encodings", "[hash]") {
  EncodingLimits limits;
  auto small_owner = Filled(10, limits);
  HashObject& small = *small_owner;
  auto large_owner = Filled(10000, limits);
  HashObject& large = *large_owner;
  CHECK(small.AllocatedBytes() > 60);
  // Each hashtable field is at least its node (next pointer, lengths, bytes) plus a bucket.
  CHECK(large.AllocatedBytes() > 10000 * (8 + 2 + 8));
  CHECK(large.AllocatedBytes() < 10000 * 64);
}

}  // namespace
}  // namespace keel::engine
