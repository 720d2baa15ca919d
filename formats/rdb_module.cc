// Module values (type 7) in RDB files. Keel runs no Redis modules, so it cannot interpret their
// data; it walks the opcode stream that RDB_TYPE_MODULE_2 wraps around it, the way
// redis-check-rdb does, to find where the value ends and to tell the visitor which module wrote it.
// docs/formats/rdb_streams.md has the grammar.
#include <string>

#include "formats/rdb_format.h"
#include "formats/rdb_input.h"

namespace keel::formats::rdb {

namespace {

// module.c's ModuleTypeNameCharSet: one character per 6-bit group of a module id.
constexpr char kModuleNameCharset[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int kModuleNameLength = 9;
constexpr int kModuleEncverBits = 10;

}  // namespace

RdbModuleInfo DecodeModuleId(uint64_t id) {
  RdbModuleInfo info;
  info.module_id = id;
  info.encver = static_cast<int>(id & ((1u << kModuleEncverBits) - 1));
  // The last character sits in the lowest bits above the encoding version (moduleTypeNameByID).
  std::string name(kModuleNameLength, '?');
  uint64_t bits = id >> kModuleEncverBits;
  for (int i = kModuleNameLength - 1; i >= 0; --i) {
    name[i] = kModuleNameCharset[bits & 63];
    bits >>= 6;
  }
  info.name = std::move(name);
  return info;
}

Result<uint64_t> SkipModuleOpcodes(RdbInput& in) {
  const uint64_t start = in.offset();
  for (;;) {
    const uint64_t at = in.offset();
    KEEL_ASSIGN_OR_RETURN(uint64_t opcode, in.ReadLength());
    switch (opcode) {
      case kModuleOpEof:
        return in.offset() - start;
      case kModuleOpSint:
      case kModuleOpUint: {
        // Both are saved with rdbSaveLen; a signed value is its two's complement bits.
        KEEL_ASSIGN_OR_RETURN(uint64_t v, in.ReadLength());
        (void)v;
        break;
      }
      case kModuleOpFloat: {
        KEEL_ASSIGN_OR_RETURN(float v, in.ReadBinaryFloat());
        (void)v;
        break;
      }
      case kModuleOpDouble: {
        KEEL_ASSIGN_OR_RETURN(double v, in.ReadBinaryDouble());
        (void)v;
        break;
      }
      case kModuleOpString:
        KEEL_RETURN_IF_ERROR(in.SkipString());
        break;
      default:
        // Redis's checker ignores an opcode it does not know and reads on, which turns one bad
        // byte into a misparse of the rest of the file; refusing here keeps the offset exact.
        return RdbInput::CorruptAt("unknown module opcode " + std::to_string(opcode), at);
    }
  }
}

Status ReadModuleValue(RdbInput& in, RdbVisitor& visitor) {
  KEEL_ASSIGN_OR_RETURN(uint64_t id, in.ReadLength());
  RdbModuleInfo info = DecodeModuleId(id);
  // Before the walk, so a visitor can refuse a module's data before any of it is read.
  KEEL_RETURN_IF_ERROR(visitor.OnModuleValue(info));
  KEEL_ASSIGN_OR_RETURN(uint64_t walked, SkipModuleOpcodes(in));
  (void)walked;
  return Status::Ok();
}

}  // namespace keel::formats::rdb
