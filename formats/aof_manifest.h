// Redis 7's multi-part AOF manifest (appendonlydir/<appendfilename>.manifest): which base file,
// history files and incr files make up the log, one line per file:
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.3.incr.aof seq 3 type i
// Parsed with Redis 7.0's rules (aofLoadManifestFromFile): '#' lines skipped, lines of at most
// 1024 bytes, arguments split as sdssplitargs does (quotes allowed), an even count of at least 6,
// keys case-insensitive, unknown key/value pairs tolerated, all of file/seq/type required, the
// file a basename, at most one base, incr seqs strictly increasing, no unknown type, not empty.
// Each anomaly is a Status::Corruption with Redis's text and the byte offset of the line (C5).
// Written as Redis writes it (getAofManifestAsString): base, then history, then incr files, names
// quoted with sdscatrepr's rules when they need it. Pure code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/status.h"

namespace keel::formats {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;  // a basename
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;  // old files a rewrite replaced, awaiting deletion
  std::vector<AofFileInfo> incr;     // in replay order (increasing seq)
  // The highest base and incr seqs seen (Redis's curr_base_file_seq / curr_incr_file_seq); the
  // next file of each kind gets seq + 1.
  int64_t curr_base_seq = 0;
  int64_t curr_incr_seq = 0;
  bool operator==(const AofManifest&) const = default;
};

// Parses a manifest's text. Errors are Corruption with Redis's message and the line's offset.
Result<AofManifest> ParseAofManifest(std::string_view text);
// The manifest's text, as Redis writes it.
std::string FormatAofManifest(const AofManifest& manifest);

// File names (Redis's getNewBaseFileNameAndMarkPreAsHistory / getNewIncrAofName / ...):
//   "<appendfilename>.<seq>.base.rdb" (rdb) or ".base.aof", "<appendfilename>.<seq>.incr.aof",
//   "<appendfilename>.manifest", "temp-<appendfilename>.manifest", "temp-<appendfilename>.incr".
std::string AofBaseFileName(std::string_view appendfilename, int64_t seq, bool rdb);
std::string AofIncrFileName(std::string_view appendfilename, int64_t seq);
std::string AofManifestFileName(std::string_view appendfilename);
std::string AofTempManifestFileName(std::string_view appendfilename);
std::string AofTempIncrFileName(std::string_view appendfilename);

}  // namespace keel::formats
