// Tests for the owned intset: sorted unique members, width upgrades at the 16/32/64-bit edges
// (negative values go first, positive last), removal without downgrade, Redis's exact bytes, and a
// randomized comparison with std::set.
#include "engine/intset.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "formats/intset.h"

namespace keel::engine {
namespace {

std::vector<int64_t> Members(const Intset& is) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < is.size(); ++i) out.push_back(is.At(i));
  return out;
}

std::vector<uint8_t> Raw(const Intset& is) { return {is.data().begin(), is.data().end()}; }

TEST_CASE("an empty intset is a 16-bit header", "[intset]") {
  Intset is;
  CHECK(is.empty());
  CHECK(is.width() == 2);
  CHECK(is.data().size() == 8);
  CHECK_FALSE(is.Contains(0));
  CHECK_FALSE(is.Remove(0));
}

TEST_CASE("members stay sorted and unique", "[intset]") {
  Intset is;
  CHECK(is.Add(5));
  CHECK(is.Add(-2));
  CHECK(is.Add(9));
  CHECK(is.Add(0));
  CHECK_FALSE(is.Add(5));
  CHECK(Members(is) == std::vector<int64_t>{-2, 0, 5, 9});
  CHECK(is.Contains(0));
  CHECK_FALSE(is.Contains(1));
  CHECK_FALSE(is.Contains(100000));  // wider than the set: absent without a search
  CHECK(is.Min() == -2);
  CHECK(is.Max() == 9);
  CHECK(is.Remove(0));
  CHECK_FALSE(is.Remove(0));
  CHECK(Members(is) == std::vector<int64_t>{-2, 5, 9});
  CHECK(formats::ValidateIntset(is.data(), true).ok());
}

TEST_CASE("golden: the bytes Redis's SADD produces", "[intset]") {
  // SADD s16 1 2 3 / s32 -1 70000 5 / s64 5000000000 -3 7; DUMP each on redis-server 7.0.15.
  Intset s16;
  for (int64_t v : {1, 2, 3}) s16.Add(v);
  CHECK(Raw(s16) == std::vector<uint8_t>{2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0});
  Intset s32;
  for (int64_t v : {-1, 70000, 5}) s32.Add(v);
  CHECK(Raw(s32) == std::vector<uint8_t>{4,    0,    0, 0, 3, 0, 0,    0,    0xff, 0xff,
                                         0xff, 0xff, 5, 0, 0, 0, 0x70, 0x11, 0x01, 0});
  Intset s64;
  for (int64_t v : {int64_t{5000000000}, int64_t{-3}, int64_t{7}}) s64.Add(v);
  CHECK(Raw(s64) ==
        std::vector<uint8_t>{8, 0, 0, 0, 3, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             7, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xf2, 0x05, 0x2a, 0x01, 0,    0,    0});
}

TEST_CASE("width upgrades at each edge keep every member", "[intset]") {
  struct Case {
    int64_t big;
    int width;
  };
  for (Case c : {Case{INT16_MAX, 2}, Case{INT16_MAX + 1, 4}, Case{INT16_MIN - 1, 4},
                 Case{INT32_MAX, 4}, Case{int64_t{INT32_MAX} + 1, 8},
                 Case{int64_t{INT32_MIN} - 1, 8}, Case{INT64_MIN, 8}, Case{INT64_MAX, 8}}) {
    INFO(c.big);
    Intset is;
    for (int64_t v : {-7, 0, 3, 100}) is.Add(v);
    REQUIRE(is.width() == 2);
    CHECK(is.Add(c.big));
    CHECK(is.width() == c.width);
    std::set<int64_t> expect = {-7, 0, 3, 100, c.big};
    CHECK(Members(is) == std::vector<int64_t>(expect.begin(), expect.end()));
    CHECK(is.data().size() == 8 + 5 * static_cast<size_t>(c.width));
    CHECK(formats::ValidateIntset(is.data(), true).ok());
    // Removing the wide member does not narrow the set, as in Redis.
    CHECK(is.Remove(c.big));
    CHECK(is.width() == c.width);
    CHECK(Members(is) == std::vector<int64_t>{-7, 0, 3, 100});
  }
}

TEST_CASE("FromBytes, copies and Random", "[intset]") {
  const size_t before = UsedMemory();
  {
    Intset is;
    for (int64_t v = -50; v <= 50; v += 5) is.Add(v * 1000);
    Intset copy = Intset::FromBytes(is.data());
    CHECK(Raw(copy) == Raw(is));
    Intset moved = std::move(copy);
    copy = is;
    CHECK(Members(copy) == Members(moved));
    std::set<int64_t> seen;
    for (int i = 0; i < 500; ++i) {
      int64_t r = is.Random();
      CHECK(is.Contains(r));
      seen.insert(r);
    }
    CHECK(seen.size() > 10);
    CHECK(is.AllocatedBytes() >= is.data().size());
  }
  CHECK(UsedMemory() == before);
}

TEST_CASE("random adds and removes agree with std::set", "[intset]") {
  std::mt19937_64 rng(7);
  Intset is;
  std::set<int64_t> model;
  for (int step = 0; step < 5000; ++step) {
    int64_t v;
    switch (rng() % 4) {
      case 0:
        v = static_cast<int64_t>(rng() % 200) - 100;
        break;
      case 1:
        v = static_cast<int64_t>(rng() % 200000) - 100000;
        break;
      case 2:
        v = static_cast<int64_t>(rng()) >> (rng() % 40);
        break;
      default:
        v = static_cast<int64_t>(rng() % 50);
        break;
    }
    if (rng() % 3 == 0) {
      CHECK(is.Remove(v) == (model.erase(v) == 1));
    } else {
      CHECK(is.Add(v) == model.insert(v).second);
    }
    REQUIRE(is.size() == model.size());
    if (step % 250 == 0) {
      REQUIRE(Members(is) == std::vector<int64_t>(model.begin(), model.end()));
      if (!is.empty()) REQUIRE(formats::ValidateIntset(is.data(), true).ok());
    }
  }
}

}  // namespace
}  // namespace keel::engine
