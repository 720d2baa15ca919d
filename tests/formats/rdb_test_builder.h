// A test-only writer of RDB bytes, for the reader's hand-built cases: headers, opcodes, lengths
// in each of their encodings, strings raw, integer-encoded and LZF-compressed, and the blobs
// (ziplist, zipmap, intset) that Keel has no writer for. Nothing here checks what it writes: the
// point is to write wrong bytes too.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/crc64.h"
#include "formats/lzf.h"
#include "formats/rdb_format.h"

namespace keel::formats::testing {

class RdbBuilder {
 public:
  // "REDIS%04d".
  RdbBuilder& Header(int version = rdb::kVersion) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "REDIS%04d", version);
    out_ += buf;
    return *this;
  }
  RdbBuilder& Byte(uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  RdbBuilder& Raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  RdbBuilder& Le(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  RdbBuilder& Be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) Byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  RdbBuilder& Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof(bits));
    return Le(bits, 8);
  }
  // The shortest length encoding, as rdbSaveLen writes it.
  RdbBuilder& Len(uint64_t n) {
    if (n < 64) return Byte(static_cast<uint8_t>(n));
    if (n < 16384) return Byte(static_cast<uint8_t>(0x40 | n >> 8)).Byte(n & 0xff);
    if (n <= UINT32_MAX) return Byte(rdb::kLen32Bit).Be(n, 4);
    return Byte(rdb::kLen64Bit).Be(n, 8);
  }
  RdbBuilder& Len32(uint64_t n) { return Byte(rdb::kLen32Bit).Be(n, 4); }
  RdbBuilder& Len64(uint64_t n) { return Byte(rdb::kLen64Bit).Be(n, 8); }
  // A raw string.
  RdbBuilder& Str(std::string_view s) { return Len(s.size()).Raw(s); }
  // An integer-encoded string: 0xC0 + 1 byte, 0xC1 + 2, 0xC2 + 4 (little-endian).
  RdbBuilder& IntStr(int64_t v) {
    if (v >= INT8_MIN && v <= INT8_MAX) return Byte(0xC0).Le(static_cast<uint64_t>(v), 1);
    if (v >= INT16_MIN && v <= INT16_MAX) return Byte(0xC1).Le(static_cast<uint64_t>(v), 2);
    return Byte(0xC2).Le(static_cast<uint64_t>(v), 4);
  }
  // An LZF string (the input must compress).
  RdbBuilder& LzfStr(std::string_view s) {
    std::string c = LzfCompressString(s, s.size() + s.size() / 16 + 16);
    return Byte(0xC3).Len(c.size()).Len(s.size()).Raw(c);
  }
  // A key: type byte and key name; the value follows.
  RdbBuilder& Key(uint8_t type, std::string_view key) { return Byte(type).Str(key); }
  // The EOF opcode and the CRC64 of everything before it (or `crc` when given).
  RdbBuilder& Eof() {
    Byte(rdb::kOpEof);
    return Le(Crc64(0, out_), 8);
  }
  RdbBuilder& EofWithCrc(uint64_t crc) { return Byte(rdb::kOpEof).Le(crc, 8); }

  const std::string& str() const { return out_; }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

// A header, the given body, the EOF opcode and (version 5+) the checksum: a whole file.
inline std::string RdbFile(const RdbBuilder& body, int version = rdb::kVersion) {
  RdbBuilder b;
  b.Header(version).Raw(body.str());
  if (version < 5) return b.Byte(rdb::kOpEof).str();  // no checksum before version 5
  return b.Eof().str();
}

// A DUMP payload: type byte and value, 2-byte little-endian version, CRC64 of all that.
inline std::string DumpPayload(std::string_view value, int version = rdb::kVersion) {
  std::string out(value);
  out.push_back(static_cast<char>(version & 0xff));
  out.push_back(static_cast<char>(version >> 8));
  const uint64_t crc = Crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

// A ziplist entry is a string (str) or, when is_int, an integer.
struct ZlItem {
  bool is_int = false;
  int64_t num = 0;
  std::string str;
};
inline ZlItem ZlStr(std::string s) { return {false, 0, std::move(s)}; }
inline ZlItem ZlInt(int64_t v) { return {true, v, {}}; }

// A valid ziplist: strings up to 63 bytes (6-bit length), integers as int16 (0xC0) or int64
// (0xE0), 1-byte prevlens (entries shorter than 254 bytes).
inline std::string Ziplist(const std::vector<ZlItem>& items) {
  std::string body;
  size_t prev = 0;
  size_t tail = 10;
  for (const ZlItem& it : items) {
    std::string e(1, static_cast<char>(prev));
    if (it.is_int) {
      const bool small = it.num >= INT16_MIN && it.num <= INT16_MAX;
      e.push_back(static_cast<char>(small ? 0xC0 : 0xE0));
      for (int i = 0; i < (small ? 2 : 8); ++i) {
        e.push_back(static_cast<char>(static_cast<uint64_t>(it.num) >> (8 * i)));
      }
    } else {
      e.push_back(static_cast<char>(it.str.size()));
      e += it.str;
    }
    tail = 10 + body.size();
    body += e;
    prev = e.size();
  }
  const size_t total = 10 + body.size() + 1;
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(total >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(tail >> (8 * i)));
  out.push_back(static_cast<char>(items.size() & 0xff));
  out.push_back(static_cast<char>(items.size() >> 8));
  return out + body + '\xff';
}

// A zipmap of short pairs (1-byte lengths, no free bytes).
inline std::string Zipmap(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out(1, static_cast<char>(pairs.size()));
  for (const auto& [f, v] : pairs) {
    out.push_back(static_cast<char>(f.size()));
    out += f;
    out.push_back(static_cast<char>(v.size()));
    out.push_back('\0');
    out += v;
  }
  return out + '\xff';
}

// An intset with the given encoding (2, 4 or 8) and elements, in the order given.
inline std::string Intset(uint32_t enc, const std::vector<int64_t>& values) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(enc >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(values.size() >> (8 * i)));
  for (int64_t v : values) {
    for (uint32_t i = 0; i < enc; ++i) {
      out.push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
    }
  }
  return out;
}

}  // namespace keel::formats::testing
