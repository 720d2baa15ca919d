// Tests for Keel's batch marks in the AOF reader (formats/aof_reader.h, aof_format.h): marks that
// verify are reported and remembered whatever the chunking; a changed byte that still parses is a
// checksum mismatch at the batch's start (C9); a crash anywhere never looks corrupt; and
// MaxSyncedMarkAfter finds verified marks past damage (T2 versus C1).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/aof_format.h"
#include "formats/aof_reader.h"
#include "tests/formats/aof_test_util.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::CheckCorruptionAt;
using testing::Cmd;
using testing::ForEachPrefix;
using testing::Read;
using testing::Recorder;
using End = AofReadResult::End;

// A file as Keel's writer lays it out: each batch followed by its mark.
struct MarkedFile {
  std::string bytes;
  std::vector<uint64_t> batch_starts;
  std::vector<uint64_t> mark_offsets;
  std::vector<uint64_t> mark_ends;
};

MarkedFile Marked(const std::vector<std::string>& batches, const std::vector<uint64_t>& synced,
                  std::string_view prefix = "") {
  MarkedFile f;
  f.bytes = prefix;
  for (size_t i = 0; i < batches.size(); ++i) {
    f.batch_starts.push_back(f.bytes.size());
    f.bytes += batches[i];
    f.mark_offsets.push_back(f.bytes.size());
    AppendAofBatchMark(&f.bytes, synced[i], batches[i]);
    f.mark_ends.push_back(f.bytes.size());
  }
  return f;
}

std::vector<std::string> SampleBatches() {
  return {
      Cmd({"SET", "k", "v1"}) + Cmd({"INCR", "n"}),
      "#TS:1700000000\r\n" + Cmd({"MULTI"}) + Cmd({"SET", "k", "v2"}) + Cmd({"EXEC"}),
      Cmd({"SET", "big", std::string(100000, 'b')}),  // longer than the 64 KiB read buffer
  };
}

TEST_CASE("marks that verify are reported, passed as annotations, and remembered", "[aof_mark]") {
  MarkedFile f = Marked(SampleBatches(), {0, 120, 300});
  for (size_t step : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
    INFO("step " << step);
    Recorder rec;
    AofReadResult r = Read(f.bytes, &rec, {}, 0, step);
    CHECK(r.end == End::kClean);
    CHECK(r.commands == 6);
    REQUIRE(rec.marks.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(rec.marks[i].second == f.mark_offsets[i]);
      CHECK(rec.marks[i].first.len == f.mark_offsets[i] - f.batch_starts[i]);
    }
    CHECK(rec.marks[1].first.synced == 120);
    REQUIRE(rec.annotations.size() == 4);
    CHECK(rec.annotations[0].first.rfind("KEEL 0 ", 0) == 0);
    CHECK(rec.annotations[1].first == "TS:1700000000");
    CHECK(rec.annotations[2].second == f.mark_offsets[1]);
    CHECK(r.has_marks);
    CHECK(r.last_mark.synced == 300);
    CHECK(r.last_mark.checksum == AofBatchChecksum(SampleBatches()[2]));
    CHECK(r.last_mark_end == f.bytes.size());
    CHECK(r.valid_up_to == f.bytes.size());
  }
}

TEST_CASE("bytes after the last mark are an unmarked tail; offsets include base_offset",
          "[aof_mark]") {
  MarkedFile f = Marked(SampleBatches(), {0, 1, 2});
  std::string tail = Cmd({"SET", "after", "mark"});
  Recorder rec;
  AofReadResult r = Read(f.bytes + tail, &rec, {}, 5000);
  CHECK(r.end == End::kClean);
  CHECK(r.last_mark_end == 5000 + f.bytes.size());
  CHECK(r.valid_up_to == 5000 + f.bytes.size() + tail.size());
  REQUIRE(rec.marks.size() == 3);
  CHECK(rec.marks[0].second == 5000 + f.mark_offsets[0]);
}

TEST_CASE("a changed payload byte that still parses is a checksum mismatch at the batch start",
          "[aof_mark]") {
  MarkedFile f = Marked(SampleBatches(), {0, 1, 2});
  std::string bad = f.bytes;
  size_t at = bad.find("v2");
  bad[at + 1] = '3';  // "v3": the batch still parses
  for (uint64_t base : {0, 100}) {
    Recorder rec;
    AofReadResult r = Read(bad, &rec, {}, base);
    CHECK(r.end == End::kCorrupt);
    CheckCorruptionAt(r.problem, base + f.batch_starts[1], "batch checksum mismatch");
    CHECK(r.problem.message().find("mark at offset " + std::to_string(base + f.mark_offsets[1])) !=
          std::string_view::npos);
    CHECK(r.last_mark_end == base + f.mark_ends[0]);
    CHECK(rec.marks.size() == 1);
    CHECK(rec.annotations.size() == 2);  // the bad mark is not passed on
  }
}

TEST_CASE("a mark with a wrong length or checksum is a mismatch", "[aof_mark]") {
  std::vector<std::string> batches = SampleBatches();
  MarkedFile f = Marked(batches, {0, 1, 2});
  // The second mark's text: "#KEEL 1 <len> <16 hex>\r\n".
  std::string mark = f.bytes.substr(f.mark_offsets[1], f.mark_ends[1] - f.mark_offsets[1]);
  std::string len = std::to_string(batches[1].size());
  REQUIRE(mark.find(" " + len + " ") == 7);

  std::string longer = mark;
  longer.replace(8, len.size(), std::to_string(batches[1].size() + 1));
  std::string checksum = mark;
  checksum[checksum.size() - 3] = checksum[checksum.size() - 3] == '0' ? '1' : '0';
  for (const std::string& m : {longer, checksum}) {
    std::string bad = f.bytes;
    bad.replace(f.mark_offsets[1], mark.size(), m);
    AofReadResult r = Read(bad);
    CHECK(r.end == End::kCorrupt);
    CheckCorruptionAt(r.problem, f.batch_starts[1], "batch checksum mismatch");
  }
}

TEST_CASE("a mark damaged out of recognition makes the next one fail from the earlier start",
          "[aof_mark]") {
  MarkedFile f = Marked(SampleBatches(), {0, 1, 2});
  std::string bad = f.bytes;
  bad[f.mark_offsets[0] + 4] = 'P';  // "#KEEP ...": a plain annotation now
  Recorder rec;
  AofReadResult r = Read(bad, &rec);
  CHECK(r.end == End::kCorrupt);
  CheckCorruptionAt(r.problem, 0, "batch checksum mismatch");
  CHECK_FALSE(r.has_marks);
}

TEST_CASE("no single-byte change inside marked batches goes unnoticed", "[aof_mark]") {
  // Every byte of the batches and of the marks' length and checksum fields; the synced field is
  // not covered by any checksum.
  MarkedFile f = Marked({Cmd({"SET", "k", "v1"}), "#TS:1\r\n" + Cmd({"DEL", "k"})}, {0, 60});
  std::vector<bool> covered(f.bytes.size(), true);
  for (size_t i = 0; i < f.mark_offsets.size(); ++i) {
    size_t synced_at = f.mark_offsets[i] + 6;
    size_t synced_end = f.bytes.find(' ', synced_at);
    for (size_t k = synced_at; k < synced_end; ++k) covered[k] = false;
  }
  AofReadResult good = Read(f.bytes);
  REQUIRE(good.end == End::kClean);
  size_t accepted = 0;
  for (size_t i = 0; i < f.bytes.size(); ++i) {
    if (!covered[i]) continue;
    for (int delta : {1, 2, 0x20, 0x80}) {
      std::string bad = f.bytes;
      bad[i] = static_cast<char>(bad[i] ^ delta);
      AofReadResult r = Read(bad);
      INFO("byte " << i << " xor " << delta);
      bool same = r.end == End::kClean && r.has_marks && r.last_mark_end == good.last_mark_end;
      CHECK_FALSE(same);
      accepted += same;
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("a crash at every byte of a marked file is a short read, never corruption",
          "[aof_mark]") {
  MarkedFile f =
      Marked({Cmd({"SET", "k", "v1"}), "#TS:1\r\n" + Cmd({"DEL", "k"}), Cmd({"X"})}, {0, 10, 20});
  ForEachPrefix(f.bytes, [&](std::string_view prefix) {
    for (size_t step : {size_t{1}, size_t{1} << 20}) {
      AofReadResult r = Read(prefix, nullptr, {}, 0, step);
      CHECK(r.end != End::kCorrupt);
      uint64_t last_end = 0;
      for (uint64_t e : f.mark_ends) {
        if (e <= prefix.size()) last_end = e;
      }
      CHECK(r.has_marks == (last_end > 0));
      CHECK(r.last_mark_end == last_end);
    }
  });
}

uint64_t MaxSynced(std::string_view bytes, uint64_t from, size_t step = size_t{1} << 20) {
  SpanSource src(bytes, step);
  auto r = MaxSyncedMarkAfter(src, from);
  REQUIRE(r.has_value());
  return *r;
}

TEST_CASE("MaxSyncedMarkAfter: nothing to find", "[aof_mark]") {
  CHECK(MaxSynced("", 0) == 0);
  CHECK(MaxSynced(Cmd({"SET", "a", "b"}) + "#TS:1\r\n", 0) == 0);
  CHECK(MaxSynced("#KEEL 5 0 0123456789abcdef\r\n", 100) == 0);  // a mark that does not verify
}

TEST_CASE("MaxSyncedMarkAfter finds verified marks past garbage, whatever the chunking",
          "[aof_mark]") {
  std::string garbage = "\x01\x02garbage\r\n*3\r\n$3\r\nSE#KEEL 9 9 \r\n";
  MarkedFile f = Marked(SampleBatches(), {1000, 4000, 2500}, garbage);
  for (size_t step : {size_t{1}, size_t{13}, size_t{1} << 20}) {
    INFO("step " << step);
    CHECK(MaxSynced(f.bytes, 10000, step) == 4000);  // the largest, not the last
  }
  // The mark of a damaged batch does not count.
  std::string bad = f.bytes;
  bad[f.batch_starts[1] + 3] ^= 1;
  CHECK(MaxSynced(bad, 10000) == 2500);
  // Nor does a mark whose batch starts before the source does.
  CHECK(MaxSynced(std::string_view(f.bytes).substr(f.batch_starts[2] + 1), 10000) == 0);
  CHECK(MaxSynced(std::string_view(f.bytes).substr(f.batch_starts[2]), 10000) == 2500);
  // Nor one that claims bytes past itself were synced.
  CHECK(MaxSynced(f.bytes, 0) == 2500);
}

TEST_CASE("MaxSyncedMarkAfter verifies a batch of the largest size after its window wrapped",
          "[aof_mark]") {
  std::string bytes(1 << 20, '\n');
  std::string batch(kAofMaxBatchBytes, 'x');
  batch[12345] = '\n';
  bytes += batch;
  AppendAofBatchMark(&bytes, 77, batch);
  // One byte more than a batch can be: not looked at.
  std::string over(kAofMaxBatchBytes + 1, 'y');
  std::string with_over = bytes + over;
  AppendAofBatchMark(&with_over, 99, over);
  CHECK(MaxSynced(bytes, 1000) == 77);
  CHECK(MaxSynced(with_over, 1000) == 77);
}

}  // namespace
}  // namespace keel::formats
