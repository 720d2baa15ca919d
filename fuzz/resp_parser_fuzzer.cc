// Differential fuzz target for the RESP2 request parser: the same bytes fed in fuzzer-chosen
// pieces, with the buffer compacted or moved between calls as a connection does, must yield the
// same commands and error as one buffer; stricter limits may only cut the stream short earlier.
//
// Input layout: byte 0 = flags, byte 1 = number of piece sizes (low 4 bits), then that many
// piece-size bytes, then the request bytes.
//   flags bit 0: unauthenticated limits        bit 1: small proto_max_bulk_len (flags >> 4) * 4
//   flags bit 2: move the buffer to a new allocation when compacting (else erase in place)
//   piece-size byte b: (b & 0x7f) + 1 bytes, times 512 when b & 0x80; the sizes repeat cyclically.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/resp_parser.h"

namespace {

using keel::formats::kProtoInlineMaxSize;
using keel::formats::RequestLimits;
using keel::formats::RequestParser;
using Outcome = RequestParser::Outcome;

struct Transcript {
  std::vector<std::vector<std::string>> commands;
  std::string error;
  size_t stop = 0;  // offset of the incomplete or failed request (input size when none)
  // For an error seen while parsing in pieces: the bytes that were buffered, [stop, buffered_end).
  size_t buffered_end = 0;
};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "resp_parser_fuzzer: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Fail(what);
}

void RecordCommand(const RequestParser& p, std::string_view buf, Transcript* t) {
  Check(!p.args().empty(), "a command with no arguments");
  std::vector<std::string> args;
  const char* lo = buf.data();
  const char* hi = buf.data() + buf.size();
  for (std::string_view a : p.args()) {
    // An argument is a view into the caller's buffer (multibulk) or into parser storage
    // (inline), never a range straddling the buffer's edge.
    bool starts_inside = a.data() >= lo && a.data() < hi;
    Check(!starts_inside || a.data() + a.size() <= hi, "an argument running past the buffer");
    args.emplace_back(a);
  }
  t->commands.push_back(std::move(args));
}

void CheckError(RequestParser* p, std::string_view buf, size_t pos) {
  std::string err(p->error());
  Check(err.rfind("Protocol error: ", 0) == 0, "an error without the Protocol error prefix");
  Check(err.find_first_of("\r\n") == std::string::npos, "a line break in an error");
  size_t again = pos;
  Check(p->Parse(buf, &again) == Outcome::kError && p->error() == err && again == pos,
        "an error that is not sticky");
}

Transcript ParseWhole(std::string_view input, const RequestLimits& limits) {
  RequestParser p(limits);
  Transcript t;
  size_t pos = 0;
  for (;;) {
    size_t before = pos;
    Outcome o = p.Parse(input, &pos);
    Check(pos >= before && pos <= input.size(), "position moved backwards or past the end");
    if (o == Outcome::kCommand) {
      Check(pos > before, "a command that consumed nothing");
      RecordCommand(p, input, &t);
      continue;
    }
    if (o == Outcome::kError) {
      CheckError(&p, input, pos);
      t.error = p.error();
    }
    t.stop = pos;
    return t;
  }
}

Transcript ParseInPieces(std::string_view input, const std::vector<size_t>& pieces,
                         const RequestLimits& limits, bool move_buffer) {
  RequestParser p(limits);
  Transcript t;
  std::string buf;
  size_t pos = 0;
  size_t fed = 0;       // bytes of input appended so far
  size_t ready_at = 0;  // no request may complete before this much input was fed
  for (size_t i = 0; fed < input.size(); ++i) {
    size_t n = pieces.empty() ? input.size() : pieces[i % pieces.size()];
    if (n > input.size() - fed) n = input.size() - fed;
    buf.append(input.substr(fed, n));
    fed += n;
    for (;;) {
      size_t base = fed - buf.size();  // input offset of buf[0]
      size_t before = pos;
      Outcome o = p.Parse(buf, &pos);
      Check(pos >= before && pos <= buf.size(), "position moved backwards or past the end");
      if (o != Outcome::kNeedMore) Check(fed >= ready_at, "finished before pending bulk bytes");
      if (o == Outcome::kCommand) {
        Check(pos > before, "a command that consumed nothing");
        RecordCommand(p, buf, &t);
        continue;
      }
      if (o == Outcome::kError) {
        CheckError(&p, buf, pos);
        t.error = p.error();
        t.stop = base + pos;
        t.buffered_end = fed;
        return t;
      }
      if (p.pending_bulk_bytes() > 0) ready_at = fed + p.pending_bulk_bytes();
      // Like a connection, compact only when something was consumed (copying a long pending
      // line on every piece would make big inputs quadratic).
      if (pos > 0) {
        if (move_buffer) {
          std::string fresh(buf, pos);
          buf.swap(fresh);
        } else {
          buf.erase(0, pos);
        }
        pos = 0;
      }
      break;
    }
  }
  t.stop = fed - buf.size() + pos;
  return t;
}

bool SameUpTo(const Transcript& a, const Transcript& b, size_t n) {
  if (a.commands.size() < n || b.commands.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (a.commands[i] != b.commands[i]) return false;
  }
  return true;
}

bool Same(const Transcript& a, const Transcript& b) {
  return a.commands.size() == b.commands.size() && SameUpTo(a, b, a.commands.size()) &&
         a.error == b.error && a.stop == b.stop;
}

bool IsTooBig(std::string_view err) {
  return err == "Protocol error: too big inline request" ||
         err == "Protocol error: too big mbulk count string" ||
         err == "Protocol error: too big bulk count string";
}

// The one place where pieces and one buffer may legitimately disagree: like Redis, a line without
// an end is refused once more than 64 KiB are buffered, so a long line that one buffer holds whole
// can be refused when it arrives in parts. Then the refusal must be exactly what one buffer
// holding only the bytes buffered at that moment gives.
void CheckPieces(std::string_view input, const Transcript& whole, const Transcript& split,
                 const RequestLimits& limits) {
  if (Same(whole, split)) return;
  size_t k = split.commands.size();
  Check(!split.error.empty() && IsTooBig(split.error), "pieces and one buffer disagree");
  Check(SameUpTo(whole, split, k), "pieces and one buffer disagree before a size error");
  Check(split.buffered_end - split.stop > kProtoInlineMaxSize, "a size error under 64 KiB");
  Transcript prefix = ParseWhole(input.substr(split.stop, split.buffered_end - split.stop), limits);
  Check(prefix.commands.empty() && prefix.error == split.error && prefix.stop == 0,
        "a size error that the buffered bytes do not explain");
}

bool IsLimitError(std::string_view err) {
  return err == "Protocol error: unauthenticated multibulk length" ||
         err == "Protocol error: unauthenticated bulk length" ||
         err == "Protocol error: invalid bulk length";
}

// Stricter limits can only stop the stream earlier, with a limit error.
void CheckStricter(const Transcript& strict, const Transcript& loose) {
  if (strict.error.empty() || !IsLimitError(strict.error)) {
    Check(Same(strict, loose), "stricter limits changed more than where parsing stops");
    return;
  }
  Check(SameUpTo(strict, loose, strict.commands.size()), "stricter limits changed a command");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t nsizes = data[1] & 0x0f;
  if (size < 2 + nsizes) return 0;
  std::vector<size_t> pieces;
  for (size_t i = 0; i < nsizes; ++i) {
    uint8_t b = data[2 + i];
    pieces.push_back(((b & 0x7f) + 1u) * ((b & 0x80) ? 512u : 1u));
  }
  std::string_view input(reinterpret_cast<const char*>(data) + 2 + nsizes, size - 2 - nsizes);

  RequestLimits limits;
  limits.authenticated = (flags & 1) == 0;
  if (flags & 2) limits.proto_max_bulk_len = (flags >> 4) * 4;

  const Transcript whole = ParseWhole(input, limits);
  const Transcript split = ParseInPieces(input, pieces, limits, (flags & 4) != 0);
  CheckPieces(input, whole, split, limits);

  if (!limits.authenticated || (flags & 2)) CheckStricter(whole, ParseWhole(input, {}));
  return 0;
}
