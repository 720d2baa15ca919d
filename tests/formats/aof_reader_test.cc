// Tests for the AOF command reader (formats/aof_reader.h): how a stream ends (clean, truncated at
// every byte, corrupt with Redis's words and the offset), MULTI/EXEC as redis-check-aof tracks it,
// annotations, bounded memory for huge declared lengths, and files redis-server 7.0.15 wrote.
// Keel's batch marks are tested in aof_batch_mark_test.cc.
#include "formats/aof_reader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/formats/aof_test_util.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Args;
using testing::CheckCorruptionAt;
using testing::Cmd;
using testing::ForEachPrefix;
using testing::Read;
using testing::Recorder;
using End = AofReadResult::End;

TEST_CASE("an empty stream ends clean with nothing read", "[aof_reader]") {
  Recorder rec;
  AofReadResult r = Read("", &rec);
  CHECK(r.end == End::kClean);
  CHECK(r.problem.ok());
  CHECK(r.size == 0);
  CHECK(r.last_complete == 0);
  CHECK(r.valid_up_to == 0);
  CHECK(r.valid_up_to_line == 1);
  CHECK(r.commands == 0);
  CHECK_FALSE(r.in_multi);
  CHECK_FALSE(r.has_marks);
  CHECK(rec.commands.empty());
}

TEST_CASE("commands are delivered with their offsets and the stream ends clean", "[aof_reader]") {
  std::string set = Cmd({"SET", "key", "v\r\n*1\r\n"});
  std::string get = Cmd({"get", "key"});
  std::string bytes = set + get;
  Recorder rec;
  AofReadResult r = Read(bytes, &rec);
  CHECK(r.end == End::kClean);
  CHECK(r.size == bytes.size());
  CHECK(r.last_complete == bytes.size());
  CHECK(r.valid_up_to == bytes.size());
  // redis-check-aof's ok_up_to_line: one more than the CRLFs of the RESP structure (7 + 5).
  CHECK(r.valid_up_to_line == 13);
  CHECK(r.commands == 2);
  REQUIRE(rec.commands.size() == 2);
  CHECK(rec.commands[0] == Args{"SET", "key", "v\r\n*1\r\n"});
  CHECK(rec.commands[1] == Args{"get", "key"});
  CHECK(rec.offsets == std::vector<uint64_t>{0, set.size()});
}

TEST_CASE("empty and binary arguments, and any chunking of the source", "[aof_reader]") {
  std::string nul("\0\xff\r\n", 4);
  std::string bytes = Cmd({"SET", "", nul}) + Cmd({"x"});
  for (size_t step : {1, 2, 3, 7, 64}) {
    INFO("step " << step);
    Recorder rec;
    AofReadResult r = Read(bytes, &rec, {}, 0, step);
    CHECK(r.end == End::kClean);
    REQUIRE(rec.commands.size() == 2);
    CHECK(rec.commands[0] == Args{"SET", "", nul});
    CHECK(rec.commands[1] == Args{"x"});
  }
}

TEST_CASE("base_offset shifts every offset reported", "[aof_reader]") {
  std::string bytes = Cmd({"PING"}) + "#TS:1\r\n" + Cmd({"MULTI"}) + Cmd({"SET", "a", "b"});
  Recorder rec;
  AofReadResult r = Read(bytes + "hello", &rec, {}, 1000);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, 1000 + bytes.size(), "AOF format error");
  CHECK(rec.offsets == std::vector<uint64_t>{1000, 1000 + 21, 1000 + 36});
  REQUIRE(rec.annotations.size() == 1);
  CHECK(rec.annotations[0].second == 1014);
  CHECK(r.size == 1000 + bytes.size() + 5);
  CHECK(r.last_complete == 1000 + bytes.size());
  CHECK(r.valid_up_to == 1021);
  CHECK(r.in_multi);
  CHECK(r.multi_offset == 1021);
}

// The items of a file with each item's end and whether valid_up_to moves past it.
struct Item {
  std::string bytes;
  bool in_multi_after;
};

TEST_CASE("a crash at every byte of a file leaves a short read cut at the right place",
          "[aof_reader]") {
  std::vector<Item> items = {
      {"#TS:1700000000\r\n", false},
      {Cmd({"SET", "k", "v1"}), false},
      {Cmd({"MULTI"}), true},
      {Cmd({"INCR", "n"}), true},
      {"#note\n", true},
      {Cmd({"LPUSH", "l", "a", "b"}), true},
      {Cmd({"exec"}), false},
      {Cmd({"DEL", "k"}), false},
  };
  std::string file;
  std::vector<uint64_t> ends;
  std::vector<uint64_t> safe = {0};   // where valid_up_to may stop
  std::vector<uint64_t> lines = {1};  // valid_up_to_line at each safe point
  uint64_t line = 1;
  for (const Item& it : items) {
    file += it.bytes;
    ends.push_back(file.size());
    for (size_t i = 0; i + 1 < it.bytes.size() && it.bytes[0] == '*'; ++i) {
      line += it.bytes[i] == '\r' && it.bytes[i + 1] == '\n';
    }
    if (!it.in_multi_after) {
      safe.push_back(file.size());
      lines.push_back(line);
    }
  }
  auto last_at_most = [](const std::vector<uint64_t>& v, uint64_t n) {
    size_t k = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] <= n) k = i;
    }
    return k;
  };
  ForEachPrefix(file, [&](std::string_view prefix) {
    for (size_t step : {size_t{1}, size_t{5}, size_t{1} << 20}) {
      Recorder rec;
      AofReadResult r = Read(prefix, &rec, {}, 0, step);
      uint64_t n = prefix.size();
      bool boundary = n == 0 || std::find(ends.begin(), ends.end(), n) != ends.end();
      uint64_t complete = 0;
      for (uint64_t e : ends) {
        if (e <= n) complete = e;
      }
      size_t k = last_at_most(safe, complete);
      CHECK(r.end == (boundary ? End::kClean : End::kTruncated));
      CHECK(r.problem.ok());
      CHECK(r.size == n);
      CHECK(r.last_complete == complete);
      CHECK(r.valid_up_to == safe[k]);
      CHECK(r.valid_up_to_line == lines[k]);
      bool open = complete > ends[1] && complete < ends[6];
      CHECK(r.in_multi == open);
      CHECK(r.multi_offset == (open ? ends[1] : 0));
      CHECK(r.commands == rec.commands.size());
    }
  });
  Recorder rec;
  AofReadResult r = Read(file, &rec);
  CHECK(r.end == End::kClean);
  CHECK(r.commands == 6);
  CHECK(rec.annotations.size() == 2);
}

TEST_CASE("a file ending inside MULTI ends clean but is cut before the MULTI", "[aof_reader]") {
  // redis-check-aof: "Reached EOF before reading EXEC for MULTI", ok_up_to at the MULTI.
  std::string head = Cmd({"SET", "a", "1"});
  std::string bytes = head + Cmd({"MULTI"}) + Cmd({"GET", "x"});
  Recorder rec;
  AofReadResult r = Read(bytes, &rec);
  CHECK(r.end == End::kClean);
  CHECK(r.in_multi);
  CHECK(r.multi_offset == head.size());
  CHECK(r.valid_up_to == head.size());
  CHECK(r.last_complete == bytes.size());
  CHECK(r.commands == 3);  // delivered as read: the loader queues them
}

TEST_CASE("a nested MULTI is corrupt, as redis-check-aof says", "[aof_reader]") {
  // redis-check-aof: "Unexpected MULTI in AOF <file>", ok_up_to=0 (the first MULTI).
  std::string first = Cmd({"multi"});
  std::string bytes = first + Cmd({"MULTI"}) + Cmd({"EXEC"});
  Recorder rec;
  AofReadResult r = Read(bytes, &rec);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, first.size(), "Unexpected MULTI");
  CHECK(r.valid_up_to == 0);
  CHECK(r.last_complete == first.size());
  CHECK(r.in_multi);
  CHECK(r.commands == 1);

  // Found at the first argument, even if the rest of the command never arrives.
  r = Read(first + "*2\r\n$5\r\nMulti\r\n$3\r\nab", &rec);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, first.size(), "Unexpected MULTI");
}

TEST_CASE("an EXEC without MULTI is corrupt, as redis-check-aof says", "[aof_reader]") {
  // redis-check-aof: "Unexpected EXEC in AOF <file>", ok_up_to at the EXEC.
  std::string get = Cmd({"GET", "x"});
  AofReadResult r = Read(get + Cmd({"exec"}));
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, get.size(), "Unexpected EXEC");
  CHECK(r.valid_up_to == get.size());
  CHECK(r.valid_up_to_line == 6);

  // MULTI ... EXEC ... EXEC: the second one.
  std::string tx = Cmd({"MULTI"}) + Cmd({"SET", "a", "b"}) + Cmd({"EXEC"});
  r = Read(tx + Cmd({"EXEC"}));
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, tx.size(), "Unexpected EXEC");
  CHECK(r.valid_up_to == tx.size());
}

TEST_CASE("MULTI and EXEC are recognised by the first argument only, in any case", "[aof_reader]") {
  std::string bytes = Cmd({"mUlTi"}) + Cmd({"SET", "multi", "exec"}) + Cmd({"ExEc"}) +
                      Cmd({"MULTI", "extra"}) + Cmd({"EXEC", "extra"}) + Cmd({"MULTIX"}) +
                      Cmd({"EXECX"});
  AofReadResult r = Read(bytes);
  CHECK(r.end == End::kClean);
  CHECK_FALSE(r.in_multi);
  CHECK(r.valid_up_to == bytes.size());
  CHECK(r.commands == 7);
}

TEST_CASE("bytes that cannot start a command are a format error at their offset", "[aof_reader]") {
  // redis-check-aof: "AOF <file> format error"; the loader: "Bad file format reading the append
  // only file <file>".
  std::string get = Cmd({"GET", "x"});
  for (std::string garbage :
       std::vector<std::string>{"hello\r\n", "\r\n", "$3\r\nGET\r\n", std::string(1, '\0'),
                                std::string(1, '\xff'), " *1\r\n$4\r\nPING\r\n"}) {
    INFO(testing::Hex(garbage));
    Recorder rec;
    AofReadResult r = Read(get + garbage + get, &rec);
    CHECK(r.end == End::kCorrupt);
    CheckCorruptionAt(r.problem, get.size(), "AOF format error");
    CHECK(r.problem.message().find(ByteHex(static_cast<uint8_t>(garbage[0]))) !=
          std::string_view::npos);
    CHECK(r.valid_up_to == get.size());
    CHECK(r.last_complete == get.size());
    CHECK(rec.commands.size() == 1);
  }
}

TEST_CASE("each malformed header or terminator is corrupt at the byte that breaks it",
          "[aof_reader]") {
  struct Case {
    std::string bytes;
    uint64_t offset;
    std::string words;
  };
  const std::vector<Case> cases = {
      // check-aof: "Expected \r\n, got: 580d" at the argument; Keel names the first wrong byte.
      {"*3\r\n$3\r\nSETX\r\n$1\r\nx\r\n$1\r\ny\r\n", 11, "Expected \\r\\n, got: 0x58"},
      {"*1\r\n$4\r\nPING\rX", 13, "Expected \\r\\n, got: 0x58"},
      {"*1\rX", 3, "Expected \\r\\n, got: 0x58"},
      {"*1x\r\n", 2, "Expected \\r\\n, got: 0x78"},
      {"*1\r\n$4x\r\n", 6, "Expected \\r\\n, got: 0x78"},
      // check-aof: "Expected prefix '$', got: 'x'".
      {"*2\r\n$3\r\nGET\r\nx1\r\nx\r\n", 13, "Expected prefix '$', got: 0x78"},
      // "*" needs a count of at least 1 (the loader's format error; check-aof lets "*0" pass).
      {"*0\r\n", 0, "Invalid argument count 0"},
      {"*-1\r\n", 1, "Expected an argument count after '*', got: 0x2d"},
      {"*\r\n", 1, "Expected an argument count after '*', got: 0x0d"},
      {"* 1\r\n", 1, "Expected an argument count after '*', got: 0x20"},
      {"*+1\r\n", 1, "Expected an argument count after '*', got: 0x2b"},
      // check-aof: "Expected to read string of -5 bytes, which is not in the suitable range".
      {"*2\r\n$3\r\nGET\r\n$-5\r\nx\r\n", 14, "Expected a string length after '$', got: 0x2d"},
      {"*1\r\n$\r\n", 5, "Expected a string length after '$', got: 0x0d"},
      {"*1\r\n$536870913\r\n", 4, "String length out of range (at most 536870912)"},
      {"*1\r\n$99999999999999999999999\r\n", 4, "String length out of range"},
      {"*2147483649\r\n", 0, "Argument count out of range (at most 2147483648)"},
      {"*000000000000000000001\r\n", 0, "Argument count out of range"},
  };
  for (const Case& c : cases) {
    INFO(testing::Hex(c.bytes));
    AofReadResult r = Read(c.bytes);
    CHECK(r.end == End::kCorrupt);
    CheckCorruptionAt(r.problem, c.offset, c.words);
    CHECK(r.valid_up_to == 0);
    CHECK(r.commands == 0);
  }
}

TEST_CASE("a valid prefix cut anywhere is truncated, not corrupt", "[aof_reader]") {
  for (std::string bytes :
       std::vector<std::string>{"*", "*3", "*3\r", "*3\r\n$", "*3\r\n$3", "*3\r\n$3\r\nSE",
                                "*3\r\n$3\r\nSET\r", "*3\r\n$3\r\nSET\r\n", "#", "#TS:17\r"}) {
    INFO(bytes);
    AofReadResult r = Read(bytes);
    CHECK(r.end == End::kTruncated);
    CHECK(r.problem.ok());
    CHECK(r.valid_up_to == 0);
    CHECK(r.last_complete == 0);
    CHECK(r.size == bytes.size());
  }
}

TEST_CASE("a huge declared length in a short file is truncated without allocating it",
          "[aof_reader]") {
  // 2,000,000,000 declared, 10 bytes present (with the limit raised past it).
  AofReadLimits limits;
  limits.max_bulk_len = uint64_t{4} << 30;
  AofReadResult r = Read("*1\r\n$2000000000\r\n0123456789", nullptr, limits);
  CHECK(r.end == End::kTruncated);
  CHECK(r.size == 27);

  // Under the default limit of 512 MiB: the same.
  r = Read("*2\r\n$3\r\nGET\r\n$500000000\r\n0123456789");
  CHECK(r.end == End::kTruncated);

  // 2^62 bytes declared, and as many arguments: reserving either would throw, failing the test.
  limits.max_bulk_len = UINT64_MAX / 2;
  limits.max_args = UINT64_MAX / 2;
  r = Read("*4611686018427387904\r\n$4611686018427387904\r\n0123456789", nullptr, limits);
  CHECK(r.end == End::kTruncated);
}

TEST_CASE("a length or count over the limits is corrupt at its header", "[aof_reader]") {
  // Past the default proto-max-bulk-len: corrupt, however short the file.
  AofReadResult r = Read("*1\r\n$2000000000\r\n0123456789");
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, 4, "String length out of range (at most 536870912)");

  AofReadLimits limits;
  limits.max_bulk_len = 16;
  std::string ok = Cmd({"SET", "k", std::string(16, 'v')});
  r = Read(ok + Cmd({"SET", "k", std::string(17, 'v')}), nullptr, limits);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, ok.size() + 20, "String length out of range (at most 16)");
  CHECK(r.valid_up_to == ok.size());

  limits = {};
  limits.max_args = 3;
  std::string two = Cmd({"SET", "k", "v"}) + Cmd({"MSET", "a", "1"});
  r = Read(two + Cmd({"MSET", "a", "1", "b"}), nullptr, limits);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, two.size(), "Argument count out of range (at most 3)");

  // A limit of 0 refuses any non-empty argument.
  limits = {};
  limits.max_bulk_len = 0;
  r = Read(Cmd({""}) + Cmd({"x"}), nullptr, limits);
  CHECK(r.end == End::kCorrupt);
  CHECK(r.commands == 1);
}

TEST_CASE("annotations are reported without '#' and line end, and count as lines", "[aof_reader]") {
  std::string bytes =
      "#TS:1700000000\r\n" + Cmd({"PING"}) + "#plain\n#\r\n#a\rb\n#\n" + Cmd({"PING"});
  Recorder rec;
  AofReadResult r = Read(bytes, &rec);
  CHECK(r.end == End::kClean);
  REQUIRE(rec.annotations.size() == 5);
  CHECK(rec.annotations[0] == std::pair<std::string, uint64_t>{"TS:1700000000", 0});
  CHECK(rec.annotations[1] == std::pair<std::string, uint64_t>{"plain", 30});
  CHECK(rec.annotations[2] == std::pair<std::string, uint64_t>{"", 37});
  CHECK(rec.annotations[3] == std::pair<std::string, uint64_t>{"a\rb", 40});
  CHECK(rec.annotations[4] == std::pair<std::string, uint64_t>{"", 45});
  CHECK(r.commands == 2);
  CHECK(r.valid_up_to == bytes.size());
  // Like redis-check-aof's ok_up_to_line, the lines of the RESP structure only.
  CHECK(r.valid_up_to_line == 1 + 3 + 3);
  CHECK_FALSE(r.has_marks);
}

TEST_CASE("an annotation line of 1024 bytes or more is corrupt, as Redis misreads it",
          "[aof_reader]") {
  // Redis 7.0 loads a 1023-byte line ('#' and CRLF included) and fails on a 1024-byte one: its
  // fgets buffer holds 1023 bytes, and the rest of the line is then read as a command.
  std::string ping = Cmd({"PING"});
  for (const char* end : {"\r\n", "\n"}) {
    std::string ok = "#" + std::string(1023 - 1 - std::strlen(end), 'a') + end;
    REQUIRE(ok.size() == 1023);
    Recorder rec;
    AofReadResult r = Read(ok + ping, &rec);
    CHECK(r.end == End::kClean);
    REQUIRE(rec.annotations.size() == 1);
    CHECK(rec.annotations[0].first == std::string(1023 - 1 - std::strlen(end), 'a'));

    std::string bad = "#" + std::string(1024 - 1 - std::strlen(end), 'a') + end;
    r = Read(ping + bad + ping);
    CHECK(r.end == End::kCorrupt);
    CheckCorruptionAt(r.problem, ping.size(), "Annotation line too long");
    CHECK(r.valid_up_to == ping.size());
  }
  // Too long is corrupt even when the file ends inside it.
  AofReadResult r = Read("#" + std::string(2000, 'a'));
  CHECK(r.end == End::kCorrupt);
}

class FailingVisitor final : public AofVisitor {
 public:
  Status OnCommand(std::span<const std::string_view> args, uint64_t) override {
    if (args[0] == "FAIL") return Status::InvalidArgument("unknown command");
    return Status::Ok();
  }
  Status OnAnnotation(std::string_view text, uint64_t) override {
    if (text == "FAIL") return Status::InvalidArgument("bad annotation");
    return Status::Ok();
  }
};

class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> dst) override {
    if (done_) return Status::IoError("read failed", 5);
    done_ = true;
    size_t n = std::min(dst.size(), data_.size());
    std::memcpy(dst.data(), data_.data(), n);
    return n;
  }

 private:
  std::string_view data_;
  bool done_ = false;
};

TEST_CASE("the visitor's errors and the source's errors are returned as they are", "[aof_reader]") {
  FailingVisitor v;
  std::string bytes = Cmd({"PING"}) + Cmd({"FAIL"}) + Cmd({"PING"});
  SpanSource src(bytes);
  auto r = ReadAofCommands(src, v);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kInvalidArgument);
  CHECK(r.error().message() == "unknown command");

  bytes = "#FAIL\r\n";
  SpanSource src2(bytes);
  r = ReadAofCommands(src2, v);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message() == "bad annotation");

  bytes = Cmd({"PING"}) + "*1\r\n$4\r\nPI";
  FailingSource failing(bytes);
  r = ReadAofCommands(failing, v);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kIoError);
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(KEEL_TESTDATA_DIR) + "/aof/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("an incr file redis-server 7.0.15 wrote reads whole", "[aof_reader]") {
  std::string bytes = ReadFixture("appendonly.aof.2.incr.aof");
  REQUIRE(bytes.size() == 70411);
  for (size_t step : {size_t{1} << 20, size_t{4096}, size_t{3}}) {
    Recorder rec;
    AofReadResult r = Read(bytes, &rec, {}, 0, step);
    CHECK(r.end == End::kClean);
    CHECK(r.valid_up_to == bytes.size());
    CHECK_FALSE(r.in_multi);
    CHECK(r.commands == 11);
    REQUIRE(rec.commands.size() == 11);
    REQUIRE(rec.annotations.size() == 2);
    CHECK(rec.annotations[0].first.rfind("TS:", 0) == 0);
    CHECK(rec.annotations[0].second == 0);
    CHECK(rec.commands[0] == Args{"SELECT", "3"});
    CHECK(rec.commands[1] == Args{"SET", "bin\r\nkey", "\r\n*1\r\n$4\r\nPING\r\n"});
    CHECK(rec.commands[2] == Args{"SET", "big", std::string(70000, 'v')});
    CHECK(rec.commands[3] == Args{"MULTI"});
    CHECK(rec.commands[7] == Args{"EXEC"});
    CHECK(rec.commands[10] == Args{"HSET", "hash", "f3", "v3"});
  }
  // Cut inside the transaction: back to its MULTI, as the loader and check-aof cut it.
  AofReadResult r = Read(bytes.substr(0, 70200));
  CHECK(r.end == End::kTruncated);
  CHECK(r.valid_up_to == 70121);
  CHECK(r.multi_offset == 70121);
}

TEST_CASE("a base file a rewrite wrote reads whole", "[aof_reader]") {
  std::string bytes = ReadFixture("appendonly.aof.2.base.aof");
  Recorder rec;
  AofReadResult r = Read(bytes, &rec);
  CHECK(r.end == End::kClean);
  CHECK(r.commands == 7);
  REQUIRE(rec.annotations.size() == 1);
  REQUIRE(rec.commands.size() == 7);
  CHECK(rec.commands[0] == Args{"SELECT", "0"});
  CHECK(rec.commands[1][0] == "SADD");
  CHECK(rec.commands[2][0] == "HMSET");
  CHECK(rec.commands[2].size() == 6);
}

TEST_CASE("commands re-encoded with AppendAofCommand read back the same", "[aof_reader]") {
  std::string bytes = ReadFixture("appendonly.aof.2.incr.aof");
  Recorder rec;
  REQUIRE(Read(bytes, &rec).end == End::kClean);
  std::string again;
  for (const Args& a : rec.commands) {
    std::vector<std::string_view> views(a.begin(), a.end());
    AppendAofCommand(&again, views);
  }
  Recorder rec2;
  REQUIRE(Read(again, &rec2).end == End::kClean);
  CHECK(rec2.commands == rec.commands);
}

}  // namespace
}  // namespace keel::formats
