// The bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP) through the command table, and the
// bit helpers of bit_ops.h against a bit-by-bit reference. Expectations marked "redis 7.0.15" were
// checked against a real redis-server 7.0.15.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bit_ops.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Bulk;
using testing::CommandHarness;
using testing::EncodingOf;
using testing::Err;
using testing::Int;

const std::string kSyntax = Err("ERR syntax error");
const std::string kNotInt = Err("ERR value is not an integer or out of range");
const std::string kBadOffset = Err("ERR bit offset is not an integer or out of range");
const std::string kBadBit = Err("ERR bit is not an integer or out of range");

const Entry* Find(CommandHarness& h, std::string_view key) { return h.ks().db(0).Find(key); }

// ---- bit_ops against a reference ------------------------------------------------------------

bool RefBit(std::string_view s, uint64_t i) {
  return (static_cast<unsigned char>(s[i / 8]) >> (7 - i % 8)) & 1;
}

TEST_CASE("CountBitsInRange and FindFirstBit agree with a bit-by-bit scan", "[bitops]") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    const size_t len = 1 + rng() % 40;
    std::string s(len, '\0');
    // Mostly-zero, mostly-one and random strings, so the word-skipping paths are exercised.
    const int kind = round % 3;
    for (char& c : s) {
      unsigned v = rng() & 0xFF;
      if (kind == 0) v = (rng() % 16 == 0) ? v : 0x00;
      if (kind == 1) v = (rng() % 16 == 0) ? v : 0xFF;
      c = static_cast<char>(v);
    }
    const uint64_t bits = len * 8;
    for (int q = 0; q < 40; ++q) {
      uint64_t a = rng() % bits, b = rng() % bits;
      if (a > b) std::swap(a, b);
      uint64_t count = 0;
      int64_t first1 = -1, first0 = -1;
      for (uint64_t i = a; i <= b; ++i) {
        bool bit = RefBit(s, i);
        count += bit;
        if (bit && first1 < 0) first1 = static_cast<int64_t>(i);
        if (!bit && first0 < 0) first0 = static_cast<int64_t>(i);
      }
      INFO("len " << len << " range " << a << ".." << b);
      REQUIRE(CountBitsInRange(s, a, b) == count);
      REQUIRE(FindFirstBit(s, a, b, true) == first1);
      REQUIRE(FindFirstBit(s, a, b, false) == first0);
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < bits; ++i) total += RefBit(s, i);
    REQUIRE(PopCount(s) == total);
  }
}

TEST_CASE("FindFirstBit finds a lone bit far into a long run", "[bitops]") {
  std::string zeros(1000, '\0');
  zeros[777] = 0x01;
  CHECK(FindFirstBit(zeros, 0, 7999, true) == 777 * 8 + 7);
  CHECK(FindFirstBit(zeros, 6223, 7999, true) == 6223);
  CHECK(FindFirstBit(zeros, 6224, 7999, true) == -1);
  std::string ones(1000, '\xff');
  ones[500] = '\xfe';
  CHECK(FindFirstBit(ones, 3, 7999, false) == 500 * 8 + 7);
  CHECK(FindFirstBit(ones, 0, 4006, false) == -1);
}

TEST_CASE("ApplyBitOp pads shorter sources with zeros", "[bitops]") {
  using V = std::vector<std::string_view>;
  CHECK(ApplyBitOp(BitOp::kAnd, V{"\xff\xff", "\x0f"}) == std::string("\x0f\x00", 2));
  CHECK(ApplyBitOp(BitOp::kOr, V{"\x01", "\x10\x20"}) == "\x11\x20");
  CHECK(ApplyBitOp(BitOp::kXor, V{"\xff\x01", "\x0f", "\x01\x01"}) == std::string("\xf1\x00", 2));
  CHECK(ApplyBitOp(BitOp::kNot, V{"\x0f\xf0"}) == "\xf0\x0f");
  CHECK(ApplyBitOp(BitOp::kAnd, V{"", ""}).empty());
  CHECK(ApplyBitOp(BitOp::kAnd, V{"", "\xff"}) == std::string("\x00", 1));
}

// ---- SETBIT / GETBIT --------------------------------------------------------------------------

TEST_CASE("SETBIT returns the old bit and grows the string with zero bytes", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"SETBIT", "k", "7", "1"}) == Int(0));
  CHECK(h.Run({"GET", "k"}) == Bulk("\x01"));
  CHECK(h.Run({"SETBIT", "k", "7", "0"}) == Int(1));
  CHECK(h.Run({"SETBIT", "k", "0", "1"}) == Int(0));
  CHECK(h.Run({"GET", "k"}) == Bulk("\x80"));
  CHECK(h.Run({"SETBIT", "k", "100", "0"}) == Int(0));
  CHECK(h.Run({"STRLEN", "k"}) == Int(13));
  CHECK(h.Run({"GETBIT", "k", "0"}) == Int(1));
  CHECK(h.Run({"GETBIT", "k", "1"}) == Int(0));
}

TEST_CASE("SETBIT counts a change only when the bit or the length changes", "[bitmap]") {
  CommandHarness h;
  uint64_t d = h.ks().dirty;
  // redis 7.0.15: +1, +0, +1, +1 (grown), +0.
  h.Run({"SETBIT", "b", "7", "1"});
  CHECK(h.ks().dirty == d + 1);
  h.Run({"SETBIT", "b", "7", "1"});
  CHECK(h.ks().dirty == d + 1);
  h.Run({"SETBIT", "b", "7", "0"});
  CHECK(h.ks().dirty == d + 2);
  h.Run({"SETBIT", "b", "100", "0"});
  CHECK(h.ks().dirty == d + 3);
  h.Run({"SETBIT", "b", "100", "0"});
  CHECK(h.ks().dirty == d + 3);
}

TEST_CASE("SETBIT on an int value edits its text and makes it raw", "[bitmap]") {
  CommandHarness h;
  h.Run({"SET", "k", "12"});
  // redis 7.0.15: even a no-op SETBIT leaves the value raw.
  CHECK(h.Run({"SETBIT", "k", "0", "0"}) == Int(0));
  CHECK(EncodingOf(h, "k") == "raw");
  CHECK(h.Run({"GET", "k"}) == Bulk("12"));
  // '1' is 0x31: setting bit 6 gives 0x33, '3' (redis 7.0.15).
  CHECK(h.Run({"SETBIT", "k", "6", "1"}) == Int(0));
  CHECK(h.Run({"GET", "k"}) == Bulk("32"));
  CHECK(h.Run({"INCR", "k"}) == Int(33));
}

TEST_CASE("SETBIT keeps the TTL", "[bitmap][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v", "EX", "100"});
  h.Run({"SETBIT", "k", "0", "1"});
  CHECK(h.ks().db(0).GetExpire(Find(h, "k")) == now + 100'000);
}

TEST_CASE("SETBIT and GETBIT offset and value errors", "[bitmap]") {
  CommandHarness h;
  // redis 7.0.15, every line.
  CHECK(h.Run({"SETBIT", "k", "-1", "1"}) == kBadOffset);
  CHECK(h.Run({"SETBIT", "k", "+1", "1"}) == kBadOffset);
  CHECK(h.Run({"SETBIT", "k", "abc", "1"}) == kBadOffset);
  CHECK(h.Run({"SETBIT", "k", "4294967296", "1"}) == kBadOffset);
  CHECK(h.Run({"SETBIT", "k", "9223372036854775807", "1"}) == kBadOffset);
  CHECK(h.Run({"SETBIT", "k", "1", "2"}) == kBadBit);
  CHECK(h.Run({"SETBIT", "k", "1", "-1"}) == kBadBit);
  CHECK(h.Run({"SETBIT", "k", "1", "x"}) == kBadBit);
  CHECK(h.Run({"SETBIT", "k", "-1", "x"}) == kBadOffset);  // the offset is checked first
  CHECK(Find(h, "k") == nullptr);
  CHECK(h.Run({"GETBIT", "k", "-1"}) == kBadOffset);
  CHECK(h.Run({"GETBIT", "k", "4294967296"}) == kBadOffset);
  CHECK(h.Run({"GETBIT", "k", "1.0"}) == kBadOffset);
  CHECK(h.Run({"GETBIT", "k", "4294967295"}) == Int(0));
}

TEST_CASE("SETBIT offsets are bounded by proto-max-bulk-len", "[bitmap][limits]") {
  CommandHarness h;
  h.ks().proto_max_bulk_len = 8;
  CHECK(h.Run({"SETBIT", "k", "63", "1"}) == Int(0));
  CHECK(h.Run({"STRLEN", "k"}) == Int(8));
  CHECK(h.Run({"SETBIT", "k", "64", "1"}) == kBadOffset);
  CHECK(h.Run({"GETBIT", "k", "64"}) == kBadOffset);
  CHECK(h.Run({"GETBIT", "k", "63"}) == Int(1));
}

TEST_CASE("GETBIT of missing keys, bits past the end and int values", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"GETBIT", "missing", "5"}) == Int(0));
  h.Run({"SET", "k", "\x40"});
  CHECK(h.Run({"GETBIT", "k", "1"}) == Int(1));
  CHECK(h.Run({"GETBIT", "k", "8"}) == Int(0));
  CHECK(h.Run({"GETBIT", "k", "1000000"}) == Int(0));
  h.Run({"SET", "i", "1"});  // 0x31 = 00110001
  CHECK(h.Run({"GETBIT", "i", "2"}) == Int(1));
  CHECK(h.Run({"GETBIT", "i", "4"}) == Int(0));
  CHECK(h.Run({"GETBIT", "i", "7"}) == Int(1));
}

// ---- BITCOUNT ---------------------------------------------------------------------------------

TEST_CASE("BITCOUNT byte and bit ranges", "[bitmap][bitcount]") {
  CommandHarness h;
  h.Run({"SET", "s", "foobar"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITCOUNT", "s"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "0", "0"}) == Int(4));
  CHECK(h.Run({"BITCOUNT", "s", "1", "1"}) == Int(6));
  CHECK(h.Run({"BITCOUNT", "s", "0", "-1"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "-2", "-1"}) == Int(7));
  CHECK(h.Run({"BITCOUNT", "s", "5", "1"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "s", "-100", "100"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "100", "200"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "s", "0", "-1", "BYTE"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "0", "0", "BIT"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "s", "0", "7", "bit"}) == Int(4));
  CHECK(h.Run({"BITCOUNT", "s", "5", "30", "BIT"}) == Int(17));
  CHECK(h.Run({"BITCOUNT", "s", "-1", "-1", "BIT"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "s", "-9", "-1", "BIT"}) == Int(5));
  CHECK(h.Run({"BITCOUNT", "s", "9223372036854775807", "-1"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "s", "-9223372036854775808", "-1"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "-9223372036854775808", "-1", "BIT"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "0", "9223372036854775807", "BIT"}) == Int(26));
  CHECK(h.Run({"BITCOUNT", "s", "9223372036854775807", "9223372036854775807", "BIT"}) == Int(0));
}

TEST_CASE("BITCOUNT argument errors and their order", "[bitmap][bitcount]") {
  CommandHarness h;
  h.Run({"SET", "s", "foobar"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITCOUNT", "s", "0"}) == kSyntax);
  CHECK(h.Run({"BITCOUNT", "s", "0", "1", "2", "3"}) == kSyntax);
  CHECK(h.Run({"BITCOUNT", "s", "0", "-1", "foo"}) == kSyntax);
  CHECK(h.Run({"BITCOUNT", "s", "a", "1"}) == kNotInt);
  CHECK(h.Run({"BITCOUNT", "s", "0", "a"}) == kNotInt);
  CHECK(h.Run({"BITCOUNT", "s", "x", "1", "foo"}) == kNotInt);
  // A reversed negative range answers 0 before the unit is looked at.
  CHECK(h.Run({"BITCOUNT", "s", "-1", "-2", "foo"}) == Int(0));
  // A missing key answers 0 before any argument is looked at.
  CHECK(h.Run({"BITCOUNT", "missing", "0"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "missing", "a", "b"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "missing", "0", "1", "bit", "x"}) == Int(0));
}

TEST_CASE("BITCOUNT of empty, int and long values", "[bitmap][bitcount]") {
  CommandHarness h;
  h.Run({"SET", "e", ""});
  CHECK(h.Run({"BITCOUNT", "e"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "e", "0", "-1"}) == Int(0));
  CHECK(h.Run({"BITCOUNT", "e", "0", "-1", "BIT"}) == Int(0));
  h.Run({"SET", "i", "7"});  // 0x37: five bits
  CHECK(h.Run({"BITCOUNT", "i"}) == Int(5));
  const std::string ones(1001, '\xff');
  h.Run({"SET", "l", ones});
  CHECK(h.Run({"BITCOUNT", "l"}) == Int(8008));
  CHECK(h.Run({"BITCOUNT", "l", "3", "-4", "BIT"}) == Int(8008 - 6));
}

// ---- BITPOS -----------------------------------------------------------------------------------

TEST_CASE("BITPOS finds set and clear bits in byte ranges", "[bitmap][bitpos]") {
  CommandHarness h;
  h.Run({"SET", "k", std::string_view("\xff\xf0\x00", 3)});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITPOS", "k", "0"}) == Int(12));
  CHECK(h.Run({"BITPOS", "k", "1"}) == Int(0));
  CHECK(h.Run({"BITPOS", "k", "1", "2"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "k", "0", "2"}) == Int(16));
  CHECK(h.Run({"BITPOS", "k", "1", "1"}) == Int(8));
  CHECK(h.Run({"BITPOS", "k", "1", "-2", "-1"}) == Int(8));
  CHECK(h.Run({"BITPOS", "k", "0", "0", "0"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "k", "1", "7", "15", "BIT"}) == Int(7));
  CHECK(h.Run({"BITPOS", "k", "0", "7", "15", "bit"}) == Int(12));
  CHECK(h.Run({"BITPOS", "k", "1", "12", "-1", "BIT"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "k", "0", "0", "-1", "BYTE"}) == Int(12));
}

TEST_CASE("BITPOS 0 on an all-ones string: past the end without an end, -1 with one",
          "[bitmap][bitpos]") {
  CommandHarness h;
  h.Run({"SET", "ones", "\xff\xff\xff"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITPOS", "ones", "0"}) == Int(24));
  CHECK(h.Run({"BITPOS", "ones", "0", "0"}) == Int(24));
  CHECK(h.Run({"BITPOS", "ones", "0", "-1"}) == Int(24));
  CHECK(h.Run({"BITPOS", "ones", "0", "2"}) == Int(24));
  CHECK(h.Run({"BITPOS", "ones", "0", "0", "-1"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "ones", "0", "0", "2"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "ones", "0", "0", "23", "bit"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "ones", "0", "0", "-1", "BIT"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "ones", "0", "3", "20", "BIT"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "ones", "1", "-3", "-1", "bit"}) == Int(21));
  CHECK(h.Run({"BITPOS", "ones", "1", "5", "2"}) == Int(-1));
}

TEST_CASE("BITPOS on missing and empty keys", "[bitmap][bitpos]") {
  CommandHarness h;
  // redis 7.0.15: a missing key is endless zeros, whatever the other arguments.
  CHECK(h.Run({"BITPOS", "missing", "1"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "missing", "0"}) == Int(0));
  CHECK(h.Run({"BITPOS", "missing", "0", "a"}) == Int(0));
  CHECK(h.Run({"BITPOS", "missing", "1", "0", "0", "BIT", "x"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "missing", "2"}) == Err("ERR The bit argument must be 1 or 0."));
  h.Run({"SET", "e", ""});
  CHECK(h.Run({"BITPOS", "e", "0"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "e", "1"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "e", "0", "0"}) == Int(-1));
  CHECK(h.Run({"BITPOS", "e", "0", "0", "-1", "bit"}) == Int(-1));
}

TEST_CASE("BITPOS argument errors and their order", "[bitmap][bitpos]") {
  CommandHarness h;
  h.Run({"SET", "s", "foobar"});
  const std::string bad_bit = Err("ERR The bit argument must be 1 or 0.");
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITPOS", "s", "2"}) == bad_bit);
  CHECK(h.Run({"BITPOS", "s", "-1"}) == bad_bit);
  CHECK(h.Run({"BITPOS", "s", "a"}) == kNotInt);
  CHECK(h.Run({"BITPOS", "s", "0", "a"}) == kNotInt);
  CHECK(h.Run({"BITPOS", "s", "0", "0", "a"}) == kNotInt);
  CHECK(h.Run({"BITPOS", "s", "0", "0", "0", "foo"}) == kSyntax);
  CHECK(h.Run({"BITPOS", "s", "0", "0", "x", "foo"}) == kSyntax);  // unit before end
  CHECK(h.Run({"BITPOS", "s", "0", "x", "0", "foo"}) == kNotInt);  // start before unit
  CHECK(h.Run({"BITPOS", "s", "0", "1", "2", "bit", "3"}) == kSyntax);
}

TEST_CASE("BITPOS on an int-encoded value reads its decimal text", "[bitmap][bitpos]") {
  CommandHarness h;
  h.Run({"SET", "i", "0"});  // 0x30 = 00110000
  CHECK(h.Run({"BITPOS", "i", "1"}) == Int(2));
  CHECK(h.Run({"BITPOS", "i", "0", "0", "-1", "BIT"}) == Int(0));
}

// ---- BITOP ------------------------------------------------------------------------------------

TEST_CASE("BITOP AND, OR, XOR and NOT over strings of different lengths", "[bitmap][bitop]") {
  CommandHarness h;
  h.Run({"SET", "a", "\xff\x0f\xf0"});
  h.Run({"SET", "b", "\x0f\xff"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITOP", "AND", "d", "a", "b"}) == Int(3));
  CHECK(h.Run({"GET", "d"}) == Bulk(std::string_view("\x0f\x0f\x00", 3)));
  CHECK(h.Run({"BITOP", "or", "d", "a", "b"}) == Int(3));
  CHECK(h.Run({"GET", "d"}) == Bulk("\xff\xff\xf0"));
  CHECK(h.Run({"BITOP", "Xor", "d", "a", "b"}) == Int(3));
  CHECK(h.Run({"GET", "d"}) == Bulk("\xf0\xf0\xf0"));
  CHECK(h.Run({"BITOP", "NOT", "d", "b"}) == Int(2));
  CHECK(h.Run({"GET", "d"}) == Bulk(std::string_view("\xf0\x00", 2)));
  // A missing source is an empty string: AND with it is all zeros.
  CHECK(h.Run({"BITOP", "AND", "d", "a", "missing"}) == Int(3));
  CHECK(h.Run({"GET", "d"}) == Bulk(std::string_view("\0\0\0", 3)));
  CHECK(h.Run({"BITOP", "OR", "d", "missing", "b"}) == Int(2));
  CHECK(h.Run({"GET", "d"}) == Bulk("\x0f\xff"));
}

TEST_CASE("BITOP with the destination among the sources", "[bitmap][bitop]") {
  CommandHarness h;
  h.Run({"SET", "a", "\x0f"});
  h.Run({"SET", "b", "\xf1\x01"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"BITOP", "XOR", "a", "a", "b"}) == Int(2));
  CHECK(h.Run({"GET", "a"}) == Bulk("\xfe\x01"));
  CHECK(h.Run({"BITOP", "NOT", "a", "a"}) == Int(2));
  CHECK(h.Run({"GET", "a"}) == Bulk("\x01\xfe"));
}

TEST_CASE("BITOP reads int values as text and stores a raw, persistent result", "[bitmap][bitop]") {
  CommandHarness h;
  h.Run({"SET", "i", "1"});
  h.Run({"SET", "d", "old", "EX", "100"});
  CHECK(h.Run({"BITOP", "AND", "d", "i", "i"}) == Int(1));
  CHECK(h.Run({"GET", "d"}) == Bulk("1"));
  // redis 7.0.15: "raw", and TTL -1.
  CHECK(EncodingOf(h, "d") == "raw");
  CHECK(h.ks().db(0).GetExpire(Find(h, "d")) == -1);
}

TEST_CASE("BITOP with an empty result deletes the destination", "[bitmap][bitop]") {
  CommandHarness h;
  h.Run({"SET", "d", "x"});
  h.Run({"SET", "e", ""});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"BITOP", "AND", "d", "missing"}) == Int(0));
  CHECK(Find(h, "d") == nullptr);
  CHECK(h.ks().dirty == d + 1);
  // redis 7.0.15: nothing to delete, no change.
  CHECK(h.Run({"BITOP", "OR", "d", "missing", "e"}) == Int(0));
  CHECK(h.ks().dirty == d + 1);
  CHECK(h.Run({"BITOP", "NOT", "d", "e"}) == Int(0));
  CHECK(Find(h, "d") == nullptr);
}

TEST_CASE("BITOP errors", "[bitmap][bitop]") {
  CommandHarness h;
  h.Run({"SET", "a", "x"});
  CHECK(h.Run({"BITOP", "foo", "d", "a"}) == kSyntax);
  CHECK(h.Run({"BITOP", "nand", "d", "a"}) == kSyntax);
  CHECK(h.Run({"BITOP", "NOT", "d", "a", "a"}) ==
        Err("ERR BITOP NOT must be called with a single source key."));
  CHECK(h.Run({"BITOP", "AND", "d"}) == Err("ERR wrong number of arguments for 'bitop' command"));
  CHECK(Find(h, "d") == nullptr);
}

TEST_CASE("BITOP skips a source that expired and counts one change", "[bitmap][bitop][ttl]") {
  CommandHarness h;
  h.Run({"SET", "a", "\xff"});
  h.Run({"SET", "b", "\x0f\x0f", "PX", "5"});
  h.clock().AdvanceMs(10);
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"BITOP", "OR", "d", "b", "a", "b"}) == Int(1));
  CHECK(h.Run({"GET", "d"}) == Bulk("\xff"));
  CHECK(h.ks().dirty == d + 1);
}

TEST_CASE("bitmap commands carry Redis 7.0's metadata", "[bitmap][meta]") {
  CommandHarness h;
  struct Meta {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
    const char* syntax;
  };
  // COMMAND INFO and COMMAND DOCS of redis 7.0.15.
  const Meta expected[] = {
      {"setbit", 4, kCmdWrite | kCmdDenyOom, 1, 1, 1, "key offset value:integer"},
      {"getbit", 3, kCmdReadOnly | kCmdFast, 1, 1, 1, "key offset"},
      {"bitcount", -2, kCmdReadOnly, 1, 1, 1,
       "key [index: start end [index_unit@7.0.0: BYTE | BIT]]"},
      {"bitpos", -3, kCmdReadOnly, 1, 1, 1,
       "key bit [index: start [end_index: end [index_unit@7.0.0: BYTE | BIT]]]"},
      {"bitop", -4, kCmdWrite | kCmdDenyOom, 2, -1, 1, "operation destkey key [key ...]"},
  };
  for (const Meta& m : expected) {
    INFO(m.name);
    const CommandSpec* spec = h.table().Find(m.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == m.arity);
    CHECK(spec->flags == m.flags);
    CHECK(spec->first_key == m.first);
    CHECK(spec->last_key == m.last);
    CHECK(spec->key_step == m.step);
    CHECK(spec->group == "bitmap");
    CHECK(spec->syntax == m.syntax);
    CHECK_FALSE(spec->summary.empty());
  }
}

}  // namespace
}  // namespace keel::engine
