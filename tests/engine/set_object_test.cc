// SetObject: the intset/hashtable choice at Redis 7.0's boundaries (threshold, non-integer
// members, 64-bit edges, strings that only look like integers), random members, SSCAN's cursor
// across rehashing, and Clone.
#include "engine/set_object.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/memory.h"

namespace keel::engine {
namespace {

constexpr int64_t kMax = 512;

std::set<std::string> Sorted(const SetObject& s) {
  std::vector<std::string> m = s.Members();
  return std::set<std::string>(m.begin(), m.end());
}

TEST_CASE("an intset converts to a hashtable only past set-max-intset-entries", "[set]") {
  auto s = SetObject::CreateFor("1");
  REQUIRE(s->is_intset());
  for (int i = 1; i <= 4; i++) CHECK(s->Add(std::to_string(i), 4));
  CHECK(std::string(s->EncodingName()) == "intset");
  CHECK_FALSE(s->Add("4", 4));  // a duplicate at the limit changes nothing
  CHECK(s->is_intset());
  CHECK(s->Add("5", 4));
  CHECK(std::string(s->EncodingName()) == "hashtable");
  CHECK(s->Size() == 5);
  for (int i = 1; i <= 5; i++) CHECK(s->Contains(std::to_string(i)));
  CHECK(Sorted(*s) == std::set<std::string>{"1", "2", "3", "4", "5"});
}

TEST_CASE("a non-integer member converts an intset, which never converts back", "[set]") {
  auto s = SetObject::CreateIntset();
  CHECK(s->Add("7", kMax));
  CHECK(s->Add("-3", kMax));
  CHECK(s->Add("a", kMax));
  CHECK_FALSE(s->is_intset());
  CHECK(s->Contains("7"));
  CHECK(s->ContainsInt(-3));
  CHECK(s->Remove("a"));
  CHECK_FALSE(s->is_intset());  // only integers left, still a hashtable (as Redis)
  CHECK(s->Size() == 2);
  CHECK(s->Add("8", kMax));
  CHECK_FALSE(s->is_intset());
}

TEST_CASE("64-bit edge integers stay in the intset; one past them is a string", "[set]") {
  auto s = SetObject::CreateFor("9223372036854775807");
  REQUIRE(s->is_intset());
  CHECK(s->Add("9223372036854775807", kMax));
  CHECK(s->Add("-9223372036854775808", kMax));
  CHECK(s->Add("0", kMax));
  CHECK(s->is_intset());
  CHECK(s->intset().width() == 8);
  CHECK(s->Members() ==
        std::vector<std::string>{"-9223372036854775808", "0", "9223372036854775807"});
  CHECK(s->ContainsInt(INT64_MIN));
  CHECK_FALSE(s->Contains("9223372036854775808"));
  CHECK(s->is_intset());  // a lookup never converts
  CHECK(s->Add("9223372036854775808", kMax));
  CHECK_FALSE(s->is_intset());
  CHECK(s->Contains("9223372036854775807"));
  CHECK(s->Contains("-9223372036854775808"));
  CHECK(SetObject::CreateFor("-9223372036854775809")->is_intset() == false);
}

TEST_CASE("\"01\", \"+1\", \"-0\", \" 1\" and \"\" are strings, not integers", "[set]") {
  for (const char* text : {"01", "+1", "-0", " 1", "1 ", "", "0x1", "1.0", "-"}) {
    INFO(text);
    CHECK_FALSE(SetObject::CreateFor(text)->is_intset());
    auto s = SetObject::CreateIntset();
    CHECK(s->Add("1", kMax));
    CHECK(s->Add("0", kMax));
    CHECK_FALSE(s->Contains(text));
    CHECK_FALSE(s->Remove(text));
    CHECK(s->is_intset());
    CHECK(s->Add(text, kMax));
    CHECK_FALSE(s->is_intset());
    CHECK(s->Size() == 3);
    CHECK(s->Contains(text));
    CHECK(s->Contains("1"));
  }
  CHECK(SetObject::CreateFor("-1")->is_intset());
  CHECK(SetObject::CreateFor("0")->is_intset());
}

TEST_CASE("set-max-intset-entries 0 converts on the first add", "[set]") {
  auto s = SetObject::CreateFor("5");
  CHECK(s->Add("5", 0));
  CHECK_FALSE(s->is_intset());
  CHECK(s->Contains("5"));
}

TEST_CASE("random members are members, and every member comes up", "[set]") {
  for (bool ints : {true, false}) {
    INFO("ints " << ints);
    auto s = SetObject::CreateIntset();
    std::set<std::string> all;
    for (int i = 0; i < 20; i++) {
      std::string m = ints ? std::to_string(i * 1000 - 7000) : "m" + std::to_string(i);
      s->Add(m, kMax);
      all.insert(m);
    }
    CHECK(s->is_intset() == ints);
    std::map<std::string, int> seen;
    for (int i = 0; i < 4000; i++) seen[s->Random().ToString()]++;
    CHECK(seen.size() == all.size());
    for (const auto& [m, n] : seen) {
      CHECK(all.count(m) == 1);
      CHECK(n > 50);  // 200 expected; a never-drawn or starved member fails
    }
  }
}

TEST_CASE("SSCAN's cursor returns every member while the table grows and rehashes", "[set]") {
  auto s = SetObject::CreateHashtable();
  std::set<std::string> original;
  for (int i = 0; i < 200; i++) {
    std::string m = "orig:" + std::to_string(i);
    s->Add(m, kMax);
    original.insert(m);
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  bool saw_rehashing = false;
  do {
    cursor = s->Scan(cursor, [&](std::string_view m) { seen.emplace(m); });
    // Grow between calls so the table doubles (and is mid-rehash) during the scan; a bounded
    // growth, or the cursor would chase an ever larger table.
    for (int i = 0; i < 40 && added < 2000; i++) s->Add("new:" + std::to_string(added++), kMax);
    saw_rehashing = saw_rehashing || s->rehashing();
  } while (cursor != 0);
  CHECK(saw_rehashing);
  for (const std::string& m : original) CHECK(seen.count(m) == 1);
}

TEST_CASE("SSCAN's cursor returns every member while the table shrinks", "[set]") {
  auto s = SetObject::CreateHashtable();
  std::set<std::string> kept;
  for (int i = 0; i < 1000; i++) s->Add("m" + std::to_string(i), kMax);
  for (int i = 0; i < 1000; i += 50) kept.insert("m" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int next = 0;
  do {
    cursor = s->Scan(cursor, [&](std::string_view m) { seen.emplace(m); });
    for (int n = 0; n < 60 && next < 1000; next++) {
      if (next % 50 != 0) {
        s->Remove("m" + std::to_string(next));
        n++;
      }
    }
  } while (cursor != 0);
  CHECK(s->Size() == kept.size());
  for (const std::string& m : kept) CHECK(seen.count(m) == 1);
}

TEST_CASE("Clone keeps the encoding and the members and is independent", "[set]") {
  auto ints = SetObject::CreateIntset();
  for (int i = 0; i < 10; i++) ints->Add(std::to_string(i), kMax);
  auto strs = SetObject::CreateIntset();
  for (int i = 0; i < 10; i++) strs->Add(std::to_string(i), kMax);
  strs->Remove("9");
  strs->Add("x", kMax);
  for (SetObject* s : {ints.get(), strs.get()}) {
    std::unique_ptr<Object> copy = s->Clone();
    auto* c = static_cast<SetObject*>(copy.get());
    CHECK(std::string(c->EncodingName()) == s->EncodingName());
    CHECK(Sorted(*c) == Sorted(*s));
    c->Add("extra", kMax);
    CHECK_FALSE(s->Contains("extra"));
  }
}

TEST_CASE("memory is released and accounted per member", "[set]") {
  // No Catch assertion inside the block: its bookkeeping allocates too.
  const size_t before = UsedMemory();
  size_t ht_bytes = 0, is_bytes = 0, used = 0;
  {
    auto s = SetObject::CreateHashtable();
    for (int i = 0; i < 1000; i++) s->Add("member:" + std::to_string(i), kMax);
    auto is = SetObject::CreateIntset();
    for (int i = 0; i < 100; i++) is->Add(std::to_string(i), kMax);
    ht_bytes = s->AllocatedBytes();
    is_bytes = is->AllocatedBytes();
    used = UsedMemory() - before;
  }
  const size_t after = UsedMemory();
  CHECK(ht_bytes > 1000 * 16);
  CHECK(is_bytes >= 8 + 100 * 2);
  CHECK(used >= ht_bytes + is_bytes - 64);
  CHECK(after == before);
}

TEST_CASE("Swap exchanges contents and encodings", "[set]") {
  auto a = SetObject::CreateIntset();
  a->Add("1", kMax);
  auto b = SetObject::CreateHashtable();
  b->Add("x", kMax);
  b->Add("y", kMax);
  a->Swap(*b);
  CHECK_FALSE(a->is_intset());
  CHECK(a->Size() == 2);
  CHECK(b->is_intset());
  CHECK(b->Members() == std::vector<std::string>{"1"});
  a->Swap(*b);  // and back
  CHECK(a->is_intset());
  CHECK(b->Size() == 2);
  auto c = SetObject::CreateIntset();
  c->Add("2", kMax);
  a->Swap(*c);
  CHECK(a->Members() == std::vector<std::string>{"2"});
  auto d = SetObject::CreateHashtable();
  b->Swap(*d);
  CHECK(b->Size() == 0);
  CHECK(d->Size() == 2);
  CHECK_FALSE(b->is_intset());
}

TEST_CASE("a SetObject takes 16 bytes, as Redis's robj", "[set]") {
  // The intset pointer and the tagged hashtable pointer share one word.
  CHECK(sizeof(SetObject) == 16);
  auto s = SetObject::CreateIntset();
  CHECK(UsableSize(s.get()) == 16);
}

}  // namespace
}  // namespace keel::engine
