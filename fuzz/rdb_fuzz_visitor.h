// The visitor both RDB fuzz targets share: it reads every byte it is given (so the sanitizers see
// any view that outlives its data or points outside it), takes about half the blobs offered and
// walks them as the engine would (so a blob that passed validation but cannot be walked shows up
// as a crash here), and checks that keys open and close in pairs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "formats/intset.h"
#include "formats/listpack.h"
#include "formats/rdb_reader.h"

namespace keel::fuzzing {

inline void FuzzCheck(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rdb fuzzer: %s\n", what);
    std::abort();
  }
}

class TouchingVisitor final : public formats::RdbVisitor {
 public:
  uint64_t keys = 0;

  Status OnAux(std::string_view k, std::string_view v) override { return Touch(k, v); }
  Status OnFunction(std::string_view code) override { return Touch(code); }
  Status BeginKey(const formats::RdbKeyInfo& k) override {
    FuzzCheck(!in_key_, "BeginKey inside a key");
    in_key_ = true;
    return Touch(k.key);
  }
  Status OnString(std::string_view v) override { return InKey(), Touch(v); }
  Status OnElement(std::string_view v) override { return InKey(), Touch(v); }
  Status OnPair(std::string_view f, std::string_view v) override { return InKey(), Touch(f, v); }
  Status OnScored(std::string_view m, double score) override {
    FuzzCheck(score == score, "NaN score reached the visitor");
    return InKey(), Touch(m);
  }
  Result<bool> OnBlob(formats::RdbBlob kind, std::span<const uint8_t> bytes) override {
    InKey();
    for (uint8_t b : bytes) sum_ += b;
    if (bytes.size() % 2 == 0) return false;  // the other half come as elements
    if (kind == formats::RdbBlob::kIntset) {
      FuzzCheck(bytes.size() >= formats::kIntsetHeaderSize, "short intset taken");
      const uint32_t enc = formats::IntsetEncoding(bytes.data());
      const uint32_t n = formats::IntsetLength(bytes.data());
      FuzzCheck(formats::kIntsetHeaderSize + uint64_t{n} * enc == bytes.size(), "intset size");
      for (uint32_t i = 0; i < n; ++i) {
        sum_ += static_cast<uint64_t>(
            formats::IntsetGetEncoded(bytes.data() + formats::kIntsetHeaderSize, i, enc));
      }
      return true;
    }
    // A listpack: the unchecked walk must end exactly on the terminator.
    FuzzCheck(bytes.size() >= formats::kListpackEmptySize, "short listpack taken");
    size_t off = formats::kListpackHeaderSize;
    while (bytes[off] != formats::kListpackEof) {
      formats::ListpackEntry e = formats::DecodeListpackEntryUnsafe(bytes.data() + off);
      if (!e.is_int) Touch(e.sv()).ok();
      off += e.entry_size;
      FuzzCheck(off < bytes.size(), "listpack walk ran past the blob");
    }
    FuzzCheck(off == bytes.size() - 1, "listpack terminator before the end");
    return true;
  }
  Status OnStreamEntry(const formats::RdbStreamId&,
                       std::span<const std::string_view> fields) override {
    InKey();
    for (std::string_view f : fields) Touch(f).ok();
    return Status::Ok();
  }
  Status OnStreamGroup(const formats::RdbStreamGroup& g) override { return InKey(), Touch(g.name); }
  Status EndKey() override {
    InKey();
    in_key_ = false;
    ++keys;
    return Status::Ok();
  }
  Status OnEnd() override {
    FuzzCheck(!in_key_, "end inside a key");
    return Status::Ok();
  }
  bool in_key() const { return in_key_; }
  uint64_t sum() const { return sum_; }

 private:
  void InKey() const { FuzzCheck(in_key_, "value event outside a key"); }
  Status Touch(std::string_view a, std::string_view b = {}) {
    for (char c : a) sum_ += static_cast<uint8_t>(c);
    for (char c : b) sum_ += static_cast<uint8_t>(c);
    return Status::Ok();
  }

  bool in_key_ = false;
  uint64_t sum_ = 0;
};

// Only Corruption (with an offset) and NotSupported are acceptable failures of these inputs.
inline void CheckFailure(const Status& s) {
  if (s.ok()) return;
  if (s.code() == StatusCode::kNotSupported) return;
  FuzzCheck(s.IsCorruption(), "a status other than Corruption or NotSupported");
  FuzzCheck(s.offset() != UINT64_MAX, "a Corruption without an offset");
}

}  // namespace keel::fuzzing
