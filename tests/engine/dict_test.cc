// Dict: lookups, inserts and deletes while an incremental rehash is in progress, SCAN's guarantee
// across rehashing and resizes between calls, random elements, and the fork-time resize policy.
#include "engine/dict.h"

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace keel::engine {
namespace {

struct TestNode {
  TestNode* next = nullptr;
  std::string key;
};

struct TestTraits {
  static std::string_view Key(const TestNode* n) { return n->key; }
  static TestNode** NextPtr(TestNode* n) { return &n->next; }
};

using TestDict = Dict<TestNode, TestTraits>;

// Owns the nodes of a dict under test.
class Fixture {
 public:
  ~Fixture() {
    dict.Clear([](TestNode*) {});
  }
  TestNode* Add(const std::string& key) {
    auto node = std::make_unique<TestNode>();
    node->key = key;
    TestNode* n = node.get();
    nodes_[key] = std::move(node);
    dict.Insert(n);
    return n;
  }
  bool Del(const std::string& key) {
    TestNode* n = dict.Remove(key);
    if (n == nullptr) return false;
    nodes_.erase(key);
    return true;
  }
  std::set<std::string> Keys() const {
    std::set<std::string> keys;
    dict.ForEach([&](TestNode* n) { keys.insert(n->key); });
    return keys;
  }
  TestDict dict;

 private:
  std::map<std::string, std::unique_ptr<TestNode>> nodes_;
};

std::string Key(int i) { return "key:" + std::to_string(i); }

// Restores the process-wide policy even when a test fails.
struct ResizePolicyGuard {
  ~ResizePolicyGuard() { SetDictResizeAllowed(true); }
};

// Fills a dict to exactly `size` keys of a `size`-bucket table, then adds one more so that a
// rehash to twice the size starts.
void FillUntilRehashing(Fixture& f, int size) {
  for (int i = 0; i < size; i++) f.Add(Key(i));
  REQUIRE(f.dict.slots() == static_cast<size_t>(size));
  REQUIRE_FALSE(f.dict.rehashing());
  f.Add(Key(size));
  REQUIRE(f.dict.rehashing());
}

TEST_CASE("dict starts at four buckets and grows when full", "[dict]") {
  Fixture f;
  REQUIRE(f.dict.slots() == 0);
  f.Add("a");
  REQUIRE(f.dict.slots() == 4);
  for (int i = 0; i < 3; i++) f.Add(Key(i));
  REQUIRE(f.dict.size() == 4);
  REQUIRE_FALSE(f.dict.rehashing());
  f.Add("b");  // used (4) >= size (4): grow to the next power of two above 5
  REQUIRE(f.dict.rehashing());
  REQUIRE(f.dict.slots() == 4 + 8);
}

TEST_CASE("finds, inserts and deletes are correct in the middle of a rehash", "[dict]") {
  Fixture f;
  FillUntilRehashing(f, 1024);
  // Each operation moves at most one bucket, so the 1024-bucket rehash is far from done.
  for (int i = 0; i <= 1024; i += 3) REQUIRE(f.dict.Find(Key(i)) != nullptr);
  REQUIRE(f.dict.rehashing());
  REQUIRE(f.dict.Find("absent") == nullptr);
  for (int i = 0; i <= 1024; i += 7) REQUIRE(f.Del(Key(i)));
  for (int i = 2000; i < 2100; i++) f.Add(Key(i));
  REQUIRE(f.dict.rehashing());

  std::set<std::string> expected;
  for (int i = 0; i <= 1024; i++) {
    if (i % 7 != 0) expected.insert(Key(i));
  }
  for (int i = 2000; i < 2100; i++) expected.insert(Key(i));
  REQUIRE(f.Keys() == expected);
  REQUIRE(f.dict.size() == expected.size());
  for (const std::string& k : expected) REQUIRE(f.dict.Peek(k) != nullptr);
  for (int i = 0; i <= 1024; i += 7) REQUIRE(f.dict.Find(Key(i)) == nullptr);
  REQUIRE_FALSE(f.Del(Key(0)));

  while (f.dict.Rehash(100)) {
  }
  REQUIRE(f.dict.slots() == 2048);
  REQUIRE(f.Keys() == expected);
}

TEST_CASE("a rehash step visits at most ten empty buckets", "[dict]") {
  Fixture f;
  for (int i = 0; i < 1024; i++) f.Add(Key(i));
  while (f.dict.Rehash(100)) {
  }
  for (int i = 5; i < 1024; i++) REQUIRE(f.Del(Key(i)));
  // Five keys left in 1024 buckets; find the last non-empty one before shrinking.
  size_t last = 0;
  for (size_t i = 0; i < f.dict.table_size(0); i++) {
    if (f.dict.bucket(0, i) != nullptr) last = i;
  }
  REQUIRE(f.dict.ShrinkToFit());
  REQUIRE(f.dict.rehashing());
  int calls = 0;
  while (f.dict.Rehash(1)) calls++;
  calls++;
  // Each step advances over at most 10 empty buckets plus one full one, so reaching bucket
  // `last` takes at least (last + 1) / 11 steps, far more than the 5 buckets with keys.
  REQUIRE(static_cast<size_t>(calls) >= (last + 1 + 10) / 11);
  REQUIRE(f.dict.slots() == 8);
  REQUIRE(f.Keys().size() == 5);
}

TEST_CASE("unlink by address and LinkTo find the node in either table", "[dict]") {
  Fixture f;
  FillUntilRehashing(f, 16);
  TestNode* n = f.dict.Peek(Key(16));  // inserted after the rehash began: in the new table
  REQUIRE(n != nullptr);
  TestNode** link = f.dict.LinkTo(n);
  REQUIRE(link != nullptr);
  REQUIRE(*link == n);
  TestNode other;
  other.key = Key(16);
  REQUIRE(f.dict.LinkTo(&other) == nullptr);  // same key, different node
  REQUIRE(f.dict.Unlink(n));
  REQUIRE(f.dict.Peek(Key(16)) == nullptr);
  REQUIRE_FALSE(f.dict.Unlink(n));
  f.dict.Insert(n);  // give it back so the fixture's bookkeeping stays consistent
}

// Runs a full SCAN, calling `between` after every call, and returns every key seen.
template <typename Fn>
std::multiset<std::string> ScanAll(const TestDict& d, Fn between) {
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = d.Scan(cursor, [&](TestNode* n) { seen.insert(n->key); });
    between(++calls);
    REQUIRE(calls < 100000);
  } while (cursor != 0);
  return seen;
}

TEST_CASE("scan returns every key when the table grows between calls", "[dict][scan]") {
  Fixture f;
  for (int i = 0; i < 100; i++) f.Add(Key(i));
  int next = 1000;
  auto seen = ScanAll(f.dict, [&](int) {
    // Several expansions during the scan (the table ends at 4096 buckets).
    for (int k = 0; k < 20 && next < 4000; k++) f.Add(Key(next++));
  });
  REQUIRE(f.dict.size() > 3000);
  for (int i = 0; i < 100; i++) REQUIRE(seen.count(Key(i)) >= 1);
}

TEST_CASE("scan returns every key when the table shrinks between calls", "[dict][scan]") {
  Fixture f;
  for (int i = 0; i < 4000; i++) f.Add(Key(i));
  while (f.dict.Rehash(100)) {
  }
  // Keys 0..99 stay; the rest are deleted while the scan runs, and the table shrinks.
  int next_delete = 100;
  bool shrank = false;
  auto seen = ScanAll(f.dict, [&](int) {
    for (int k = 0; k < 200 && next_delete < 4000; k++) REQUIRE(f.Del(Key(next_delete++)));
    if (f.dict.NeedsShrink() && f.dict.ShrinkToFit()) shrank = true;
  });
  REQUIRE(shrank);
  for (int i = 0; i < 100; i++) REQUIRE(seen.count(Key(i)) >= 1);
}

TEST_CASE("scan returns every key when it starts and ends mid-rehash", "[dict][scan]") {
  Fixture f;
  FillUntilRehashing(f, 512);
  // No operations between calls: the scan walks both tables of a rehash in progress.
  auto seen = ScanAll(f.dict, [](int) {});
  REQUIRE(f.dict.rehashing());
  for (int i = 0; i <= 512; i++) REQUIRE(seen.count(Key(i)) >= 1);

  // And with rehash steps (finds) between calls, completing the rehash during the scan.
  auto seen2 = ScanAll(f.dict, [&](int) {
    for (int k = 0; k < 40; k++) f.dict.Find(Key(k));
  });
  REQUIRE_FALSE(f.dict.rehashing());
  for (int i = 0; i <= 512; i++) REQUIRE(seen2.count(Key(i)) >= 1);
}

TEST_CASE("scan of an empty dict ends at once", "[dict][scan]") {
  TestDict d;
  int calls = 0;
  REQUIRE(d.Scan(0, [&](TestNode*) { calls++; }) == 0);
  REQUIRE(calls == 0);
}

TEST_CASE("fair random element returns only members and reaches all of them", "[dict][random]") {
  Fixture f;
  REQUIRE(f.dict.FairRandom() == nullptr);
  REQUIRE(f.dict.Random() == nullptr);
  for (int i = 0; i < 10; i++) f.Add(Key(i));
  std::map<std::string, int> hits;
  for (int i = 0; i < 3000; i++) {
    TestNode* n = f.dict.FairRandom();
    REQUIRE(n != nullptr);
    hits[n->key]++;
  }
  REQUIRE(hits.size() == 10);
  for (int i = 0; i < 10; i++) REQUIRE(hits.count(Key(i)) == 1);
}

TEST_CASE("random element while rehashing draws from both tables", "[dict][random]") {
  Fixture f;
  FillUntilRehashing(f, 256);
  std::set<std::string> hits;
  for (int i = 0; i < 20000 && hits.size() < 257; i++) {
    TestNode* n = f.dict.Random();
    REQUIRE(n != nullptr);
    REQUIRE(f.dict.Peek(n->key) == n);
    hits.insert(n->key);
  }
  REQUIRE(hits.size() > 200);
  TestNode* sample[15];
  size_t got = f.dict.Sample(sample, 15);
  REQUIRE(got == 15);
  for (size_t i = 0; i < got; i++) REQUIRE(f.dict.Peek(sample[i]->key) == sample[i]);
}

TEST_CASE("sample never returns more than the dict holds", "[dict][random]") {
  Fixture f;
  f.Add("only");
  TestNode* sample[15];
  REQUIRE(f.dict.Sample(sample, 15) == 1);
  REQUIRE(sample[0]->key == "only");
}

TEST_CASE("while resizing is disallowed the table grows only past five keys per bucket",
          "[dict][resize]") {
  ResizePolicyGuard guard;
  Fixture f;
  f.Add(Key(0));
  REQUIRE(f.dict.slots() == 4);
  SetDictResizeAllowed(false);
  for (int i = 1; i < 24; i++) f.Add(Key(i));
  REQUIRE(f.dict.slots() == 4);  // 23 keys: 23/4 = 5, not above the ratio
  f.Add(Key(24));                // 24/4 = 6 > 5 before this insert: forced growth
  REQUIRE(f.dict.rehashing());
  // Shrinking is refused outright.
  while (f.dict.Rehash(100)) {
  }
  for (int i = 0; i < 24; i++) REQUIRE(f.Del(Key(i)));
  REQUIRE(f.dict.NeedsShrink());
  REQUIRE_FALSE(f.dict.ShrinkToFit());
  SetDictResizeAllowed(true);
  REQUIRE(f.dict.ShrinkToFit());
  while (f.dict.Rehash(100)) {
  }
  REQUIRE(f.dict.slots() == 4);
}

TEST_CASE("shrink goes to the smallest power of two holding the keys", "[dict][resize]") {
  Fixture f;
  for (int i = 0; i < 1000; i++) f.Add(Key(i));
  while (f.dict.Rehash(100)) {
  }
  REQUIRE(f.dict.slots() == 1024);
  REQUIRE_FALSE(f.dict.NeedsShrink());
  for (int i = 0; i < 950; i++) REQUIRE(f.Del(Key(i)));
  REQUIRE(f.dict.NeedsShrink());  // 50 keys in 1024 buckets: under 10%
  REQUIRE(f.dict.ShrinkToFit());
  REQUIRE_FALSE(f.dict.ShrinkToFit());  // already rehashing
  while (f.dict.Rehash(100)) {
  }
  REQUIRE(f.dict.slots() == 64);
  REQUIRE(f.Keys().size() == 50);
}

TEST_CASE("hash is stable within the process and separates keys", "[dict]") {
  REQUIRE(DictHash("hello") == DictHash(std::string("hello")));
  REQUIRE(DictHash("hello") != DictHash("hellp"));
  REQUIRE(DictHash("") != DictHash(std::string_view("\0", 1)));
}

}  // namespace
}  // namespace keel::engine
