// Fuzz target for the round trip of RDB values: decode, encode, decode gives the same data.
// A value the reader accepts is collected as plain data (a string, elements, pairs or scored
// members), written again by RdbWriter in the element-by-element encodings (string 0, list 1,
// set 2, hash 4, zset 5), and decoded a second time: the reader must accept what the writer wrote
// and deliver exactly the same data. Scores compare bit for bit (-0 stays -0). Streams and module
// values are outside the writer's scope and stop after the first decode.
//
// Input layout: byte 0 = the type id (any byte; the reader refuses those it does not know), then
// the value bytes, as in a DUMP payload without its footer.
//   seeds: fuzz/corpus/rdb_roundtrip/ (the DUMP payloads of fuzz/corpus/rdb_payload/, from
//          redis-server 7.0.15; the footer after the value is ignored here).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"
#include "formats/rdb_reader.h"
#include "formats/rdb_writer.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rdb_roundtrip_fuzzer: %s\n", what);
    std::abort();
  }
}

// A value as plain data.
struct Value {
  fmt::RdbKind kind = fmt::RdbKind::kString;
  std::string str;
  std::vector<std::string> items;  // list elements, set members, hash fields and values
  std::vector<std::pair<std::string, uint64_t>> scored;  // member, score bits
  bool operator==(const Value&) const = default;
};

class Collector final : public fmt::RdbVisitor {
 public:
  explicit Collector(Value* v) : v_(v) {}
  keel::Status OnString(std::string_view value) override {
    v_->str.assign(value);
    return keel::Status::Ok();
  }
  keel::Status OnElement(std::string_view value) override {
    v_->items.emplace_back(value);
    return keel::Status::Ok();
  }
  keel::Status OnPair(std::string_view field, std::string_view value) override {
    v_->items.emplace_back(field);
    v_->items.emplace_back(value);
    return keel::Status::Ok();
  }
  keel::Status OnScored(std::string_view member, double score) override {
    uint64_t bits;
    std::memcpy(&bits, &score, sizeof(bits));
    v_->scored.emplace_back(std::string(member), bits);
    return keel::Status::Ok();
  }

 private:
  Value* v_;
};

// Decodes one type byte and value from `bytes` into `out`.
keel::Status Decode(std::string_view bytes, Value* out) {
  if (bytes.empty()) return keel::Status::Corruption("empty", 0);
  fmt::SpanSource src(bytes);
  fmt::rdb::RdbInput in(src);
  in.set_version(fmt::rdb::kMaxReadVersion);
  auto type = in.ReadByte();
  if (!type.has_value()) return type.error();
  out->kind = fmt::KindOfType(*type);
  if (out->kind == fmt::RdbKind::kStream || out->kind == fmt::RdbKind::kModule) {
    return keel::Status::NotSupported("not written by RdbWriter");
  }
  Collector collector(out);
  return fmt::rdb::ReadValue(in, *type, collector);
}

std::string Encode(const Value& v) {
  fmt::StringSink sink;
  fmt::RdbWriter w(sink, fmt::RdbWriterOptions{});
  auto ok = [](const keel::Status& s) { Check(s.ok(), "the writer refused a value"); };
  auto type = [&](uint8_t t) { ok(w.WriteRaw(std::span<const uint8_t>(&t, 1))); };
  switch (v.kind) {
    case fmt::RdbKind::kString:
      type(fmt::rdb::kTypeString);
      ok(w.WriteString(v.str));
      break;
    case fmt::RdbKind::kList:
    case fmt::RdbKind::kSet:
    case fmt::RdbKind::kHash: {
      bool hash = v.kind == fmt::RdbKind::kHash;
      type(v.kind == fmt::RdbKind::kList  ? fmt::rdb::kTypeList
           : v.kind == fmt::RdbKind::kSet ? fmt::rdb::kTypeSet
                                          : fmt::rdb::kTypeHash);
      ok(w.WriteLength(hash ? v.items.size() / 2 : v.items.size()));
      for (const std::string& s : v.items) ok(w.WriteString(s));
      break;
    }
    case fmt::RdbKind::kZset:
      type(fmt::rdb::kTypeZset2);
      ok(w.WriteLength(v.scored.size()));
      for (const auto& [member, bits] : v.scored) {
        double score;
        std::memcpy(&score, &bits, sizeof(score));
        ok(w.WriteString(member));
        ok(w.WriteBinaryDouble(score));
      }
      break;
    default:
      Check(false, "unexpected kind");
  }
  ok(w.Flush());
  return std::move(sink.str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Value first;
  if (!Decode(input, &first).ok()) return 0;
  Check(first.kind != fmt::RdbKind::kHash || first.items.size() % 2 == 0,
        "a hash with an odd number of fields and values");
  Value second;
  keel::Status s = Decode(Encode(first), &second);
  if (!s.ok()) {
    std::fprintf(stderr, "second decode: %s\n", s.ToString().c_str());
    Check(false, "the reader refused what the writer wrote");
  }
  Check(first == second, "decode, encode, decode changed the data");
  return 0;
}
