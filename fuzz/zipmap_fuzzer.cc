// Fuzz target for zipmap validation and iteration. Properties: validation never reads outside the
// input and reports only located Corruption; when it passes, the visitor walk succeeds and sees as
// many pairs as the validation counted, every field and value lies between the count byte and the
// terminator in increasing order, and re-encoding the pairs (without free bytes) gives a valid
// zipmap with the same pairs.
//
// Input layout: byte 0 = flags, then the zipmap bytes.
//   flags bit 0: make the last byte 0xFF     bit 1: set zmlen to 254 (unknown)
//   seeds: fuzz/corpus/zipmap/ (blobs laid out per Redis's zipmap.c, with a flags byte).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "formats/zipmap.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "zipmap_fuzzer: %s\n", what);
    std::abort();
  }
}

void PutLength(std::vector<uint8_t>* out, size_t n) {
  if (n < fmt::kZipmapBigLen) {
    out->push_back(static_cast<uint8_t>(n));
    return;
  }
  out->push_back(fmt::kZipmapBigLen);
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(n >> (8 * i)));
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<uint8_t> Build(const Pairs& pairs) {
  std::vector<uint8_t> out;
  out.push_back(
      static_cast<uint8_t>(pairs.size() < fmt::kZipmapBigLen ? pairs.size() : fmt::kZipmapBigLen));
  for (const auto& [field, value] : pairs) {
    PutLength(&out, field.size());
    out.insert(out.end(), field.begin(), field.end());
    PutLength(&out, value.size());
    out.push_back(0);  // no free bytes
    out.insert(out.end(), value.begin(), value.end());
  }
  out.push_back(fmt::kZipmapEnd);
  return out;
}

Pairs Walk(const std::vector<uint8_t>& zm, size_t* seen) {
  Pairs pairs;
  const auto* lo = reinterpret_cast<const char*>(zm.data());
  const char* hi = lo + zm.size() - 1;  // the terminator
  const char* prev_end = lo + 1;        // after the count byte
  keel::Status s = fmt::ForEachZipmapPair(zm, [&](const fmt::ZipmapPair& p) {
    // Free bytes may sit between pairs, so a pair starts at or after the previous value's end.
    Check(lo + p.offset >= prev_end, "a pair overlaps the previous one");
    Check(p.field.data() >= lo + p.offset + 1, "a field overlaps its length byte");
    Check(p.field.data() + p.field.size() <= hi, "a field runs past the terminator");
    Check(p.value.data() >= p.field.data() + p.field.size() + 2,
          "a value overlaps its length and free bytes");
    Check(p.value.data() + p.value.size() <= hi, "a value runs past the terminator");
    prev_end = p.value.data() + p.value.size();
    pairs.emplace_back(std::string(p.field), std::string(p.value));
    ++*seen;
    return keel::Status::Ok();
  });
  Check(s.ok(), "the visitor walk fails on a valid zipmap");
  return pairs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  // An exact-size copy, so the sanitizer sees any read past the end.
  std::vector<uint8_t> zm(data + 1, data + size);
  if ((flags & 1) && !zm.empty()) zm.back() = fmt::kZipmapEnd;
  if ((flags & 2) && !zm.empty()) zm[0] = fmt::kZipmapBigLen;
  size_t count = 0;
  keel::Status s = fmt::ValidateZipmap(zm, &count);
  if (!s.ok()) {
    Check(s.IsCorruption() && s.offset() <= zm.size(), "an error that is not a located Corruption");
    return 0;
  }
  size_t seen = 0;
  const Pairs pairs = Walk(zm, &seen);
  Check(seen == count && count > 0, "the walk and the validation count differently");
  const std::vector<uint8_t> again = Build(pairs);
  size_t again_count = 0;
  Check(fmt::ValidateZipmap(again, &again_count).ok() && again_count == count,
        "a re-encoded zipmap is invalid");
  size_t again_seen = 0;
  Check(Walk(again, &again_seen) == pairs, "re-encoding changes the pairs");
  return 0;
}
