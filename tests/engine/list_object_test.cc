// ListObject: node layout under list-max-listpack-size (checked against redis-server 7.0.15's
// DEBUG OBJECT ql_nodes for the same commands), compression, merges, boundaries, plain nodes.
#include "engine/list_object.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/memory.h"

namespace keel::engine {
namespace {

using Dir = ListObject::Direction;
using End = ListObject::End;

std::vector<std::string> All(ListObject& l) {
  std::vector<std::string> out;
  l.ForEach([&](const ListValue& v) { out.push_back(v.ToString()); });
  return out;
}

std::vector<size_t> NodeCounts(const ListObject& l) {
  std::vector<size_t> out;
  l.ForEachNode([&](const ListObject::NodeView& n) { out.push_back(n.count); });
  return out;
}

size_t RawBytes(const ListObject& l) {
  size_t total = 0;
  l.ForEachNode([&](const ListObject::NodeView& n) { total += n.raw_size; });
  return total;
}

void PushN(ListObject& l, End where, const std::string& v, int n) {
  for (int i = 0; i < n; ++i) l.Push(where, v);
}

// Restores the default packed threshold when a test that lowered it ends.
struct ThresholdGuard {
  explicit ThresholdGuard(uint64_t t) { REQUIRE(ListObject::SetPackedThreshold(t)); }
  ~ThresholdGuard() { ListObject::SetPackedThreshold(0); }
};

TEST_CASE("positive fill caps the elements per node", "[list]") {
  ListObject l(5, 0);
  PushN(l, End::kTail, std::string(10, 'x'), 12);
  CHECK(NodeCounts(l) == std::vector<size_t>{5, 5, 2});
  // Pushing at the head fills a new head node the same way.
  ListObject h(5, 0);
  PushN(h, End::kHead, "x", 6);
  CHECK(NodeCounts(h) == std::vector<size_t>{1, 5});
}

TEST_CASE("positive fill still splits at the 8 KiB safety limit", "[list]") {
  // 100-byte strings take 103 bytes each: a node stops at 79 even though fill allows 1000
  // (redis: 79 elements make one node, 80 two).
  ListObject l(1000, 0);
  PushN(l, End::kTail, std::string(100, 'y'), 200);
  CHECK(NodeCounts(l) == std::vector<size_t>{79, 79, 42});
  CHECK(RawBytes(l) == 20621);  // redis: ql_uncompressed_size:20621
}

TEST_CASE("negative fill limits node bytes with an 8-byte overestimate", "[list]") {
  ListObject at(-2, 0);
  PushN(at, End::kTail, "abcdefghij", 681);
  CHECK(at.node_count() == 1);  // 8179 bytes: the 682nd would estimate 8198 > 8192
  at.Push(End::kTail, "abcdefghij");
  CHECK(NodeCounts(at) == std::vector<size_t>{681, 1});

  ListObject small(-1, 0);
  PushN(small, End::kTail, "abcdefghij", 1000);
  CHECK(NodeCounts(small) == std::vector<size_t>{340, 340, 320});
  CHECK(RawBytes(small) == 12021);
}

TEST_CASE("fill is clamped to Redis's range", "[list]") {
  CHECK(ListObject(-100, 0).fill() == -5);
  CHECK(ListObject(100000, 0).fill() == 32767);
  CHECK(ListObject(0, -3).compress_depth() == 0);
  // fill 0 behaves as "never more than the safety limit, one element per node otherwise".
  ListObject zero(0, 0);
  PushN(zero, End::kTail, "a", 3);
  CHECK(NodeCounts(zero) == std::vector<size_t>{1, 1, 1});
}

TEST_CASE("index access across node boundaries", "[list]") {
  ListObject l(4, 0);
  for (int i = 0; i < 12; ++i) l.Push(End::kTail, std::to_string(i));
  REQUIRE(NodeCounts(l) == std::vector<size_t>{4, 4, 4});
  std::string v;
  for (int i = 0; i < 12; ++i) {
    REQUIRE(l.Index(i, &v));
    CHECK(v == std::to_string(i));
    REQUIRE(l.Index(i - 12, &v));
    CHECK(v == std::to_string(i));
  }
  CHECK_FALSE(l.Index(12, &v));
  CHECK_FALSE(l.Index(-13, &v));
  CHECK_FALSE(l.Index(INT64_MIN, &v));
  CHECK_FALSE(l.Index(INT64_MAX, &v));

  // Iterators starting on the last element of a node walk into the neighbour.
  std::vector<std::string> seen;
  ListObject::Iterator it = l.IteratorAt(3, Dir::kForward);
  ListValue e;
  while (seen.size() < 3 && it.Next(&e)) seen.push_back(e.ToString());
  CHECK(seen == std::vector<std::string>{"3", "4", "5"});
  seen.clear();
  ListObject::Iterator back = l.IteratorAt(-5, Dir::kBackward);  // element 7, last of node 2
  while (seen.size() < 3 && back.Next(&e)) seen.push_back(e.ToString());
  CHECK(seen == std::vector<std::string>{"7", "6", "5"});
}

TEST_CASE("pop empties nodes from either end", "[list]") {
  ListObject l(2, 0);
  for (int i = 0; i < 5; ++i) l.Push(End::kTail, std::to_string(i));
  std::string v;
  REQUIRE(l.Pop(End::kHead, &v));
  CHECK(v == "0");
  REQUIRE(l.Pop(End::kTail, &v));
  CHECK(v == "4");
  CHECK(NodeCounts(l) == std::vector<size_t>{1, 2});
  CHECK(All(l) == std::vector<std::string>{"1", "2", "3"});
  while (l.Pop(End::kHead, &v)) {
  }
  CHECK(l.Size() == 0);
  CHECK(l.node_count() == 0);
}

TEST_CASE("deletes leave nodes unmerged; a split insert merges neighbours", "[list]") {
  // Redis 7.0 merges only after splitting a full node on insert (ql_nodes stays 2 in both).
  ListObject l(4, 0);
  for (int i = 0; i < 8; ++i) l.Push(End::kTail, std::to_string(i));
  {
    ListObject::Iterator it = l.Begin(Dir::kForward);
    ListValue v;
    while (it.Next(&v)) {
      if (it.Equals("5") || it.Equals("6") || it.Equals("7")) it.Delete();
    }
  }
  CHECK(NodeCounts(l) == std::vector<size_t>{4, 1});
  {
    ListObject::Iterator it = l.Begin(Dir::kForward);
    ListValue v;
    while (it.Next(&v) && !it.Equals("1")) {
    }
    it.InsertAfter("x");
  }
  // [0 1 2 3] splits into [0 1] and [x 2 3], which then merges with [4].
  CHECK(NodeCounts(l) == std::vector<size_t>{2, 4});
  CHECK(All(l) == std::vector<std::string>{"0", "1", "x", "2", "3", "4"});
}

TEST_CASE("insert at a full node's edge uses the neighbour or a new node", "[list]") {
  ListObject l(2, 0);
  for (int i = 0; i < 4; ++i) l.Push(End::kTail, std::to_string(i));
  std::string tail;
  l.Pop(End::kTail, &tail);  // leaves [0 1][2]
  REQUIRE(NodeCounts(l) == std::vector<size_t>{2, 1});
  {
    ListObject::Iterator it = l.IteratorAt(1, Dir::kForward);
    ListValue v;
    REQUIRE(it.Next(&v));
    it.InsertAfter("a");  // full at its tail: goes to the head of [2]
  }
  CHECK(NodeCounts(l) == std::vector<size_t>{2, 2});
  {
    ListObject::Iterator it = l.IteratorAt(0, Dir::kForward);
    ListValue v;
    REQUIRE(it.Next(&v));
    it.InsertBefore("b");  // full at its head, no previous node: a new node
  }
  CHECK(NodeCounts(l) == std::vector<size_t>{1, 2, 2});
  CHECK(All(l) == std::vector<std::string>{"b", "0", "1", "a", "2"});
}

TEST_CASE("delete ranges span nodes and clamp to the list", "[list]") {
  ListObject l(3, 0);
  for (int i = 0; i < 10; ++i) l.Push(End::kTail, std::to_string(i));
  l.DeleteRange(2, 5);  // 2..6
  CHECK(All(l) == std::vector<std::string>{"0", "1", "7", "8", "9"});
  l.DeleteRange(-2, 100);  // the last two
  CHECK(All(l) == std::vector<std::string>{"0", "1", "7"});
  l.DeleteRange(0, 0);
  l.DeleteRange(5, 1);  // out of range: nothing
  CHECK(l.Size() == 3);
  l.DeleteRange(INT64_MIN, INT64_MAX);
  CHECK(l.Size() == 3);
  l.DeleteRange(-3, INT64_MAX);
  CHECK(l.Size() == 0);
}

TEST_CASE("interior nodes compress and read back", "[list]") {
  const std::string chunk = std::string("abcdefghij") + "abcdefghij" + "abcdefghij" + "abcdefghij";
  ListObject l(2, 1);
  for (int i = 0; i < 20; ++i) l.Push(End::kTail, chunk + std::to_string(i));
  std::vector<bool> compressed;
  l.ForEachNode([&](const ListObject::NodeView& n) { compressed.push_back(n.compressed); });
  REQUIRE(compressed.size() == 10);
  CHECK_FALSE(compressed.front());
  CHECK_FALSE(compressed.back());
  for (size_t i = 1; i + 1 < compressed.size(); ++i) CHECK(compressed[i]);
  size_t lzf_bytes = 0;
  l.ForEachNode([&](const ListObject::NodeView& n) {
    if (n.compressed) {
      CHECK(n.bytes.size() + 8 < n.raw_size);
      lzf_bytes += n.bytes.size();
    }
  });
  CHECK(lzf_bytes > 0);

  // Reads decompress a node only while they use it.
  std::string v;
  REQUIRE(l.Index(9, &v));
  CHECK(v == chunk + "9");
  size_t still = 0;
  l.ForEachNode([&](const ListObject::NodeView& n) { still += n.compressed; });
  CHECK(still == 8);

  // Changes inside a compressed node, then a full read.
  REQUIRE(l.Replace(10, "short"));
  {
    ListObject::Iterator it = l.IteratorAt(7, Dir::kForward);
    ListValue e;
    REQUIRE(it.Next(&e));
    it.InsertAfter("inserted");
  }
  std::vector<std::string> all = All(l);
  REQUIRE(all.size() == 21);
  CHECK(all[7] == chunk + "7");
  CHECK(all[8] == "inserted");
  CHECK(all[11] == "short");
  CHECK(all[20] == chunk + "19");

  // The copy keeps compressed nodes as they are and reads the same.
  std::unique_ptr<Object> copy = l.Clone();
  CHECK(All(static_cast<ListObject&>(*copy)) == all);

  // Popping brings compressed nodes to the ends, where they must be raw again.
  while (l.Size() > 3) l.Pop(End::kHead, &v);
  l.ForEachNode([&](const ListObject::NodeView& n) { CHECK_FALSE(n.compressed); });
  CHECK(All(l) == std::vector<std::string>(all.end() - 3, all.end()));
}

TEST_CASE("DEBUG OBJECT fields match Redis's", "[list]") {
  // redis-server 7.0.15 for the same pushes with list-max-listpack-size 2, compress depth 1.
  ListObject l(2, 1);
  PushN(l, End::kTail, std::string("abcdefghij") + "abcdefghij" + "abcdefghij" + "abcdefghij" +
                           "abcdefghij",
        20);
  CHECK(l.DebugObjectExtras() ==
        " ql_nodes:10 ql_avg_node:2.00 ql_listpack_max:2 ql_compressed:1"
        " ql_uncompressed_size:1110");
  ListObject d(-2, 0);
  PushN(d, End::kTail, "abcdefghij", 2000);
  CHECK(d.DebugObjectExtras() ==
        " ql_nodes:3 ql_avg_node:666.67 ql_listpack_max:-2 ql_compressed:0"
        " ql_uncompressed_size:24021");
}

TEST_CASE("nodes too small or incompressible stay raw", "[list]") {
  ListObject l(1, 1);
  for (int i = 0; i < 5; ++i) l.Push(End::kTail, "tiny");  // under MIN_COMPRESS_BYTES
  l.ForEachNode([](const ListObject::NodeView& n) { CHECK_FALSE(n.compressed); });
  ListObject r(1, 1);
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 200; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 16));
  }
  for (int i = 0; i < 5; ++i) r.Push(End::kTail, noise);
  r.ForEachNode([](const ListObject::NodeView& n) { CHECK_FALSE(n.compressed); });
}

TEST_CASE("huge elements get plain nodes", "[list]") {
  ThresholdGuard guard(100);
  const std::string big(200, 'z');
  ListObject l(-2, 0);
  for (int i = 0; i < 10; ++i) l.Push(End::kTail, std::to_string(i));
  {
    ListObject::Iterator it = l.IteratorAt(4, Dir::kForward);
    ListValue v;
    REQUIRE(it.Next(&v));
    it.InsertAfter(big);  // splits the node around a plain one: ql_nodes 3
  }
  CHECK(NodeCounts(l) == std::vector<size_t>{5, 1, 5});
  std::string v;
  REQUIRE(l.Index(5, &v));
  CHECK(v == big);
  std::vector<bool> plain;
  l.ForEachNode([&](const ListObject::NodeView& n) { plain.push_back(n.plain); });
  CHECK(plain == std::vector<bool>{false, true, false});

  REQUIRE(l.Replace(5, "small"));  // a plain node replaced by a small element: ql_nodes 2
  CHECK(l.node_count() == 2);
  REQUIRE(l.Replace(2, std::string(150, 'q')));  // a packed element replaced by a huge one: 4
  CHECK(l.node_count() == 4);
  std::vector<std::string> all = All(l);
  REQUIRE(all.size() == 11);
  CHECK(all[2] == std::string(150, 'q'));
  CHECK(all[5] == "small");

  ListObject g(-2, 0);
  g.Push(End::kTail, std::string(300, 'w'));
  g.Push(End::kTail, "a");
  g.Push(End::kHead, std::string(300, 'v'));
  CHECK(g.node_count() == 3);  // redis: ql_nodes 3
  g.DeleteRange(0, 2);
  CHECK(All(g) == std::vector<std::string>{"a"});
  std::string popped;
  g.Push(End::kHead, big);
  REQUIRE(g.Pop(End::kHead, &popped));
  CHECK(popped == big);
}

TEST_CASE("plain nodes compress too", "[list]") {
  ThresholdGuard guard(64);
  const std::string big(500, 'k');
  ListObject l(-2, 1);
  for (int i = 0; i < 4; ++i) l.Push(End::kTail, big);
  size_t compressed = 0;
  l.ForEachNode([&](const ListObject::NodeView& n) {
    CHECK(n.plain);
    if (n.compressed) {
      ++compressed;
      CHECK(n.raw_size == 500);
    }
  });
  CHECK(compressed == 2);
  CHECK(All(l) == std::vector<std::string>(4, big));
}

TEST_CASE("packed threshold refuses sizes above 4 GiB - 1 MiB", "[list]") {
  CHECK_FALSE(ListObject::SetPackedThreshold((uint64_t{1} << 32)));
  CHECK(ListObject::packed_threshold() == (uint64_t{1} << 30));
}

TEST_CASE("iterator delete walking backward keeps its place", "[list]") {
  ListObject l(3, 0);
  for (int i = 0; i < 9; ++i) l.Push(End::kTail, i % 2 == 0 ? "x" : std::to_string(i));
  {
    ListObject::Iterator it = l.Begin(Dir::kBackward);
    ListValue v;
    while (it.Next(&v)) {
      if (it.Equals("x")) it.Delete();
    }
  }
  CHECK(All(l) == std::vector<std::string>{"1", "3", "5", "7"});
}

TEST_CASE("integers are stored as listpack integers and compare by value", "[list]") {
  ListObject l(-2, 0);
  l.Push(End::kTail, "123");
  l.Push(End::kTail, "0123");
  ListObject::Iterator it = l.Begin(Dir::kForward);
  ListValue v;
  REQUIRE(it.Next(&v));
  CHECK(v.is_int);
  CHECK(it.Equals("123"));
  CHECK_FALSE(it.Equals("0123"));
  REQUIRE(it.Next(&v));
  CHECK_FALSE(v.is_int);
  CHECK(it.Equals("0123"));
}

TEST_CASE("appended listpacks and plain elements become nodes", "[list]") {
  ListObject l(-2, 0);
  Listpack lp;
  lp.Append("a");
  lp.Append("b");
  l.AppendListpack(lp);
  l.AppendListpack(Listpack());  // skipped
  l.AppendPlain("whole");
  CHECK(NodeCounts(l) == std::vector<size_t>{2, 1});
  CHECK(All(l) == std::vector<std::string>{"a", "b", "whole"});
}

TEST_CASE("memory accounting covers nodes and listpacks", "[list]") {
  const size_t before = UsedMemory();
  {
    auto l = std::make_unique<ListObject>(-2, 0);
    PushN(*l, End::kTail, "abcdefghij", 2000);
    const size_t counted = l->AllocatedBytes();
    CHECK(counted >= RawBytes(*l));
    CHECK(UsedMemory() - before >= counted);
    // At most 64 bytes per node beyond the listpacks: the node header is not bigger than Redis's.
    CHECK(counted <= RawBytes(*l) + 64 * l->node_count() + 128 + 3 * 1024);
  }
  CHECK(UsedMemory() == before);
}

}  // namespace
}  // namespace keel::engine
