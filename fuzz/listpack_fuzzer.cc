// Fuzz target for listpack validation and the engine's listpack on validated bytes. Properties:
// validation never reads outside the input; when a deep validation passes, walking forwards and
// backwards stays in bounds and agrees with the checked decoder and the count; re-encoding the
// values gives a valid listpack with the same values; and engine changes on the adopted bytes
// (append, prepend, replace, delete, find) keep it valid.
//
// Input layout: byte 0 = flags, then the listpack bytes.
//   flags bit 0: overwrite the header's total bytes with the real size (so mutations get past the
//                first check)          bit 1: only a shallow validation
//   seeds: fuzz/corpus/listpack/ (listpacks redis-server 7.0.15 produced, with a flags byte).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/listpack.h"
#include "formats/listpack.h"

namespace {

namespace fmt = keel::formats;
using keel::engine::Listpack;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "listpack_fuzzer: %s\n", what);
    std::abort();
  }
}

std::string Value(const fmt::ListpackEntry& e) {
  return e.is_int ? std::to_string(e.num) : std::string(e.sv());
}

void CheckWalk(const std::vector<uint8_t>& lp, size_t count) {
  std::vector<size_t> offsets;
  std::vector<std::string> values;
  size_t off = fmt::kListpackHeaderSize;
  while (lp[off] != fmt::kListpackEof) {
    keel::Result<fmt::ListpackEntry> checked = fmt::DecodeListpackEntry(lp, off);
    Check(checked.has_value(), "an element of a valid listpack fails the checked decoder");
    const fmt::ListpackEntry e = fmt::DecodeListpackEntryUnsafe(lp.data() + off);
    Check(e.entry_size == checked->entry_size && e.is_int == checked->is_int,
          "checked and unchecked decoding disagree");
    Check(e.entry_size <= lp.size() - 1 - off, "an element runs past the terminator");
    offsets.push_back(off);
    values.push_back(Value(e));
    off += e.entry_size;
  }
  Check(off == lp.size() - 1, "the walk ends before the last byte");
  Check(offsets.size() == count, "the walk and the validation count differently");
  for (size_t k = offsets.size(); k-- > 0;) {
    const uint64_t len = fmt::ListpackDecodeBacklen(lp.data() + off - 1);
    Check(len + fmt::ListpackBacklenSize(len) <= off - fmt::kListpackHeaderSize,
          "a backlen points before the first element");
    off -= len + fmt::ListpackBacklenSize(len);
    Check(off == offsets[k], "walking backwards disagrees with walking forwards");
  }

  // Re-encoding canonicalises (e.g. "12" stored as a string becomes an integer): the values stay.
  fmt::ListpackBuilder b;
  for (const std::string& v : values) b.Add(v);
  const std::string again = b.Finish();
  std::span<const uint8_t> again_bytes(reinterpret_cast<const uint8_t*>(again.data()),
                                       again.size());
  size_t again_count = 0;
  Check(
      fmt::ValidateListpack(again_bytes, true, nullptr, &again_count).ok() && again_count == count,
      "a re-encoded listpack is invalid");

  // The engine on the adopted bytes.
  Listpack e = Listpack::FromBytes(lp);
  Check(e.size() == count, "engine size differs from the count");
  size_t i = 0;
  for (Listpack::Pos p = e.First(); p != Listpack::kNone; p = e.Next(p), ++i) {
    Check(i < values.size() && e.Get(p).ToString() == values[i], "engine walk differs");
    if (i < 64) {  // Find is linear: keep the whole check linear too
      Check(e.Find(e.First(), values[i], 0) != Listpack::kNone, "Find misses a present value");
    }
  }
  Check(i == count, "engine walk length differs");
  if (count > 0) {
    Check(e.Get(e.Seek(-1)).ToString() == values.back(), "Seek(-1) is not the last element");
    e.Replace(e.Seek(static_cast<int64_t>(count / 2)), values.front());
    e.Delete(e.First());
  }
  e.Append(values.empty() ? std::string("x") : values.back());
  e.Prepend("-17");
  e.DeleteRangeByIndex(-2, 1);
  Check(fmt::ValidateListpack(e.data(), true).ok(), "engine changes broke the listpack");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  // An exact-size copy, so the sanitizer sees any read past the end.
  std::vector<uint8_t> lp(data + 1, data + size);
  if ((flags & 1) && lp.size() >= 4) {
    fmt::SetListpackTotalBytes(lp.data(), static_cast<uint32_t>(lp.size()));
  }
  const bool deep = (flags & 2) == 0;
  size_t count = 0;
  keel::Status s = fmt::ValidateListpack(lp, deep, nullptr, &count);
  if (!s.ok()) {
    Check(s.IsCorruption() && s.offset() <= lp.size(), "an error that is not a located Corruption");
    return 0;
  }
  if (deep) CheckWalk(lp, count);
  return 0;
}
