// Fuzz target for ziplist validation and iteration. Properties: validation never reads outside
// the input and reports only located Corruption; when it passes, the visitor walk succeeds and
// sees as many entries as the validation counted, each entry starts where the previous one ended
// and lies before the terminator, walking back from zltail by prevlens meets the same offsets, and
// re-encoding the values as Redis would gives a valid ziplist that decodes to the same values.
//
// Input layout: byte 0 = flags, then the ziplist bytes.
//   flags bit 0: overwrite zlbytes with the real size     bit 1: make the last byte 0xFF
//         bit 2: set zllen to 65535 (unknown)             (so mutations get past the header)
//   seeds: fuzz/corpus/ziplist/ (blobs laid out per Redis's ziplist.c, with a flags byte).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "formats/ziplist.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ziplist_fuzzer: %s\n", what);
    std::abort();
  }
}

void PutLe(std::vector<uint8_t>* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

struct Value {
  bool is_int;
  int64_t num;
  std::string str;
  bool operator==(const Value& o) const {
    return is_int == o.is_int && (is_int ? num == o.num : str == o.str);
  }
};

// Encoding and data of one entry, with Redis's choice of width.
std::vector<uint8_t> Encode(const Value& v) {
  std::vector<uint8_t> out;
  if (v.is_int) {
    const int64_t n = v.num;
    const auto u = static_cast<uint64_t>(n);
    if (n >= 0 && n <= 12) {
      out.push_back(static_cast<uint8_t>(fmt::kZipIntImmMin + n));
    } else if (n >= INT8_MIN && n <= INT8_MAX) {
      out.push_back(fmt::kZipInt8b);
      PutLe(&out, u, 1);
    } else if (n >= INT16_MIN && n <= INT16_MAX) {
      out.push_back(fmt::kZipInt16b);
      PutLe(&out, u, 2);
    } else if (n >= -8388608 && n <= 8388607) {
      out.push_back(fmt::kZipInt24b);
      PutLe(&out, u, 3);
    } else if (n >= INT32_MIN && n <= INT32_MAX) {
      out.push_back(fmt::kZipInt32b);
      PutLe(&out, u, 4);
    } else {
      out.push_back(fmt::kZipInt64b);
      PutLe(&out, u, 8);
    }
    return out;
  }
  const size_t len = v.str.size();
  if (len <= 0x3f) {
    out.push_back(static_cast<uint8_t>(len));
  } else if (len <= 0x3fff) {
    out.push_back(static_cast<uint8_t>(fmt::kZipStr14b | (len >> 8)));
    out.push_back(static_cast<uint8_t>(len));
  } else {
    out.push_back(fmt::kZipStr32b);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(len >> shift));
  }
  out.insert(out.end(), v.str.begin(), v.str.end());
  return out;
}

std::vector<uint8_t> Build(const std::vector<Value>& values) {
  std::vector<uint8_t> out(fmt::kZiplistHeaderSize, 0);
  size_t prev = 0;
  size_t tail = fmt::kZiplistHeaderSize;
  for (const Value& v : values) {
    tail = out.size();
    if (prev < fmt::kZiplistBigPrevlen) {
      out.push_back(static_cast<uint8_t>(prev));
    } else {
      out.push_back(fmt::kZiplistBigPrevlen);
      PutLe(&out, prev, 4);
    }
    const std::vector<uint8_t> body = Encode(v);
    out.insert(out.end(), body.begin(), body.end());
    prev = out.size() - tail;
  }
  out.push_back(fmt::kZiplistEnd);
  const size_t count = values.size() < 65535 ? values.size() : 65535;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(out.size() >> (8 * i));
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(tail >> (8 * i));
  out[8] = static_cast<uint8_t>(count);
  out[9] = static_cast<uint8_t>(count >> 8);
  return out;
}

void CheckWalk(const std::vector<uint8_t>& zl, size_t count) {
  std::vector<fmt::ZiplistEntry> entries;
  std::vector<Value> values;
  keel::Status s = fmt::ForEachZiplistEntry(zl, [&](const fmt::ZiplistEntry& e) {
    entries.push_back(e);
    values.push_back({e.is_int, e.num, std::string(e.str)});
    return keel::Status::Ok();
  });
  Check(s.ok(), "the visitor walk fails on a valid ziplist");
  Check(entries.size() == count, "the walk and the validation count differently");
  const auto* lo = reinterpret_cast<const char*>(zl.data());
  size_t off = fmt::kZiplistHeaderSize;
  for (const fmt::ZiplistEntry& e : entries) {
    Check(e.offset == off, "an entry does not start where the previous one ended");
    Check(e.size >= 2 && e.size <= zl.size() - 1 - off, "an entry runs past the terminator");
    if (!e.is_int) {
      Check(e.str.data() > lo + off && e.str.data() + e.str.size() <= lo + off + e.size,
            "a string lies outside its entry");
    }
    off += e.size;
  }
  Check(off == zl.size() - 1, "the walk ends before the terminator");
  if (!entries.empty()) {
    size_t back = fmt::ZiplistTailOffset(zl.data());
    for (size_t k = entries.size(); k-- > 0;) {
      Check(back == entries[k].offset, "walking back by prevlens disagrees with the forward walk");
      back -= entries[k].prevlen;
    }
    Check(back == fmt::kZiplistHeaderSize, "the backward walk does not reach the header");
  }

  const std::vector<uint8_t> again = Build(values);
  size_t again_count = 0;
  Check(fmt::ValidateZiplist(again, &again_count).ok() && again_count == count,
        "a re-encoded ziplist is invalid");
  std::vector<Value> again_values;
  Check(fmt::ForEachZiplistEntry(again,
                                 [&](const fmt::ZiplistEntry& e) {
                                   again_values.push_back({e.is_int, e.num, std::string(e.str)});
                                   return keel::Status::Ok();
                                 })
            .ok(),
        "walking a re-encoded ziplist fails");
  Check(again_values == values, "re-encoding changes the values");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  // An exact-size copy, so the sanitizer sees any read past the end.
  std::vector<uint8_t> zl(data + 1, data + size);
  if ((flags & 1) && zl.size() >= 4) {
    for (int i = 0; i < 4; ++i) zl[i] = static_cast<uint8_t>(zl.size() >> (8 * i));
  }
  if ((flags & 2) && !zl.empty()) zl.back() = fmt::kZiplistEnd;
  if ((flags & 4) && zl.size() >= fmt::kZiplistHeaderSize) zl[8] = zl[9] = 0xFF;
  size_t count = 0;
  keel::Status s = fmt::ValidateZiplist(zl, &count);
  if (!s.ok()) {
    Check(s.IsCorruption() && s.offset() <= zl.size(), "an error that is not a located Corruption");
    return 0;
  }
  CheckWalk(zl, count);
  return 0;
}
