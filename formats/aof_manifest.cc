// Redis 7.0's AOF manifest, read and written as aof.c does it (aof_manifest.h). The parser mirrors
// aofLoadManifestFromFile step by step, quirks included, because a manifest Redis accepts must load
// in Keel and one it refuses must be refused with the same words:
//  - lines are read as fgets into a 1025-byte buffer reads them: at most 1024 bytes, '\n'
//    included; the check for '#' comes before the length check, so a long comment is skipped in
//    1024-byte pieces and its remainder read as a line of its own;
//  - a last line without '\n' counts as too long, but a last comment without one is skipped;
//  - a line is a C string (cut at a NUL) trimmed of " \t\r\n"; a blank line is a format error;
//  - each value is a C string too: a name is cut at a NUL, seq is atoll's reading (leading blanks,
//    a sign, digits, anything after ignored), type is the value's first byte;
//  - seq 0 (or no number) and an empty type are format errors ("all of file/seq/type required");
//  - a key repeated on a line takes its last value, and each file value must be a basename;
//  - a manifest of comments only is not empty: it parses to no files at all.
#include "formats/aof_manifest.h"

#include <climits>
#include <cstdio>

#include "formats/split_args.h"

namespace keel::formats {

namespace {

// Redis's MANIFEST_MAX_LINE: a line holds at most this many bytes, its '\n' included.
constexpr size_t kManifestMaxLine = 1024;

constexpr char kInvalidFormat[] = "Invalid AOF manifest file format";

bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The C string a word or line stands for in Redis (cut at its first NUL).
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// glibc's atoll (strtoll base 10, saturating on overflow).
int64_t Atoll(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  uint64_t v = 0;
  const uint64_t limit = neg ? static_cast<uint64_t>(INT64_MAX) + 1 : INT64_MAX;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (limit - d) / 10) {
      v = limit;
      break;
    }
    v = v * 10 + d;
  }
  if (neg) return v == limit ? INT64_MIN : -static_cast<int64_t>(v);
  return static_cast<int64_t>(v);
}

Status LineError(const char* err, size_t linenum, std::string_view line, size_t offset) {
  return Status::Corruption(std::string(err) + " (manifest line " + std::to_string(linenum) +
                                ": '" + std::string(line) + "')",
                            offset);
}

// sdsneedsrepr, plus two cases where Redis's unquoted output would not read back: an empty name
// (the line would lose a word) and a single quote (sdssplitargs would open a quote there).
bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '"' || c == '\'' || u < 0x20 || u > 0x7e || c == ' ') return true;
  }
  return false;
}

void AppendEntry(std::string* out, const AofFileInfo& info, AofFileType type) {
  out->append("file ");
  if (NeedsQuotes(info.name)) {
    AppendRepr(out, info.name);
  } else {
    out->append(info.name);
  }
  out->append(" seq ");
  out->append(std::to_string(info.seq));
  out->append(" type ");
  out->push_back(static_cast<char>(type));
  out->push_back('\n');
}

}  // namespace

Result<AofManifest> ParseAofManifest(std::string_view text) {
  if (text.empty()) return Status::Corruption("Found an empty AOF manifest", 0);
  AofManifest m;
  int64_t maxseq = 0;
  size_t linenum = 0;
  std::string scratch;
  std::vector<std::string_view> argv;
  for (size_t pos = 0; pos < text.size();) {
    // One fgets: through the first '\n', at most kManifestMaxLine bytes.
    const size_t start = pos;
    size_t limit = std::min(text.size(), start + kManifestMaxLine);
    size_t nl = text.find('\n', start);
    pos = nl != std::string_view::npos && nl < limit ? nl + 1 : limit;
    std::string_view chunk = text.substr(start, pos - start);
    ++linenum;
    if (chunk[0] == '#') continue;
    std::string_view line = CString(chunk);
    if (line.find('\n') == std::string_view::npos) {
      return Status::Corruption("The AOF manifest file contains too long line (manifest line " +
                                    std::to_string(linenum) + ")",
                                start);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r' ||
                             line.front() == '\n')) {
      line.remove_prefix(1);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' ||
                             line.back() == '\n')) {
      line.remove_suffix(1);
    }
    if (line.empty()) return LineError(kInvalidFormat, linenum, line, start);
    scratch.resize(line.size());
    argv.clear();
    // 'argc < 6' and extra pairs allowed: Redis's forward compatibility.
    if (!SplitArgs(line, scratch.data(), &argv) || argv.size() < 6 || argv.size() % 2 != 0) {
      return LineError(kInvalidFormat, linenum, line, start);
    }
    const std::string_view* name = nullptr;
    int64_t seq = 0;
    char type = 0;
    for (size_t i = 0; i < argv.size(); i += 2) {
      std::string_view key = CString(argv[i]);
      std::string_view value = CString(argv[i + 1]);
      if (EqualsNoCase(key, "file")) {
        argv[i + 1] = value;
        name = &argv[i + 1];
        if (value.find('/') != std::string_view::npos ||
            value.find('\\') != std::string_view::npos) {
          return LineError("File can't be a path, just a filename", linenum, line, start);
        }
      } else if (EqualsNoCase(key, "seq")) {
        seq = Atoll(value);
      } else if (EqualsNoCase(key, "type")) {
        type = value.empty() ? '\0' : value[0];
      }
    }
    if (name == nullptr || seq == 0 || type == '\0') {
      return LineError(kInvalidFormat, linenum, line, start);
    }
    AofFileInfo info{std::string(*name), seq, AofFileType::kIncr};
    if (type == static_cast<char>(AofFileType::kBase)) {
      if (m.base) return LineError("Found duplicate base file information", linenum, line, start);
      info.type = AofFileType::kBase;
      m.base = std::move(info);
      m.curr_base_seq = seq;
    } else if (type == static_cast<char>(AofFileType::kHistory)) {
      info.type = AofFileType::kHistory;
      m.history.push_back(std::move(info));
    } else if (type == static_cast<char>(AofFileType::kIncr)) {
      if (seq <= maxseq) {
        return LineError("Found a non-monotonic sequence number", linenum, line, start);
      }
      m.incr.push_back(std::move(info));
      m.curr_incr_seq = maxseq = seq;
    } else {
      return LineError("Unknown AOF file type", linenum, line, start);
    }
  }
  return m;
}

std::string FormatAofManifest(const AofManifest& manifest) {
  std::string out;
  if (manifest.base) AppendEntry(&out, *manifest.base, AofFileType::kBase);
  for (const AofFileInfo& f : manifest.history) AppendEntry(&out, f, AofFileType::kHistory);
  for (const AofFileInfo& f : manifest.incr) AppendEntry(&out, f, AofFileType::kIncr);
  return out;
}

std::string AofBaseFileName(std::string_view appendfilename, int64_t seq, bool rdb) {
  return std::string(appendfilename) + "." + std::to_string(seq) +
         (rdb ? ".base.rdb" : ".base.aof");
}

std::string AofIncrFileName(std::string_view appendfilename, int64_t seq) {
  return std::string(appendfilename) + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifestFileName(std::string_view appendfilename) {
  return std::string(appendfilename) + ".manifest";
}

std::string AofTempManifestFileName(std::string_view appendfilename) {
  return "temp-" + std::string(appendfilename) + ".manifest";
}

std::string AofTempIncrFileName(std::string_view appendfilename) {
  return "temp-" + std::string(appendfilename) + ".incr";
}

}  // namespace keel::formats
