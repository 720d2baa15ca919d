// Helpers shared by the AOF reader tests: a visitor that records everything, a read over a chunked
// source that checks the properties every result has, and commands as RESP.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/aof_format.h"
#include "formats/aof_reader.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats::testing {

using Args = std::vector<std::string>;

inline std::string Cmd(std::initializer_list<std::string_view> args) {
  std::string out;
  AppendAofCommand(&out, args);
  return out;
}

// Keeps everything the reader reports.
class Recorder final : public AofVisitor {
 public:
  Status OnCommand(std::span<const std::string_view> args, uint64_t offset) override {
    commands.emplace_back(args.begin(), args.end());
    offsets.push_back(offset);
    return Status::Ok();
  }
  Status OnAnnotation(std::string_view text, uint64_t offset) override {
    annotations.emplace_back(std::string(text), offset);
    return Status::Ok();
  }
  Status OnBatchMark(const AofBatchMark& mark, uint64_t offset) override {
    marks.emplace_back(mark, offset);
    return Status::Ok();
  }

  std::vector<Args> commands;
  std::vector<uint64_t> offsets;
  std::vector<std::pair<std::string, uint64_t>> annotations;
  std::vector<std::pair<AofBatchMark, uint64_t>> marks;
};

// Reads `bytes` handed out `step` bytes at a time; the result must exist (no visitor or source
// errors here).
inline AofReadResult Read(std::string_view bytes, Recorder* rec = nullptr,
                          const AofReadLimits& limits = {}, uint64_t base = 0,
                          size_t step = size_t{1} << 20) {
  Recorder scratch;
  SpanSource src(bytes, step);
  auto r = ReadAofCommands(src, rec ? *rec : scratch, limits, base);
  REQUIRE(r.has_value());
  // Properties of every result.
  CHECK(r->valid_up_to <= r->last_complete);
  CHECK(r->last_complete <= r->size);
  CHECK(r->size <= base + bytes.size());
  CHECK(r->problem.ok() == (r->end != AofReadResult::End::kCorrupt));
  return std::move(r).value();
}

}  // namespace keel::formats::testing
