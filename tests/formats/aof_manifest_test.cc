// Tests for the AOF manifest (formats/aof_manifest.h): parsing with Redis 7.0's rules and its
// exact error texts (each settled by starting redis-server 7.0.15 on a crafted manifest and
// reading its log), writing byte for byte as Redis writes, round trips, and the file names.
#include "formats/aof_manifest.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::CheckCorruptionAt;
using namespace std::string_literals;

AofManifest Parse(std::string_view text) {
  auto r = ParseAofManifest(text);
  INFO(r.status().ToString());
  REQUIRE(r.has_value());
  return std::move(r).value();
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(KEEL_TESTDATA_DIR) + "/aof/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("a manifest Redis wrote parses, and formats back to the same bytes", "[aof_manifest]") {
  std::string text = ReadFixture("appendonly.aof.manifest");
  AofManifest m = Parse(text);
  REQUIRE(m.base);
  CHECK(*m.base == AofFileInfo{"appendonly.aof.2.base.aof", 2, AofFileType::kBase});
  REQUIRE(m.history.size() == 2);
  CHECK(m.history[0] == AofFileInfo{"appendonly.aof.1.incr.aof", 1, AofFileType::kHistory});
  CHECK(m.history[1] == AofFileInfo{"appendonly.aof.1.base.aof", 1, AofFileType::kHistory});
  REQUIRE(m.incr.size() == 1);
  CHECK(m.incr[0] == AofFileInfo{"appendonly.aof.2.incr.aof", 2, AofFileType::kIncr});
  CHECK(m.curr_base_seq == 2);
  CHECK(m.curr_incr_seq == 2);
  CHECK(FormatAofManifest(m) == text);
}

TEST_CASE("names that need quoting are written as Redis's sdscatrepr writes them",
          "[aof_manifest]") {
  // appendfilename 'my "aof"<TAB>1', written by redis-server 7.0.15.
  std::string text = ReadFixture("quoted.manifest");
  AofManifest m = Parse(text);
  REQUIRE(m.base);
  CHECK(m.base->name == "my \"aof\"\t1.2.base.aof");
  CHECK(FormatAofManifest(m) == text);
  CHECK(text.substr(0, 32) == "file \"my \\\"aof\\\"\\t1.2.base.aof\" ");

  AofManifest q;
  q.incr.push_back({"a b\\c\n\r\a\b\x01\x7f\xff\v", 1, AofFileType::kIncr});
  CHECK(FormatAofManifest(q) == "file \"a b\\\\c\\n\\r\\a\\b\\x01\\x7f\\xff\\x0b\" seq 1 type i\n");
  // Read back (without the backslash: a name with one is refused as a path, in Redis too).
  q.incr[0].name = "a b\"c\n\r\a\b\x01\x7f\xff\v";
  q.curr_incr_seq = 1;
  CHECK(Parse(FormatAofManifest(q)) == q);
}

TEST_CASE("Keel quotes the names Redis would write unreadably", "[aof_manifest]") {
  // Redis 7.0 writes "file it's.1.incr.aof ..." unquoted and then refuses its own manifest (the
  // quote opens a quoted word); an empty name written bare loses a word. Keel quotes both.
  AofManifest m;
  m.incr.push_back({"it's.1.incr.aof", 1, AofFileType::kIncr});
  m.incr.push_back({"", 2, AofFileType::kIncr});
  m.curr_incr_seq = 2;
  CHECK(FormatAofManifest(m) == "file \"it's.1.incr.aof\" seq 1 type i\nfile \"\" seq 2 type i\n");
  CHECK(Parse(FormatAofManifest(m)) == m);
}

TEST_CASE("base, then history, then incr; each line as Redis formats it", "[aof_manifest]") {
  AofManifest m;
  m.incr = {{"x.5.incr.aof", 5, AofFileType::kIncr}, {"x.6.incr.aof", 6, AofFileType::kIncr}};
  m.history = {{"x.4.incr.aof", 4, AofFileType::kHistory}};
  m.base = AofFileInfo{"x.3.base.rdb", 3, AofFileType::kBase};
  m.curr_base_seq = 3;
  m.curr_incr_seq = 6;
  std::string text = FormatAofManifest(m);
  CHECK(text ==
        "file x.3.base.rdb seq 3 type b\n"
        "file x.4.incr.aof seq 4 type h\n"
        "file x.5.incr.aof seq 5 type i\n"
        "file x.6.incr.aof seq 6 type i\n");
  CHECK(Parse(text) == m);
  CHECK(FormatAofManifest(AofManifest{}).empty());
}

TEST_CASE("what Redis tolerates: comments, case, blanks, extra pairs, quotes, CRLF",
          "[aof_manifest]") {
  AofManifest m = Parse(
      "# a comment\n"
      "FILE a.1.base.rdb SEQ 1 TYPE b\n"
      "  file\ta.2.incr.aof\tseq 2 type i future value  \r\n"
      "file \"a 3.incr.aof\" seq 3abc type incr\n"
      "file x seq 4 type i file a.4.incr.aof\n"  // a repeated key: the last value
      "#no newline at the end of a comment");
  REQUIRE(m.base);
  CHECK(m.base->name == "a.1.base.rdb");
  REQUIRE(m.incr.size() == 3);
  CHECK(m.incr[0] == AofFileInfo{"a.2.incr.aof", 2, AofFileType::kIncr});
  CHECK(m.incr[1] == AofFileInfo{"a 3.incr.aof", 3, AofFileType::kIncr});  // atoll("3abc")
  CHECK(m.incr[2].name == "a.4.incr.aof");
  CHECK(m.curr_incr_seq == 4);

  // Only comments: not empty to Redis, and no files.
  m = Parse("# nothing here\n");
  CHECK_FALSE(m.base);
  CHECK(m.incr.empty());
  CHECK(m.history.empty());

  // History entries take any seq; a negative base seq is taken as it is.
  m = Parse("file h seq 9 type h\nfile h2 seq 1 type h\nfile b seq -1 type b\n");
  CHECK(m.history.size() == 2);
  CHECK(m.curr_base_seq == -1);
}

TEST_CASE("a line of 1024 bytes with its newline is the longest", "[aof_manifest]") {
  std::string line = "file a.1.incr.aof seq 1 type i k ";
  std::string ok = line + std::string(1023 - line.size(), 'v') + "\n";
  REQUIRE(ok.size() == 1024);
  CHECK(Parse(ok).incr.size() == 1);
  std::string bad = line + std::string(1024 - line.size(), 'v') + "\n";
  auto r = ParseAofManifest("file a.0.base.rdb seq 1 type b\n" + bad);
  CheckCorruptionAt(r.error(), 31, "The AOF manifest file contains too long line");
}

struct Bad {
  std::string text;
  uint64_t offset;
  std::string message;
};

TEST_CASE("every anomaly is refused with Redis's words and the line's offset", "[aof_manifest]") {
  const std::string incr = "file a.1.incr.aof seq 1 type i\n";  // 31 bytes
  const std::vector<Bad> cases = {
      {"", 0, "Found an empty AOF manifest"},
      {"seq 1 type i x y\n", 0,
       "Invalid AOF manifest file format (manifest line 1: 'seq 1 type i x y')"},
      {"file a.1.incr.aof type i x y\n", 0, "Invalid AOF manifest file format"},
      {"file a.1.incr.aof seq 1 x y\n", 0, "Invalid AOF manifest file format"},
      {"file a.1.incr.aof seq 1 type i x\n", 0, "Invalid AOF manifest file format"},  // odd
      {"file a.1.incr.aof seq 1\n", 0, "Invalid AOF manifest file format"},           // < 6
      {"\n" + incr, 0, "Invalid AOF manifest file format (manifest line 1: '')"},
      {incr + "\n", 31, "Invalid AOF manifest file format (manifest line 2: '')"},
      {incr + " \t\r\n", 31, "Invalid AOF manifest file format"},
      {incr + "  # indented\n", 31,
       "Invalid AOF manifest file format (manifest line 2: '# indented')"},
      {"file \"a.1.incr.aof seq 1 type i\n", 0, "Invalid AOF manifest file format"},  // quote
      {"file a.1.incr.aof seq abc type i\n", 0, "Invalid AOF manifest file format"},
      {"file a.1.incr.aof seq 0 type i\n", 0, "Invalid AOF manifest file format"},
      {"file a.1.incr.aof seq 1 type \"\"\n", 0, "Invalid AOF manifest file format"},
      {"file a.1.base.rdb seq 1 type b\nfile a.2.base.rdb seq 2 type b\n", 31,
       "Found duplicate base file information (manifest line 2: 'file a.2.base.rdb seq 2 type b')"},
      {"file a.2.incr.aof seq 2 type i\n" + incr, 31, "Found a non-monotonic sequence number"},
      {incr + incr, 31, "Found a non-monotonic sequence number"},
      {"file a.1.incr.aof seq -3 type i\n", 0, "Found a non-monotonic sequence number"},
      {"file a.1.incr.aof seq 1 type x\n", 0, "Unknown AOF file type"},
      {"file a.1.incr.aof seq 1 type I\n", 0, "Unknown AOF file type"},  // case-sensitive
      {"file dir/a.1.incr.aof seq 1 type i\n", 0, "File can't be a path, just a filename"},
      {"file \"a\\\\b\" seq 1 type i\n", 0, "File can't be a path, just a filename"},
      {"file a seq 1 type i file /x\n", 0, "File can't be a path, just a filename"},
      {"file a.1.incr.aof seq 1 type i", 0,
       "The AOF manifest file contains too long line (manifest line 1)"},  // no '\n'
      {incr + "file a.2.incr.aof seq 2 type i\0zz\n"s, 31,
       "The AOF manifest file contains too long line"},  // a NUL hides the '\n'
      {"\0"s + incr, 0, "The AOF manifest file contains too long line"},
      // A long comment is skipped 1024 bytes at a time; its rest is read as a line.
      {"#" + std::string(1500, 'c') + "\n", 1024,
       "Invalid AOF manifest file format (manifest line 2"},
  };
  for (const Bad& c : cases) {
    INFO(testing::Hex(c.text));
    auto r = ParseAofManifest(c.text);
    REQUIRE_FALSE(r.has_value());
    CheckCorruptionAt(r.error(), c.offset, c.message);
    CHECK(r.error().message().rfind(c.message, 0) == 0);  // Redis's words come first
  }
}

TEST_CASE("parse, format and parse again give the same manifest", "[aof_manifest]") {
  const char* texts[] = {
      "file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n",
      "FILE \"q\\x41\\x00z\" SEQ +7 TYPE hist extra 1\n",  // a NUL ends the name, as in Redis
      "file a seq 9223372036854775807 type i\n",
      "file a seq 99999999999999999999 type h\nfile b seq -99999999999999999999 type b\n",
  };
  for (const char* text : texts) {
    INFO(text);
    AofManifest m = Parse(text);
    CHECK(Parse(FormatAofManifest(m)) == m);
  }
  AofManifest m = Parse(texts[1]);
  CHECK(m.history[0].name == "qA");
  m = Parse(texts[3]);
  CHECK(m.history[0].seq == INT64_MAX);  // atoll saturates
  CHECK(m.base->seq == INT64_MIN);

  // A manifest without files formats to nothing, which Redis (and so Keel) reads as empty.
  m = Parse("# only a comment");
  CHECK(FormatAofManifest(m).empty());
}

TEST_CASE("file names follow Redis's patterns", "[aof_manifest]") {
  CHECK(AofBaseFileName("appendonly.aof", 1, true) == "appendonly.aof.1.base.rdb");
  CHECK(AofBaseFileName("appendonly.aof", 12, false) == "appendonly.aof.12.base.aof");
  CHECK(AofIncrFileName("appendonly.aof", 3) == "appendonly.aof.3.incr.aof");
  CHECK(AofManifestFileName("appendonly.aof") == "appendonly.aof.manifest");
  CHECK(AofTempManifestFileName("appendonly.aof") == "temp-appendonly.aof.manifest");
  CHECK(AofTempIncrFileName("appendonly.aof") == "temp-appendonly.aof.incr");
  CHECK(AofIncrFileName("my \"aof\"", 2) == "my \"aof\".2.incr.aof");
}

}  // namespace
}  // namespace keel::formats
