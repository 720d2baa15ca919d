// Tests for the AOF building blocks (formats/aof_format.h): a command in RESP as Redis appends it,
// and Keel's "#KEEL <synced> <len> <checksum>" batch mark, written and parsed back, with every
// malformed mark text refused.
#include "formats/aof_format.h"

#include <xxhash.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace keel::formats {
namespace {

using namespace std::string_literals;

TEST_CASE("a command is RESP multibulk, as Redis appends it", "[aof_format]") {
  std::string out;
  AppendAofCommand(&out, {"SET", "key", "value"});
  CHECK(out == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");

  // The span overload writes the same bytes and appends.
  std::vector<std::string_view> args = {"PING"};
  AppendAofCommand(&out, args);
  CHECK(out == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n");
}

TEST_CASE("arguments are binary-safe: empty, CRLF, NUL and RESP text are length-prefixed",
          "[aof_format]") {
  std::string out;
  std::string nul("a\0b", 3);
  AppendAofCommand(&out, {"SET", "", "x\r\n*1\r\n", nul});
  CHECK(out == "*4\r\n$3\r\nSET\r\n$0\r\n\r\n$7\r\nx\r\n*1\r\n\r\n$3\r\na\0b\r\n"s);

  std::string big(100000, 'v');
  out.clear();
  AppendAofCommand(&out, {"SET", "k", big});
  CHECK(out.substr(0, 29) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n");
  CHECK(out.size() == 29 + big.size() + 2);
}

TEST_CASE("the batch checksum is XXH3-64 of the batch", "[aof_format]") {
  CHECK(AofBatchChecksum("") == XXH3_64bits("", 0));
  CHECK(AofBatchChecksum("*1\r\n$4\r\nPING\r\n") == XXH3_64bits("*1\r\n$4\r\nPING\r\n", 14));
  CHECK(AofBatchChecksum("a") != AofBatchChecksum("b"));
}

TEST_CASE("a batch mark is one annotation line: synced, length, 16 hex digits", "[aof_format]") {
  std::string batch;
  AppendAofCommand(&batch, {"SET", "k", "v"});
  std::string out = "prefix";
  AppendAofBatchMark(&out, 12345, batch);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(batch.data(), batch.size())));
  CHECK(out == "prefix#KEEL 12345 " + std::to_string(batch.size()) + " " + hex + "\r\n");

  // Parsed back from its text, without '#' and CRLF.
  std::string text = out.substr(7, out.size() - 9);
  auto mark = ParseAofBatchMark(text);
  REQUIRE(mark);
  CHECK(mark->synced == 12345);
  CHECK(mark->len == batch.size());
  CHECK(mark->checksum == AofBatchChecksum(batch));
}

TEST_CASE("a checksum with leading zero digits and the largest numbers parse", "[aof_format]") {
  auto m = ParseAofBatchMark("KEEL 0 0 000000000000000f");
  REQUIRE(m);
  CHECK(m->synced == 0);
  CHECK(m->len == 0);
  CHECK(m->checksum == 15);

  m = ParseAofBatchMark("KEEL 18446744073709551615 18446744073709551615 ffffffffffffffff");
  REQUIRE(m);
  CHECK(m->synced == UINT64_MAX);
  CHECK(m->len == UINT64_MAX);
  CHECK(m->checksum == UINT64_MAX);
}

TEST_CASE("annotations that are not well-formed marks are not marks", "[aof_format]") {
  const char* bad[] = {
      "",
      "TS:1700000000",                                  // Redis's timestamp
      "KEEL",                                           // no fields
      "KEEL ",                                          //
      "KEEL 1 2",                                       // no checksum
      "keel 1 2 0123456789abcdef",                      // the tag is case-sensitive
      "KEEL  1 2 0123456789abcdef",                     // an empty field
      "KEEL 1  0123456789abcdef",                       //
      "KEEL 1 2 0123456789ABCDEF",                      // upper-case hex
      "KEEL 1 2 0123456789abcde",                       // 15 digits
      "KEEL 1 2 0123456789abcdef0",                     // 17 digits
      "KEEL 1 2 0123456789abcdeg",                      // not hex
      "KEEL 1 2 0123456789abcdef ",                     // trailing blank
      "KEEL 1 2 0123456789abcdef\r",                    // a stray CR
      "KEEL -1 2 0123456789abcdef",                     // a sign
      "KEEL +1 2 0123456789abcdef",                     //
      "KEEL 1 0x2 0123456789abcdef",                    // not decimal
      "KEEL 18446744073709551616 2 0123456789abcdef",   // 2^64
      "KEEL 1 99999999999999999999 0123456789abcdef",   // overflows
      "KEEL 1 123456789012345678901 0123456789abcdef",  // 21 digits
      " KEEL 1 2 0123456789abcdef",                     // a leading blank
      "KEEL\t1 2 0123456789abcdef",                     // a tab
  };
  for (const char* text : bad) {
    INFO("'" << text << "'");
    CHECK_FALSE(ParseAofBatchMark(text));
  }
}

}  // namespace
}  // namespace keel::formats
