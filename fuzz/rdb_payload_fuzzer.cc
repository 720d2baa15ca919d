// Fuzz target for DUMP payloads through ReadDumpPayload (RESTORE's decoder). A CRC64 guards every
// payload, so the target usually writes the footer itself to let mutations reach the value.
// Properties as for rdb_file_fuzzer.cc: no crash, only located Corruption or NotSupported, one
// key opened and closed on success, taken blobs walk cleanly.
//
// Input layout: byte 0 = flags, then the bytes.
//   flags bit 0 clear: the bytes are a type and value; the target appends version 10 (bit 1 set:
//                      11) and the right CRC64.
//   flags bit 0 set:   the bytes are a whole payload, footer included, checked as they are.
//   seeds: fuzz/corpus/rdb_payload/ (DUMP payloads from redis-server 7.0.15, footer stripped and
//          flags 0, made by tests/testdata/rdb/reader/make_reader_files.py's DUMPs).
#include <cstdint>
#include <cstdio>
#include <vector>

#include "formats/crc64.h"
#include "formats/rdb_reader.h"
#include "fuzz/rdb_fuzz_visitor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fmt = keel::formats;
  using keel::fuzzing::FuzzCheck;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::vector<uint8_t> payload(data + 1, data + size);
  if ((flags & 1) == 0) {
    payload.push_back((flags & 2) ? 11 : 10);
    payload.push_back(0);
    const uint64_t crc = fmt::Crc64(0, std::span<const uint8_t>(payload));
    for (int i = 0; i < 8; ++i) payload.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  }
  keel::fuzzing::TouchingVisitor visitor;
  keel::Status s = fmt::ReadDumpPayload(payload, visitor);
  keel::fuzzing::CheckFailure(s);
  if (s.IsCorruption()) FuzzCheck(s.offset() <= payload.size(), "offset past the payload");
  if (s.ok()) FuzzCheck(visitor.keys == 1 && !visitor.in_key(), "one key per payload");
  if (visitor.sum() == 0x5eed5eed5eed5eedULL) std::fputc('.', stderr);  // keep the reads alive
  return 0;
}
