// Fuzz target for whole RDB files through ReadRdb, checksum verification off so that mutations
// reach the values. Properties: no crash, no read outside the input, no allocation sized by an
// unchecked length (libFuzzer's -rss_limit and -malloc_limit catch those); failures are only
// Corruption with an offset inside the input, or NotSupported; keys open and close in pairs; a
// blob taken whole walks cleanly (rdb_fuzz_visitor.h).
//   seeds: fuzz/corpus/rdb_file/ (files written by redis-server 7.0.15, see
//          tests/testdata/rdb/reader/make_reader_files.py); dictionary: fuzz/dict/rdb_file.dict.
#include <cstdint>
#include <cstdio>

#include "formats/byte_stream.h"
#include "formats/rdb_reader.h"
#include "fuzz/rdb_fuzz_visitor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fmt = keel::formats;
  using keel::fuzzing::FuzzCheck;
  fmt::SpanSource src(std::span<const uint8_t>(data, size));
  keel::fuzzing::TouchingVisitor visitor;
  fmt::RdbReaderOptions options;
  options.verify_checksum = false;
  fmt::RdbReadStats stats;
  keel::Status s = fmt::ReadRdb(src, visitor, options, &stats);
  keel::fuzzing::CheckFailure(s);
  if (s.IsCorruption() && !stats.zstd) FuzzCheck(s.offset() <= size, "offset past the input");
  if (s.ok()) {
    FuzzCheck(!visitor.in_key(), "read ended inside a key");
    FuzzCheck(stats.keys == visitor.keys, "key count");
    if (!stats.zstd) FuzzCheck(stats.bytes == size, "bytes read");
  }
  if (visitor.sum() == 0x5eed5eed5eed5eedULL) std::fputc('.', stderr);  // keep the reads alive
  return 0;
}
