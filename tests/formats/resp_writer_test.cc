// Tests for the RESP2 reply writer: the exact bytes of every reply type, Redis's error prefixing
// and newline replacement, deferred array lengths, and integer/double formatting at the edges.
#include "formats/resp_writer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace keel::formats {
namespace {

std::string Int64Text(int64_t v) {
  char buf[32];
  return std::string(buf, FormatInt64(v, buf));
}

TEST_CASE("simple strings, OK and nulls have their fixed forms", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddSimple("PONG");
  w.AddSimple("");
  w.AddOk();
  w.AddNullBulk();
  w.AddNullArray();
  CHECK(out == "+PONG\r\n+\r\n+OK\r\n$-1\r\n*-1\r\n");
  CHECK(w.errors() == 0);
}

TEST_CASE("an error without a code gets -ERR, one with a code is verbatim", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddError("syntax error");
  w.AddError("-WRONGTYPE Operation against a key holding the wrong kind of value");
  w.AddError("");
  w.AddError("-");
  CHECK(out ==
        "-ERR syntax error\r\n"
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        "-ERR \r\n"
        "-\r\n");
  CHECK(w.errors() == 4);
}

TEST_CASE("line breaks inside an error become spaces so the reply stays one line",
          "[resp_writer]") {
  std::string out = "prefix";
  ReplyWriter w(&out);
  w.AddError("bad\r\nthing\nhere\r");
  w.AddError("-CODE a\nb");
  CHECK(out == "prefix-ERR bad  thing here \r\n-CODE a b\r\n");
  // Text written before the error is left alone.
  out = "keep\r\n";
  w.AddError("x\ny");
  CHECK(out == "keep\r\n-ERR x y\r\n");
}

TEST_CASE("integers cover the whole int64 range", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddInteger(0);
  w.AddInteger(-1);
  w.AddInteger(42);
  w.AddInteger(INT64_MAX);
  w.AddInteger(INT64_MIN);
  CHECK(out == ":0\r\n:-1\r\n:42\r\n:9223372036854775807\r\n:-9223372036854775808\r\n");
}

TEST_CASE("FormatInt64 at the edges of int64", "[resp_writer]") {
  CHECK(Int64Text(0) == "0");
  CHECK(Int64Text(7) == "7");
  CHECK(Int64Text(-7) == "-7");
  CHECK(Int64Text(10) == "10");
  CHECK(Int64Text(-10) == "-10");
  CHECK(Int64Text(INT64_MAX) == "9223372036854775807");
  CHECK(Int64Text(INT64_MIN) == "-9223372036854775808");
  CHECK(Int64Text(INT64_MIN + 1) == "-9223372036854775807");
  CHECK(Int64Text(1000000000000000000LL) == "1000000000000000000");
  char buf[32];
  CHECK(FormatInt64(INT64_MIN, buf) == 20);
}

TEST_CASE("bulk strings are binary-safe and length-prefixed", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddBulk("hello");
  w.AddBulk("");
  w.AddBulk(std::string_view("a\r\n\0b", 5));
  CHECK(out == std::string("$5\r\nhello\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n", 28));
  std::string big(100000, 'x');
  out.clear();
  w.AddBulk(big);
  CHECK(out == "$100000\r\n" + big + "\r\n");
}

TEST_CASE("bulk integers are integers written as bulk strings", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddBulkInteger(0);
  w.AddBulkInteger(-15);
  w.AddBulkInteger(INT64_MIN);
  CHECK(out == "$1\r\n0\r\n$3\r\n-15\r\n$20\r\n-9223372036854775808\r\n");
}

TEST_CASE("doubles use %.17g, and infinities are spelled inf and -inf", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddDouble(1.5);
  w.AddDouble(0.1);
  w.AddDouble(-0.0);
  w.AddDouble(1e21);
  w.AddDouble(std::numeric_limits<double>::infinity());
  w.AddDouble(-std::numeric_limits<double>::infinity());
  CHECK(out ==
        "$3\r\n1.5\r\n"
        "$19\r\n0.10000000000000001\r\n"
        "$2\r\n-0\r\n"
        "$5\r\n1e+21\r\n"
        "$3\r\ninf\r\n"
        "$4\r\n-inf\r\n");
}

TEST_CASE("array, map and set headers are RESP2 arrays", "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  w.AddArrayHeader(0);
  w.AddArrayHeader(3);
  w.AddMapHeader(2);  // two pairs: four elements
  w.AddSetHeader(5);
  w.AddArrayHeader(1234567890123ULL);
  CHECK(out == "*0\r\n*3\r\n*4\r\n*5\r\n*1234567890123\r\n");
}

TEST_CASE("a deferred array length is filled in after its elements", "[resp_writer]") {
  std::string out = "+before\r\n";
  ReplyWriter w(&out);
  size_t h = w.AddDeferredArrayHeader();
  for (int i = 0; i < 12; ++i) w.AddInteger(i);
  w.SetDeferredArrayLength(h, 12);
  std::string expected = "+before\r\n*12\r\n";
  for (int i = 0; i < 12; ++i) expected += ":" + std::to_string(i) + "\r\n";
  CHECK(out == expected);
}

TEST_CASE("a deferred array can be empty, and nested ones are filled inner first",
          "[resp_writer]") {
  std::string out;
  ReplyWriter w(&out);
  size_t empty = w.AddDeferredArrayHeader();
  w.SetDeferredArrayLength(empty, 0);
  size_t outer = w.AddDeferredArrayHeader();
  w.AddBulk("a");
  size_t inner = w.AddDeferredArrayHeader();
  w.AddBulk("b");
  w.AddBulk("c");
  w.SetDeferredArrayLength(inner, 2);
  w.SetDeferredArrayLength(outer, 2);
  CHECK(out == "*0\r\n*2\r\n$1\r\na\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
}

TEST_CASE("raw bytes pass through and the buffer can be swapped", "[resp_writer]") {
  std::string first;
  std::string second;
  ReplyWriter w(&first);
  w.AddRaw("+shared\r\n");
  CHECK(w.buffer() == &first);
  w.set_buffer(&second);
  w.AddOk();
  CHECK(first == "+shared\r\n");
  CHECK(second == "+OK\r\n");
  CHECK(w.buffer() == &second);
}

}  // namespace
}  // namespace keel::formats
