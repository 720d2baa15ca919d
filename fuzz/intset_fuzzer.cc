// Fuzz target for intset validation and the engine's intset. Properties: validation never reads
// outside the input; a deeply valid intset adopted by the engine reads back ascending, finds every
// member, and stays valid and equal to a std::set model through fuzzer-chosen adds and removes.
//
// Input layout: byte 0 = flags, byte 1 = n (bytes of intset that follow; the rest are operations),
// then the intset bytes, then operations of 9 bytes: op (even = add, odd = remove), int64 LE.
//   flags bit 0: overwrite the length field to fit the size (so mutations reach the deep check)
//   seeds: fuzz/corpus/intset/ (intsets from redis-server 7.0.15's DUMP, with some operations).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "engine/intset.h"
#include "formats/intset.h"

namespace {

namespace fmt = keel::formats;
using keel::engine::Intset;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "intset_fuzzer: %s\n", what);
    std::abort();
  }
}

void CheckSame(const Intset& is, const std::set<int64_t>& model) {
  Check(is.size() == model.size(), "size differs from the model");
  size_t i = 0;
  for (int64_t v : model) Check(is.At(i++) == v, "member differs from the model");
  if (!is.empty()) {
    Check(fmt::ValidateIntset(is.data(), true).ok(), "engine intset fails validation");
    Check(is.Min() == *model.begin() && is.Max() == *model.rbegin(), "min or max is wrong");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  size_t n = data[1];
  if (n > size - 2) n = size - 2;
  std::vector<uint8_t> bytes(data + 2, data + 2 + n);  // exact size: reads past it are caught
  if ((flags & 1) && bytes.size() >= fmt::kIntsetHeaderSize) {
    uint32_t enc = fmt::IntsetEncoding(bytes.data());
    if (enc == 2 || enc == 4 || enc == 8) {
      fmt::IntsetStoreU32(bytes.data() + 4,
                          static_cast<uint32_t>((bytes.size() - fmt::kIntsetHeaderSize) / enc));
      bytes.resize(fmt::kIntsetHeaderSize + fmt::IntsetLength(bytes.data()) * size_t{enc});
    }
  }
  Intset is;
  std::set<int64_t> model;
  keel::Status shallow = fmt::ValidateIntset(bytes, false);
  keel::Status deep = fmt::ValidateIntset(bytes, true);
  Check(shallow.ok() || !deep.ok(), "a deep check passed what a shallow one refused");
  if (deep.ok()) {
    is = Intset::FromBytes(bytes);
    for (size_t i = 0; i < is.size(); ++i) {
      const int64_t v = is.At(i);
      Check(i == 0 || is.At(i - 1) < v, "validated intset is not ascending");
      Check(is.Contains(v), "a member is not found");
      model.insert(v);
    }
  } else {
    Check(deep.IsCorruption() && deep.offset() <= bytes.size(), "an unlocated error");
  }
  for (size_t p = 2 + n; p + 9 <= size; p += 9) {
    int64_t v;
    std::memcpy(&v, data + p + 1, 8);
    if (data[p] & 1) {
      Check(is.Remove(v) == (model.erase(v) == 1), "Remove disagrees with the model");
    } else {
      Check(is.Add(v) == model.insert(v).second, "Add disagrees with the model");
    }
    Check(is.Contains(v) == (model.count(v) == 1), "Contains disagrees with the model");
  }
  CheckSame(is, model);
  return 0;
}
