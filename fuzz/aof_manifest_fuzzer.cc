// Fuzz target for the AOF manifest parser and writer (formats/aof_manifest.h). Properties: no
// crash; a refusal is a Corruption inside the text that starts with one of Redis's messages; an
// accepted manifest keeps Redis's invariants (increasing incr seqs, the current seqs, each entry's
// type); and parse -> format -> parse gives the same manifest, and formatting it again the same
// text (when it has a file and every written line fits Redis's 1024 bytes: Redis writes longer
// lines than it reads, and so does Keel).
//
// Input layout: the manifest text.
//   seeds: fuzz/corpus/aof_manifest/ (fuzz/gen_aof_corpus.py)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "formats/aof_manifest.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "aof_manifest_fuzzer: %s\n", what);
    std::abort();
  }
}

constexpr std::string_view kMessages[] = {
    "Found an empty AOF manifest",
    "The AOF manifest file contains too long line",
    "Invalid AOF manifest file format",
    "File can't be a path, just a filename",
    "Found duplicate base file information",
    "Found a non-monotonic sequence number",
    "Unknown AOF file type",
};

bool LinesFit(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos || nl + 1 - start > 1024) return false;
    start = nl + 1;
  }
  return true;
}

void CheckInvariants(const fmt::AofManifest& m) {
  if (m.base) {
    Check(m.base->type == fmt::AofFileType::kBase, "a base entry of another type");
    Check(m.curr_base_seq == m.base->seq, "curr_base_seq is not the base's");
  } else {
    Check(m.curr_base_seq == 0, "curr_base_seq without a base");
  }
  int64_t last = 0;
  for (const fmt::AofFileInfo& f : m.incr) {
    Check(f.type == fmt::AofFileType::kIncr, "an incr entry of another type");
    Check(f.seq > last, "incr seqs do not rise");
    last = f.seq;
  }
  Check(m.curr_incr_seq == last, "curr_incr_seq is not the last incr's");
  for (const fmt::AofFileInfo& f : m.history) {
    Check(f.type == fmt::AofFileType::kHistory, "a history entry of another type");
  }
  auto check_name = [](const fmt::AofFileInfo& f) {
    Check(f.name.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos,
          "a name with a path separator or a NUL");
    Check(f.seq != 0, "a seq of 0");
  };
  if (m.base) check_name(*m.base);
  for (const auto& f : m.history) check_name(f);
  for (const auto& f : m.incr) check_name(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = fmt::ParseAofManifest(text);
  if (!parsed.has_value()) {
    const keel::Status& s = parsed.error();
    Check(s.IsCorruption(), "a refusal that is not a Corruption");
    Check(size == 0 ? s.offset() == 0 : s.offset() < size, "a Corruption outside the text");
    bool known = false;
    for (std::string_view m : kMessages) known |= s.message().substr(0, m.size()) == m;
    Check(known, "a refusal without Redis's words");
    return 0;
  }
  const fmt::AofManifest& m = *parsed;
  CheckInvariants(m);
  std::string out = fmt::FormatAofManifest(m);
  bool any = m.base || !m.history.empty() || !m.incr.empty();
  Check(any || out.empty(), "text for a manifest without files");
  if (!any || !LinesFit(out)) return 0;
  auto again = fmt::ParseAofManifest(out);
  Check(again.has_value(), "a formatted manifest does not parse");
  Check(*again == m, "parse -> format -> parse changed the manifest");
  Check(fmt::FormatAofManifest(*again) == out, "formatting is not stable");
  return 0;
}
