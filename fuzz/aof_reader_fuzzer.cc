// Fuzz target for the AOF command reader and MaxSyncedMarkAfter (formats/aof_reader.h).
// Properties: no crash and no allocation sized by a declared length; every offset reported rises
// and stays inside the input; valid_up_to <= last_complete <= size; the same bytes read in pieces
// give the same transcript; the delivered commands, re-encoded with AppendAofCommand, read back
// the same; the bytes up to last_complete read back clean with the same commands; and every batch
// mark the reader verified (with a CRLF end) is found again by MaxSyncedMarkAfter.
//
// Input layout: byte 0 = flags, then the AOF bytes.
//   flags bits 0-2: the piece size of the second read (1, 2, 3, 7, 64, 4096, 65536, 1 MiB)
//   bit 3: max_bulk_len 16    bit 4: max_args 4    bit 5: base_offset 1000
//   seeds: fuzz/corpus/aof_reader/ (fuzz/gen_aof_corpus.py)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/aof_format.h"
#include "formats/aof_reader.h"
#include "formats/byte_stream.h"

namespace {

namespace fmt = keel::formats;
using End = fmt::AofReadResult::End;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "aof_reader_fuzzer: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Fail(what);
}


struct Transcript : fmt::AofVisitor {
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> annotations;
  std::vector<uint64_t> offsets;  // of every item, in order
  std::vector<fmt::AofBatchMark> marks;
  std::vector<uint64_t> mark_offsets;

  keel::Status OnCommand(std::span<const std::string_view> args, uint64_t offset) override {
    Check(!args.empty(), "a command without arguments");
    Rising(offset);
    commands.emplace_back(args.begin(), args.end());
    return keel::Status::Ok();
  }
  keel::Status OnAnnotation(std::string_view text, uint64_t offset) override {
    Rising(offset);
    annotations.emplace_back(text);
    return keel::Status::Ok();
  }
  keel::Status OnBatchMark(const fmt::AofBatchMark& mark, uint64_t offset) override {
    Check(!offsets.empty() && offsets.back() == offset, "a mark not passed as an annotation");
    marks.push_back(mark);
    mark_offsets.push_back(offset);
    return keel::Status::Ok();
  }
  void Rising(uint64_t offset) {
    Check(offsets.empty() || offset > offsets.back(), "offsets do not rise");
    offsets.push_back(offset);
  }
};

struct Outcome {
  Transcript t;
  fmt::AofReadResult r;
};

Outcome ReadAll(std::string_view bytes, size_t step, const fmt::AofReadLimits& limits,
                uint64_t base) {
  fmt::SpanSource src(bytes, step);
  Outcome o;
  auto r = fmt::ReadAofCommands(src, o.t, limits, base);
  Check(r.has_value(), "an error from a visitor and source that never fail");
  o.r = std::move(r).value();
  const fmt::AofReadResult& res = o.r;
  Check(res.valid_up_to >= base && res.valid_up_to <= res.last_complete, "valid_up_to misplaced");
  Check(res.last_complete <= res.size, "last_complete past size");
  Check(res.size <= base + bytes.size(), "size past the input");
  Check(res.end != End::kClean || res.size == base + bytes.size(), "clean before the end");
  Check(res.end != End::kClean || res.last_complete == res.size, "clean with an incomplete tail");
  Check(res.commands == o.t.commands.size(), "commands miscounted");
  for (uint64_t off : o.t.offsets) Check(off >= base && off < res.last_complete, "offset outside");
  if (res.end == End::kCorrupt) {
    Check(res.problem.IsCorruption(), "corrupt without a Corruption");
    Check(res.problem.offset() >= base && res.problem.offset() < base + bytes.size(),
          "a Corruption outside the input");
    Check(res.problem.offset() >= res.valid_up_to ||
              res.problem.message().find("checksum") != std::string_view::npos,
          "a Corruption before valid_up_to");
  } else {
    Check(res.problem.ok(), "a problem without corruption");
  }
  Check(res.has_marks == !o.t.marks.empty(), "has_marks disagrees with the marks");
  if (res.has_marks) {
    Check(res.last_mark_end > o.t.mark_offsets.back() && res.last_mark_end <= res.last_complete,
          "last_mark_end misplaced");
    Check(res.last_mark.checksum == o.t.marks.back().checksum, "last_mark is not the last");
  }
  Check(!res.in_multi || (res.multi_offset == res.valid_up_to), "multi_offset misplaced");
  return o;
}

bool SameTranscript(const Outcome& a, const Outcome& b) {
  return a.t.commands == b.t.commands && a.t.annotations == b.t.annotations &&
         a.t.offsets == b.t.offsets && a.t.mark_offsets == b.t.mark_offsets && a.r.end == b.r.end &&
         a.r.problem.ToString() == b.r.problem.ToString() &&
         a.r.last_complete == b.r.last_complete && a.r.valid_up_to == b.r.valid_up_to &&
         a.r.valid_up_to_line == b.r.valid_up_to_line && a.r.in_multi == b.r.in_multi &&
         a.r.last_mark_end == b.r.last_mark_end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr size_t kSteps[] = {1, 2, 3, 7, 64, 4096, 65536, 1 << 20};
  const uint8_t flags = data[0];
  const size_t step = kSteps[flags & 7];
  fmt::AofReadLimits limits;
  if (flags & 8) limits.max_bulk_len = 16;
  if (flags & 16) limits.max_args = 4;
  const uint64_t base = (flags & 32) ? 1000 : 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  Outcome whole = ReadAll(bytes, 1 << 20, limits, base);
  Outcome pieces = ReadAll(bytes, step, limits, base);
  Check(SameTranscript(whole, pieces), "pieces and one buffer disagree");

  // The delivered commands, re-encoded, read back the same, ending where the original's did.
  std::string again;
  for (const auto& args : whole.t.commands) {
    std::vector<std::string_view> views(args.begin(), args.end());
    fmt::AppendAofCommand(&again, views);
  }
  Outcome re = ReadAll(again, step, limits, 0);
  Check(re.r.end == End::kClean && re.t.commands == whole.t.commands,
        "re-encoded commands read back differently");
  Check(re.r.in_multi == whole.r.in_multi, "re-encoding changed the transaction state");

  // The bytes up to last_complete: a clean read of the same items.
  std::string_view complete = bytes.substr(0, whole.r.last_complete - base);
  Outcome cut = ReadAll(complete, step, limits, base);
  Check(cut.r.end == End::kClean && cut.t.commands == whole.t.commands &&
            cut.t.annotations == whole.t.annotations && cut.t.marks.size() == whole.t.marks.size(),
        "the complete part does not read back clean");
  Check(cut.r.valid_up_to == whole.r.valid_up_to &&
            cut.r.valid_up_to_line == whole.r.valid_up_to_line &&
            cut.r.in_multi == whole.r.in_multi,
        "the complete part moved valid_up_to");

  // Every verified mark whose line ends in CRLF is found again by the scan (the scan's own
  // sanity check, synced <= its offset, is satisfied by a large `from`).
  uint64_t best = 0;
  for (size_t i = 0; i < whole.t.marks.size(); ++i) {
    uint64_t at = whole.t.mark_offsets[i] - base;
    size_t lf = bytes.find('\n', at);
    if (lf != std::string_view::npos && lf > at && bytes[lf - 1] == '\r' &&
        whole.t.marks[i].len <= fmt::kAofMaxBatchBytes) {
      best = std::max(best, whole.t.marks[i].synced);
    }
  }
  fmt::SpanSource scan_src(bytes, std::max<size_t>(step, 64));
  auto found = fmt::MaxSyncedMarkAfter(scan_src, UINT64_MAX / 2);
  Check(found.has_value(), "an error from the scan");
  Check(*found >= best, "the scan missed a verified mark");
  return 0;
}
