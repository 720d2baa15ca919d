// Tests for the owned listpack: navigation, every kind of change in the middle and at the ends,
// Seek from both ends (also with more than 65535 elements, where the header count is unknown),
// Find with skip, memory accounting, and a randomized comparison against a std::deque model in
// which every step is re-validated with the codec.
#include "engine/listpack.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "formats/listpack.h"

namespace keel::engine {
namespace {

using Pos = Listpack::Pos;

std::vector<std::string> Contents(const Listpack& lp) {
  std::vector<std::string> out;
  for (Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(p))
    out.push_back(lp.Get(p).ToString());
  return out;
}

std::vector<std::string> ContentsBackwards(const Listpack& lp) {
  std::vector<std::string> out;
  for (Pos p = lp.Last(); p != Listpack::kNone; p = lp.Prev(p))
    out.insert(out.begin(), lp.Get(p).ToString());
  return out;
}

void CheckValid(const Listpack& lp) {
  size_t count = 0;
  Status s = formats::ValidateListpack(lp.data(), true, nullptr, &count);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(count == lp.size());
  CHECK(lp.AllocatedBytes() >= lp.bytes());
}

std::string Built(const std::vector<std::string>& elements) {
  formats::ListpackBuilder b;
  for (const std::string& e : elements) b.Add(e);
  return b.Finish();
}

std::string Raw(const Listpack& lp) {
  return {reinterpret_cast<const char*>(lp.data().data()), lp.data().size()};
}

TEST_CASE("an empty listpack is a header and a terminator", "[listpack]") {
  Listpack lp;
  CHECK(lp.size() == 0);
  CHECK(lp.empty());
  CHECK(lp.bytes() == 7);
  CHECK(lp.First() == Listpack::kNone);
  CHECK(lp.Last() == Listpack::kNone);
  CHECK(lp.Seek(0) == Listpack::kNone);
  CHECK(lp.Seek(-1) == Listpack::kNone);
  CHECK(lp.Find(lp.First(), "x", 0) == Listpack::kNone);
  CheckValid(lp);
}

TEST_CASE("appends build the same bytes as Redis's HSET", "[listpack]") {
  Listpack lp;
  lp.Append("a");
  lp.AppendInt(1);
  lp.Append("b");
  lp.Append("hello");
  // HSET h a 1 b hello; DUMP h on redis-server 7.0.15.
  CHECK(Raw(lp) == Built({"a", "1", "b", "hello"}));
  CHECK(formats::ListpackStringToInt64("1", nullptr));
  const uint8_t redis[] = {0x16, 0,   0, 0,    4,   0,   0x81, 'a', 2,   1, 1,
                           0x81, 'b', 2, 0x85, 'h', 'e', 'l',  'l', 'o', 6, 0xff};
  CHECK(Raw(lp) == std::string(reinterpret_cast<const char*>(redis), sizeof(redis)));
}

TEST_CASE("values read back as integers or strings as Redis stored them", "[listpack]") {
  Listpack lp;
  for (const char* v : {"0", "-0", "01", "127", "128", "-4096", "9223372036854775807",
                        "9223372036854775808", "", "x"}) {
    lp.Append(v);
  }
  CHECK(Contents(lp) == std::vector<std::string>{"0", "-0", "01", "127", "128", "-4096",
                                                 "9223372036854775807", "9223372036854775808", "",
                                                 "x"});
  LpValue v = lp.Get(lp.Seek(3));
  CHECK(v.is_int);
  CHECK(v.num == 127);
  CHECK(v.Equals("127"));
  CHECK_FALSE(v.Equals("0127"));
  char buf[24];
  CHECK(v.Bytes(buf) == "127");
  LpValue s = lp.Get(lp.Seek(1));
  CHECK_FALSE(s.is_int);
  CHECK(s.str == "-0");
  CHECK(s.Equals("-0"));
  CHECK_FALSE(s.Equals("0"));
  CHECK(lp.Get(lp.Seek(6)).num == INT64_MAX);
  CHECK_FALSE(lp.Get(lp.Seek(7)).is_int);
  CheckValid(lp);
}

TEST_CASE("prepend, insert, replace and delete in the middle", "[listpack]") {
  Listpack lp;
  lp.Append("b");
  lp.Prepend("a");
  lp.AppendInt(4);
  Pos p = lp.Seek(1);  // "b"
  Pos q = lp.InsertAfter(p, "c");
  CHECK(lp.Get(q).str == "c");
  q = lp.InsertBefore(lp.Seek(0), "start");
  CHECK(q == lp.First());
  lp.PrependInt(-1);
  CHECK(Contents(lp) == std::vector<std::string>{"-1", "start", "a", "b", "c", "4"});
  // Replacing grows and shrinks the element in place; the position stays valid.
  p = lp.Seek(3);
  p = lp.Replace(p, std::string(5000, 'z'));
  CHECK(lp.Get(p).str.size() == 5000);
  CHECK(lp.Get(lp.Next(p)).str == "c");
  p = lp.ReplaceInt(p, 70000);
  CHECK(lp.Get(p).num == 70000);
  p = lp.Replace(p, "12");
  CHECK(lp.Get(p).is_int);
  CHECK(Contents(lp) == std::vector<std::string>{"-1", "start", "a", "12", "c", "4"});
  CheckValid(lp);
  // Delete returns the following element, or kNone after the last one.
  p = lp.Delete(lp.Seek(2));
  CHECK(lp.Get(p).ToString() == "12");
  CHECK(lp.Delete(lp.Last()) == Listpack::kNone);
  CHECK(Contents(lp) == std::vector<std::string>{"-1", "start", "12", "c"});
  CHECK(ContentsBackwards(lp) == Contents(lp));
  q = lp.InsertIntAfter(lp.Last(), 5);
  q = lp.InsertIntBefore(q, 6);
  CHECK(Contents(lp) == std::vector<std::string>{"-1", "start", "12", "c", "6", "5"});
  CHECK(Raw(lp) == Built({"-1", "start", "12", "c", "6", "5"}));
  CheckValid(lp);
}

TEST_CASE("Seek counts negative indexes from the end", "[listpack]") {
  Listpack lp;
  for (int i = 0; i < 10; ++i) lp.AppendInt(i);
  for (int i = 0; i < 10; ++i) {
    CHECK(lp.Get(lp.Seek(i)).num == i);
    CHECK(lp.Get(lp.Seek(-1 - i)).num == 9 - i);
  }
  CHECK(lp.Seek(10) == Listpack::kNone);
  CHECK(lp.Seek(-11) == Listpack::kNone);
  CHECK(lp.Seek(INT64_MIN) == Listpack::kNone);
  CHECK(lp.Seek(INT64_MAX) == Listpack::kNone);
}

TEST_CASE("more than 65535 elements: unknown header count, Seek and size still work",
          "[listpack]") {
  // Built by the codec up to one short of the limit (appending 66000 times one by one is
  // quadratic under the sanitizer's allocator, which reallocates on every growth).
  const int n = 66000;
  formats::ListpackBuilder b;
  for (int i = 0; i < 65534; ++i) b.AddInt(i % 1000);
  const std::string bytes = b.Finish();
  Listpack lp = Listpack::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  CHECK(formats::ListpackHeaderCount(lp.data().data()) == 65534);
  lp.AppendInt(65534 % 1000);  // the 65535th element makes the count unknown
  CHECK(formats::ListpackHeaderCount(lp.data().data()) == formats::kListpackCountUnknown);
  CHECK(lp.size() == 65535);
  for (int i = 65535; i < n; ++i) lp.AppendInt(i % 1000);
  CHECK(lp.size() == n);
  CHECK(lp.Get(lp.Seek(-1)).num == (n - 1) % 1000);
  CHECK(lp.Get(lp.Seek(-n)).num == 0);
  CHECK(lp.Seek(-n - 1) == Listpack::kNone);
  CHECK(lp.Get(lp.Seek(n - 1)).num == (n - 1) % 1000);
  CHECK(lp.Seek(n) == Listpack::kNone);
  CHECK(lp.Get(lp.Seek(33001)).num == 1);
  CheckValid(lp);
  // Back under the limit, size() stores the count in the header again.
  lp.DeleteRange(lp.First(), n - 100);
  CHECK(lp.size() == 100);
  CHECK(formats::ListpackHeaderCount(lp.data().data()) == 100);
  CheckValid(lp);
}

TEST_CASE("range deletes by position and by index", "[listpack]") {
  auto make = [] {
    Listpack lp;
    for (int i = 0; i < 8; ++i) lp.Append("e" + std::to_string(i));
    return lp;
  };
  Listpack lp = make();
  Pos p = lp.DeleteRange(lp.Seek(2), 3);
  CHECK(lp.Get(p).str == "e5");
  CHECK(Contents(lp) == std::vector<std::string>{"e0", "e1", "e5", "e6", "e7"});
  CHECK(lp.DeleteRange(lp.Seek(3), 100) == Listpack::kNone);
  CHECK(Contents(lp) == std::vector<std::string>{"e0", "e1", "e5"});
  CheckValid(lp);

  lp = make();
  lp.DeleteRangeByIndex(-3, 2);
  CHECK(Contents(lp) == std::vector<std::string>{"e0", "e1", "e2", "e3", "e4", "e7"});
  lp.DeleteRangeByIndex(4, 10);  // through the end: the terminator moves
  CHECK(Contents(lp) == std::vector<std::string>{"e0", "e1", "e2", "e3"});
  lp.DeleteRangeByIndex(9, 1);
  lp.DeleteRangeByIndex(0, 0);
  CHECK(lp.size() == 4);
  lp.DeleteRangeByIndex(0, 4);
  CHECK(lp.empty());
  CHECK(lp.bytes() == 7);
  CheckValid(lp);
}

TEST_CASE("Find compares as Redis's lpFind, with skip", "[listpack]") {
  Listpack lp;
  for (const char* v : {"f1", "v1", "10", "f1", "f2", "10", "-0", "x"}) lp.Append(v);
  CHECK(lp.Find(lp.First(), "f1", 0) == lp.Seek(0));
  CHECK(lp.Find(lp.First(), "10", 0) == lp.Seek(2));
  // Skip 1 looks at fields only: "f1" as a value at index 3 is not seen, "10" at 5 is not either.
  CHECK(lp.Find(lp.First(), "10", 1) == lp.Seek(2));
  CHECK(lp.Find(lp.First(), "f2", 1) == lp.Seek(4));
  CHECK(lp.Find(lp.First(), "v1", 1) == Listpack::kNone);
  CHECK(lp.Find(lp.Seek(1), "f1", 1) == lp.Seek(3));
  CHECK(lp.Find(lp.First(), "x", 1) == Listpack::kNone);
  CHECK(lp.Find(lp.Seek(1), "x", 1) == lp.Seek(7));
  // An integer element matches only the canonical decimal form.
  CHECK(lp.Find(lp.First(), "010", 0) == Listpack::kNone);
  CHECK(lp.Find(lp.First(), "-0", 0) == lp.Seek(6));
  CHECK(lp.Find(lp.First(), "0", 0) == Listpack::kNone);
  CHECK(lp.Find(Listpack::kNone, "f1", 0) == Listpack::kNone);
}

TEST_CASE("memory: the buffer is counted and given back", "[listpack]") {
  const size_t before = UsedMemory();
  {
    Listpack lp;
    for (int i = 0; i < 1000; ++i) lp.Append("value-" + std::to_string(i));
    CHECK(lp.AllocatedBytes() >= lp.bytes());
    CHECK(lp.AllocatedBytes() < lp.bytes() + lp.bytes() / 4 + 64);
    const size_t big = lp.AllocatedBytes();
    lp.DeleteRangeByIndex(10, 990);
    // Deletions shrink the allocation as Redis's do.
    CHECK(lp.AllocatedBytes() < big / 4);
    CHECK(UsedMemory() - before >= lp.AllocatedBytes());
    Listpack copy = lp;
    CHECK(Raw(copy) == Raw(lp));
    Listpack moved = std::move(copy);
    CHECK(moved.size() == 10);
    copy = lp;  // a moved-from listpack can be assigned to
    CHECK(copy.size() == 10);
  }
  CHECK(UsedMemory() == before);
}

TEST_CASE("FromBytes adopts a copy and Merge appends", "[listpack]") {
  std::string bytes = Built({"a", "2", std::string(70, 'c')});
  Listpack lp = Listpack::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  CHECK(Contents(lp) == std::vector<std::string>{"a", "2", std::string(70, 'c')});
  Listpack other;
  other.Append("d");
  other.AppendInt(-9);
  lp.Merge(std::move(other));
  CHECK(other.empty());
  CHECK(Raw(lp) == Built({"a", "2", std::string(70, 'c'), "d", "-9"}));
  CheckValid(lp);
  Listpack& same = lp;
  lp.Merge(std::move(same));  // refused, as Redis's lpMerge refuses
  CHECK(lp.size() == 5);
  CHECK(Listpack::EncodedSize("hello") == 7);
  CHECK(Listpack::EncodedSize("100") == 2);
  CHECK(Listpack::EncodedSize("128") == 3);
  CHECK(Listpack::EncodedSize(std::string(64, 'x')) == 67);
  CHECK(lp.SafeToAdd(1000));
  CHECK_FALSE(lp.SafeToAdd(size_t{1} << 30));
}

TEST_CASE("random changes agree with a deque and keep the listpack valid", "[listpack]") {
  std::mt19937_64 rng(20240607);
  auto value = [&]() -> std::string {
    switch (rng() % 6) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64));
      case 1:
        return std::to_string(static_cast<int>(rng() % 300) - 150);
      case 2:
        return std::string(rng() % 70, static_cast<char>('a' + rng() % 26));
      case 3:
        return std::string(60 + rng() % 4100, 'k');
      case 4:
        return "0" + std::to_string(rng() % 100);
      default:
        return "";
    }
  };
  Listpack lp;
  std::deque<std::string> model;
  for (int step = 0; step < 3000; ++step) {
    const size_t n = model.size();
    const uint64_t op = rng() % 9;
    if (op == 0 || n == 0) {
      std::string v = value();
      lp.Append(v);
      model.push_back(v);
    } else if (op == 1) {
      std::string v = value();
      lp.Prepend(v);
      model.push_front(v);
    } else if (op == 2) {
      size_t i = rng() % n;
      std::string v = value();
      lp.InsertBefore(lp.Seek(static_cast<int64_t>(i)), v);
      model.insert(model.begin() + static_cast<long>(i), v);
    } else if (op == 3) {
      size_t i = rng() % n;
      std::string v = value();
      lp.InsertAfter(lp.Seek(static_cast<int64_t>(i) - static_cast<int64_t>(n)), v);
      model.insert(model.begin() + static_cast<long>(i) + 1, v);
    } else if (op == 4) {
      size_t i = rng() % n;
      std::string v = value();
      lp.Replace(lp.Seek(static_cast<int64_t>(i)), v);
      model[i] = v;
    } else if (op == 5 || op == 6) {
      size_t i = rng() % n;
      lp.Delete(lp.Seek(static_cast<int64_t>(i)));
      model.erase(model.begin() + static_cast<long>(i));
    } else if (op == 7) {
      size_t i = rng() % n;
      size_t k = rng() % 4;
      lp.DeleteRangeByIndex(static_cast<int64_t>(i), k);
      model.erase(model.begin() + static_cast<long>(i),
                  model.begin() + static_cast<long>(std::min(n, i + k)));
    } else {
      size_t i = rng() % n;
      Pos found = lp.Find(lp.First(), model[i], 0);
      REQUIRE(found != Listpack::kNone);
      CHECK(lp.Get(found).Equals(model[i]));
    }
    REQUIRE(lp.size() == model.size());
    if (step % 50 == 0) {
      CheckValid(lp);
      REQUIRE(Contents(lp) == std::vector<std::string>(model.begin(), model.end()));
      REQUIRE(ContentsBackwards(lp) == Contents(lp));
      REQUIRE(Raw(lp) == Built(std::vector<std::string>(model.begin(), model.end())));
    }
  }
}

}  // namespace
}  // namespace keel::engine
