// The skiplist alone: ordering by (score, member), ranks through spans, ranges by score with
// exclusive bounds and by lex, deletions by member and by range, and score updates that keep the
// node's address. A model (std::set of pairs) checks the structure after random operations.
#include "engine/skiplist.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace keel::engine {
namespace {

using Pair = std::pair<double, std::string>;

std::vector<Pair> Contents(const Skiplist& sl) {
  std::vector<Pair> out;
  for (const SkiplistNode* n = sl.First(); n != nullptr; n = n->next()) {
    out.emplace_back(n->score, std::string(n->member()));
  }
  return out;
}

std::vector<Pair> Backwards(const Skiplist& sl) {
  std::vector<Pair> out;
  for (const SkiplistNode* n = sl.Last(); n != nullptr; n = n->prev()) {
    out.emplace_back(n->score, std::string(n->member()));
  }
  return out;
}

void NoUnlink(void*, SkiplistNode*) {}

void CountUnlink(void* ctx, SkiplistNode*) { ++*static_cast<int*>(ctx); }

TEST_CASE("skiplist orders by score, then by member bytes", "[zset][skiplist]") {
  Skiplist sl;
  sl.Insert(2, "b");
  sl.Insert(1, "z");
  sl.Insert(2, "a");
  sl.Insert(2, std::string("a\0", 2));
  sl.Insert(-1, "\xff");
  std::vector<Pair> want = {{-1, "\xff"}, {1, "z"}, {2, "a"}, {2, std::string("a\0", 2)}, {2, "b"}};
  CHECK(Contents(sl) == want);
  CHECK(Backwards(sl) == std::vector<Pair>(want.rbegin(), want.rend()));
  CHECK(sl.size() == 5);
}

TEST_CASE("skiplist ranks are 1-based and AtRank inverts them", "[zset][skiplist]") {
  Skiplist sl;
  for (int i = 0; i < 1000; i++) sl.Insert(i / 3, "m" + std::to_string(i));
  size_t rank = 1;
  for (const SkiplistNode* n = sl.First(); n != nullptr; n = n->next(), rank++) {
    CHECK(sl.Rank(n->score, n->member()) == rank);
    CHECK(sl.AtRank(rank) == n);
  }
  CHECK(sl.Rank(5, "nope") == 0);
  CHECK(sl.Rank(1, "m0") == 0);  // right member, wrong score
  CHECK(sl.AtRank(0) == nullptr);
  CHECK(sl.AtRank(1001) == nullptr);
}

TEST_CASE("skiplist score ranges honour exclusive bounds", "[zset][skiplist]") {
  Skiplist sl;
  for (int i = 1; i <= 5; i++) sl.Insert(i, std::string(1, static_cast<char>('a' + i - 1)));
  ScoreRange r{2, 4, false, false};
  CHECK(sl.FirstInRange(r)->member() == "b");
  CHECK(sl.LastInRange(r)->member() == "d");
  r = {2, 4, true, true};
  CHECK(sl.FirstInRange(r)->member() == "c");
  CHECK(sl.LastInRange(r)->member() == "c");
  r = {3, 3, true, false};  // a point with an open end is empty
  CHECK(r.Empty());
  CHECK(sl.FirstInRange(r) == nullptr);
  r = {5, 1, false, false};
  CHECK(sl.FirstInRange(r) == nullptr);
  r = {5.5, 9, false, false};
  CHECK(sl.FirstInRange(r) == nullptr);
  CHECK(sl.LastInRange(r) == nullptr);
  r = {-INFINITY, INFINITY, false, false};
  CHECK(sl.FirstInRange(r)->member() == "a");
  CHECK(sl.LastInRange(r)->member() == "e");
  r = {2.5, 2.9, false, false};  // between two scores
  CHECK(sl.FirstInRange(r) == nullptr);
  CHECK(sl.LastInRange(r) == nullptr);
}

TEST_CASE("skiplist lex ranges: -, +, [ and (", "[zset][skiplist]") {
  Skiplist sl;
  for (const char* m : {"a", "b", "c", "d"}) sl.Insert(0, m);
  LexRange r{{LexBound::kMinusInf, "", true}, {LexBound::kPlusInf, "", true}};
  CHECK(sl.FirstInLexRange(r)->member() == "a");
  CHECK(sl.LastInLexRange(r)->member() == "d");
  r = {{LexBound::kValue, "b", true}, {LexBound::kValue, "d", false}};
  CHECK(sl.FirstInLexRange(r)->member() == "c");
  CHECK(sl.LastInLexRange(r)->member() == "d");
  r = {{LexBound::kValue, "bb", false}, {LexBound::kValue, "c", true}};
  CHECK(sl.FirstInLexRange(r) == nullptr);
  r = {{LexBound::kPlusInf, "", true}, {LexBound::kPlusInf, "", true}};
  CHECK(r.Empty());
  r = {{LexBound::kMinusInf, "", true}, {LexBound::kMinusInf, "", true}};
  CHECK(r.Empty());
  r = {{LexBound::kValue, "c", false}, {LexBound::kValue, "c", false}};
  CHECK_FALSE(r.Empty());
  CHECK(sl.FirstInLexRange(r)->member() == "c");
}

TEST_CASE("skiplist deletes by member and by ranges", "[zset][skiplist]") {
  Skiplist sl;
  for (int i = 0; i < 10; i++) sl.Insert(i, "m" + std::to_string(i));
  CHECK(sl.Delete(3, "m3"));
  CHECK_FALSE(sl.Delete(3, "m3"));
  CHECK_FALSE(sl.Delete(4, "m5"));
  CHECK(sl.size() == 9);
  int unlinked = 0;
  CHECK(sl.DeleteRangeByScore({1, 5, false, true}, CountUnlink, &unlinked) == 3);  // 1 2 4
  CHECK(unlinked == 3);
  CHECK(sl.DeleteRangeByRank(3, 4, NoUnlink, nullptr) == 2);  // m6 m7 of m0 m5 m6 m7 m8 m9
  std::vector<Pair> want = {{0, "m0"}, {5, "m5"}, {8, "m8"}, {9, "m9"}};
  CHECK(Contents(sl) == want);
  CHECK(sl.DeleteRangeByLex({{LexBound::kValue, "m5", true}, {LexBound::kPlusInf, "", true}},
                            NoUnlink, nullptr) == 2);
  CHECK(Contents(sl) == std::vector<Pair>{{0, "m0"}, {5, "m5"}});
  CHECK(Backwards(sl) == std::vector<Pair>{{5, "m5"}, {0, "m0"}});
  CHECK(sl.Rank(5, "m5") == 2);
}

TEST_CASE("skiplist score updates keep the node's address", "[zset][skiplist]") {
  Skiplist sl;
  SkiplistNode* a = sl.Insert(1, "a");
  sl.Insert(2, "b");
  sl.Insert(3, "c");
  CHECK(sl.UpdateScore(1, "a", 1.5) == a);  // in place: still between its neighbours
  CHECK(a->score == 1.5);
  CHECK(sl.UpdateScore(1.5, "a", 10) == a);  // relinked at the end
  CHECK(Contents(sl) == std::vector<Pair>{{2, "b"}, {3, "c"}, {10, "a"}});
  CHECK(sl.Last() == a);
  CHECK(sl.Rank(10, "a") == 3);
  CHECK(sl.UpdateScore(10, "a", -1) == a);
  CHECK(sl.First() == a);
  CHECK(Backwards(sl) == std::vector<Pair>{{3, "c"}, {2, "b"}, {-1, "a"}});
}

TEST_CASE("skiplist matches a sorted model under random operations", "[zset][skiplist]") {
  std::mt19937 rng(7);
  Skiplist sl;
  std::set<Pair> model;
  std::vector<std::string> members;
  for (int i = 0; i < 300; i++) members.push_back("k" + std::to_string(i));
  std::vector<double> score_of(members.size(), NAN);
  for (int step = 0; step < 20000; step++) {
    size_t m = rng() % members.size();
    double s = static_cast<double>(rng() % 50) / 2;
    if (std::isnan(score_of[m])) {
      sl.Insert(s, members[m]);
      model.emplace(s, members[m]);
      score_of[m] = s;
    } else if (rng() % 2 == 0) {
      REQUIRE(sl.Delete(score_of[m], members[m]));
      model.erase({score_of[m], members[m]});
      score_of[m] = NAN;
    } else {
      sl.UpdateScore(score_of[m], members[m], s);
      model.erase({score_of[m], members[m]});
      model.emplace(s, members[m]);
      score_of[m] = s;
    }
  }
  REQUIRE(Contents(sl) == std::vector<Pair>(model.begin(), model.end()));
  REQUIRE(Backwards(sl) == std::vector<Pair>(model.rbegin(), model.rend()));
  size_t rank = 1;
  for (const Pair& p : model) {
    REQUIRE(sl.Rank(p.first, p.second) == rank);
    REQUIRE(sl.AtRank(rank)->member() == p.second);
    rank++;
  }
}

}  // namespace
}  // namespace keel::engine
