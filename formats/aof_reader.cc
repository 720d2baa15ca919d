// Reading an AOF command stream (aof_reader.h): a byte-at-a-time state machine over a buffered
// input that also hashes what passes through it, so Keel's batch marks can be checked in one pass.
//
// Compatibility notes (Redis 7.0's loader and redis-check-aof disagree in places; Keel takes the
// stricter reading wherever a file Redis itself wrote still passes):
//  - "*<n>" must be 1 or more: the loader refuses "*0" and "*-1" as a bad format, though
//    redis-check-aof accepts them as empty commands.
//  - Counts and lengths are plain decimal digits followed by "\r\n" (check-aof requires the CRLF,
//    the loader uses atoi/strtol and ignores what follows); every argument ends with "\r\n" (the
//    loader discards two bytes unseen; check-aof checks them).
//  - An annotation line is read as the loader's fgets into a 1024-byte buffer reads it: a line of
//    1024 bytes or more ('#' and line end included) is cut and the rest misread, so it is corrupt.
//  - A stream ending inside an annotation line is a short read here; both Redis tools accept it.
//  - MULTI and EXEC are checked when a command's first argument is complete, as check-aof does:
//    "Unexpected MULTI" inside a transaction, "Unexpected EXEC" outside one.
#include "formats/aof_reader.h"

// The streaming state is declared in xxhash.h's static-linking section (it lives on the stack).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keel::formats {

namespace {

constexpr size_t kReadChunk = 64 << 10;
// Decimal digits accepted in a count or length ("$" followed by 20 digits already exceeds any
// limit a uint64 can hold).
constexpr int kMaxDigits = 20;
// "#KEEL " + synced + ' ' + len + ' ' + 16 hex digits: the longest mark text, '#' included.
constexpr size_t kMaxMarkLine = 6 + 20 + 1 + 20 + 1 + 16;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

std::string Hex16(uint64_t v) {
  char buf[17];
  static const char* kDigits = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    buf[i] = kDigits[v & 15];
    v >>= 4;
  }
  return std::string(buf, 16);
}

// A buffered cursor over the source that feeds every byte it hands out to a running XXH3, except
// while paused (an annotation line is being read: a batch mark is not part of the batch it ends,
// so its bytes are hashed, or not, once the line is known).
class AofInput {
 public:
  explicit AofInput(ByteSource& src) : src_(src), buf_(new uint8_t[kReadChunk]) {
    XXH3_64bits_reset(&hash_);
  }

  uint64_t pos() const { return buf_offset_ + next_; }
  uint64_t bytes_read() const { return buf_offset_ + end_; }

  // The next byte without consuming it, or -1 at the end of the data or after a read error of
  // the source (then error() says which). Bytes come one at a time on the hot path, so no
  // Result per byte.
  int Peek() {
    if (next_ == end_ && !Fill()) return -1;
    return static_cast<int>(buf_[next_]);
  }
  int Next() {
    int c = Peek();
    if (c >= 0) ++next_;
    return c;
  }
  // The source's read error, sticky once seen; Ok otherwise.
  const Status& error() const { return error_; }

  // Appends up to n bytes to *out as they arrive; returns how many (fewer only at the end).
  Result<uint64_t> Append(std::string* out, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
      if (next_ == end_ && !Fill()) {
        if (!error_.ok()) return error_;
        break;
      }
      size_t take = static_cast<size_t>(std::min<uint64_t>(n - done, end_ - next_));
      out->append(reinterpret_cast<const char*>(buf_.get() + next_), take);
      next_ += take;
      done += take;
    }
    return done;
  }

  // Hashes everything up to the current position and stops hashing until Resume.
  void Pause() {
    HashBuffered(pos());
    paused_ = true;
  }
  // Hashes `raw` (bytes read while paused) and hashes on from the current position.
  void Resume(std::string_view raw) {
    XXH3_64bits_update(&hash_, raw.data(), raw.size());
    hashed_to_ = pos();
    paused_ = false;
  }
  // Starts a new batch at the current position.
  void ResetHash() {
    XXH3_64bits_reset(&hash_);
    hashed_to_ = pos();
    paused_ = false;
  }
  // XXH3 of the bytes from the last reset to where Pause was called.
  uint64_t Digest() const { return XXH3_64bits_digest(&hash_); }

 private:
  // Feeds the buffered bytes before absolute offset `to` that are not hashed yet.
  void HashBuffered(uint64_t to) {
    if (paused_ || to <= hashed_to_) return;
    XXH3_64bits_update(&hash_, buf_.get() + (hashed_to_ - buf_offset_),
                       static_cast<size_t>(to - hashed_to_));
    hashed_to_ = to;
  }
  // Called once every buffered byte is consumed. False at the end of the data or on an error.
  bool Fill() {
    if (!error_.ok()) return false;
    HashBuffered(bytes_read());
    buf_offset_ += end_;
    next_ = end_ = 0;
    if (!paused_) hashed_to_ = buf_offset_;
    Result<size_t> n = src_.Read(std::span<uint8_t>(buf_.get(), kReadChunk));
    if (!n.has_value()) {
      error_ = n.error();
      return false;
    }
    end_ = *n;
    return end_ > 0;
  }

  ByteSource& src_;
  std::unique_ptr<uint8_t[]> buf_;  // kReadChunk bytes
  uint64_t buf_offset_ = 0;         // source offset of buf_[0]
  size_t next_ = 0;
  size_t end_ = 0;
  XXH3_state_t hash_;
  uint64_t hashed_to_ = 0;  // bytes before this source offset are in hash_ (or skipped)
  bool paused_ = false;
  Status error_;
};

class AofCommandReader {
 public:
  AofCommandReader(ByteSource& src, AofVisitor& visitor, const AofReadLimits& limits, uint64_t base)
      : in_(src), visitor_(visitor), limits_(limits), base_(base) {
    r_.size = r_.last_complete = r_.valid_up_to = base;
    r_.valid_up_to_line = 1;
  }

  Result<AofReadResult> Run() {
    for (;;) {
      if (!in_multi_) {
        r_.valid_up_to = base_ + in_.pos();
        r_.valid_up_to_line = line_;
      }
      int c = in_.Peek();
      if (c < 0) {
        KEEL_RETURN_IF_ERROR(in_.error());
        end_ = AofReadResult::End::kClean;
        break;
      }
      Status step = c == '*' ? Command() : c == '#' ? Annotation() : FormatError(c);
      if (!step.ok()) return step;  // the visitor's error or the source's
      if (stop_) break;
      r_.last_complete = base_ + in_.pos();
    }
    r_.end = end_;
    r_.size = base_ + in_.bytes_read();
    r_.in_multi = in_multi_;
    r_.multi_offset = in_multi_ ? base_ + multi_start_ : 0;
    return std::move(r_);
  }

 private:
  // Ends the read with the given kind. Returns Ok: the end of the content is not an error.
  Status Stop(AofReadResult::End end, Status problem = Status::Ok()) {
    end_ = end;
    r_.problem = std::move(problem);
    stop_ = true;
    return Status::Ok();
  }
  Status Truncated() { return Stop(AofReadResult::End::kTruncated); }
  // At the end of the data inside an item: a short read, or the source's error.
  Status EndOfData() { return in_.error().ok() ? Truncated() : in_.error(); }
  Status Corrupt(std::string what, uint64_t src_offset) {
    return Stop(AofReadResult::End::kCorrupt,
                Status::Corruption(std::move(what), base_ + src_offset));
  }

  Status FormatError(int c) {
    return Corrupt("AOF format error: expected '*' (a command) or '#' (an annotation), got " +
                       ByteHex(static_cast<uint8_t>(c)),
                   in_.pos());
  }

  // "\r\n" at the current position; false after Stop.
  Result<bool> ExpectCrlf() {
    for (char want : {'\r', '\n'}) {
      uint64_t at = in_.pos();
      int c = in_.Next();
      if (c < 0) {
        KEEL_RETURN_IF_ERROR(EndOfData());
        return false;
      }
      if (c != want) {
        KEEL_RETURN_IF_ERROR(
            Corrupt("Expected \\r\\n, got: " + ByteHex(static_cast<uint8_t>(c)), at));
        return false;
      }
    }
    ++line_;
    return true;
  }

  // After the '*' or '$' of the header line at `header`: decimal digits, at most `max`, then
  // "\r\n". `expected` and `name` name the number in messages. False after Stop.
  Result<bool> Number(uint64_t header, const char* expected, const char* name, uint64_t max,
                      uint64_t* out) {
    uint64_t v = 0;
    int digits = 0;
    for (;;) {
      int c = in_.Peek();
      if (c < 0) {
        KEEL_RETURN_IF_ERROR(EndOfData());
        return false;
      }
      if (c < '0' || c > '9') {
        if (digits > 0) break;
        KEEL_RETURN_IF_ERROR(Corrupt(
            std::string("Expected ") + expected + ", got: " + ByteHex(static_cast<uint8_t>(c)),
            in_.pos()));
        return false;
      }
      in_.Next();
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (++digits > kMaxDigits || d > max || v > (max - d) / 10) {
        KEEL_RETURN_IF_ERROR(Corrupt(
            std::string(name) + " out of range (at most " + std::to_string(max) + ")", header));
        return false;
      }
      v = v * 10 + d;
    }
    *out = v;
    return ExpectCrlf();
  }

  Status Command() {
    const uint64_t start = in_.pos();
    in_.Next();  // '*'
    uint64_t argc = 0;
    KEEL_ASSIGN_OR_RETURN(bool ok, Number(start, "an argument count after '*'", "Argument count",
                                          limits_.max_args, &argc));
    if (!ok) return Status::Ok();
    if (argc == 0) {
      return Corrupt("Invalid argument count 0: a command has at least one argument", start);
    }
    storage_.clear();
    ends_.clear();
    bool is_exec = false;
    for (uint64_t i = 0; i < argc; ++i) {
      uint64_t at = in_.pos();
      int c = in_.Next();
      if (c < 0) return EndOfData();
      if (c != '$') {
        return Corrupt("Expected prefix '$', got: " + ByteHex(static_cast<uint8_t>(c)), at);
      }
      uint64_t len = 0;
      KEEL_ASSIGN_OR_RETURN(
          ok, Number(at, "a string length after '$'", "String length", limits_.max_bulk_len, &len));
      if (!ok) return Status::Ok();
      // Grows with the bytes that arrive, never by the declared length alone (C10).
      KEEL_ASSIGN_OR_RETURN(uint64_t got, in_.Append(&storage_, len));
      if (got < len) return Truncated();
      KEEL_ASSIGN_OR_RETURN(ok, ExpectCrlf());
      if (!ok) return Status::Ok();
      ends_.push_back(storage_.size());
      if (i == 0) {
        if (EqualsNoCase(storage_, "multi")) {
          if (in_multi_) return Corrupt("Unexpected MULTI", start);
        } else if (EqualsNoCase(storage_, "exec")) {
          if (!in_multi_) return Corrupt("Unexpected EXEC", start);
          is_exec = true;
        }
      }
    }
    views_.clear();
    size_t from = 0;
    for (size_t e : ends_) {
      views_.emplace_back(storage_.data() + from, e - from);
      from = e;
    }
    if (!in_multi_ && EqualsNoCase(views_[0], "multi")) {
      in_multi_ = true;
      multi_start_ = start;
    } else if (is_exec) {
      in_multi_ = false;
    }
    ++r_.commands;
    return visitor_.OnCommand(views_, base_ + start);
  }

  Status Annotation() {
    const uint64_t start = in_.pos();
    in_.Pause();
    std::string raw;  // the whole line, '#' and line end included
    for (;;) {
      int c = in_.Next();
      if (c < 0) return EndOfData();
      raw.push_back(static_cast<char>(c));
      // Redis reads the line with fgets into a 1024-byte buffer: at most 1023 bytes fit.
      if (raw.size() >= kAofMaxAnnotationLine) {
        return Corrupt("Annotation line too long (Redis reads at most " +
                           std::to_string(kAofMaxAnnotationLine - 1) + " bytes, line end included)",
                       start);
      }
      if (c == '\n') break;
    }
    std::string_view text(raw);
    text.remove_prefix(1);
    text.remove_suffix(text.size() >= 2 && text[text.size() - 2] == '\r' ? 2 : 1);
    std::optional<AofBatchMark> mark = ParseAofBatchMark(text);
    if (!mark) {
      in_.Resume(raw);
      return visitor_.OnAnnotation(text, base_ + start);
    }
    const uint64_t batch_len = start - batch_start_;
    const uint64_t digest = in_.Digest();
    if (mark->len != batch_len || mark->checksum != digest) {
      return Corrupt("batch checksum mismatch: the batch mark at offset " +
                         std::to_string(base_ + start) + " covers " + std::to_string(mark->len) +
                         " bytes with checksum " + Hex16(mark->checksum) + ", but the " +
                         std::to_string(batch_len) + " bytes from offset " +
                         std::to_string(base_ + batch_start_) + " hash to " + Hex16(digest),
                     batch_start_);
    }
    in_.ResetHash();
    batch_start_ = in_.pos();
    r_.last_mark = *mark;
    r_.last_mark_end = base_ + batch_start_;
    r_.has_marks = true;
    KEEL_RETURN_IF_ERROR(visitor_.OnAnnotation(text, base_ + start));
    return visitor_.OnBatchMark(*mark, base_ + start);
  }

  AofInput in_;
  AofVisitor& visitor_;
  const AofReadLimits limits_;
  const uint64_t base_;
  AofReadResult r_;
  AofReadResult::End end_ = AofReadResult::End::kClean;
  bool stop_ = false;
  bool in_multi_ = false;
  uint64_t multi_start_ = 0;
  // redis-check-aof's line count: one plus the "\r\n"s of the RESP structure read so far
  // (annotation lines and line breaks inside arguments are not counted).
  uint64_t line_ = 1;
  uint64_t batch_start_ = 0;  // source offset where the current batch began
  std::string storage_;       // the arguments of the command being read, back to back
  std::vector<size_t> ends_;  // where each argument ends in storage_
  std::vector<std::string_view> views_;
};

// The last `capacity` bytes read, byte k of the source at ring_[k % capacity]. The ring is
// allocated as data arrives, so a short source costs little.
class Window {
 public:
  explicit Window(size_t capacity) : cap_(capacity) {}
  uint64_t total() const { return total_; }

  // Reads the next piece of the source into one contiguous stretch of the ring; returns its
  // size (0 at the end) and sets *piece to its bytes.
  Result<size_t> ReadMore(ByteSource& src, std::string_view* piece) {
    size_t at = static_cast<size_t>(total_ % cap_);
    size_t room = std::min(kReadChunk, cap_ - at);
    if (alloc_ < at + room) {
      // Only while the ring fills for the first time: then at == total_.
      size_t grown = std::min(cap_, std::max(2 * alloc_, at + room));
      std::unique_ptr<uint8_t[]> bigger(new uint8_t[grown]);
      if (at > 0) std::memcpy(bigger.get(), ring_.get(), at);
      ring_ = std::move(bigger);
      alloc_ = grown;
    }
    KEEL_ASSIGN_OR_RETURN(size_t n, src.Read(std::span<uint8_t>(ring_.get() + at, room)));
    *piece = std::string_view(reinterpret_cast<const char*>(ring_.get() + at), n);
    total_ += n;
    return n;
  }
  uint8_t at(uint64_t offset) const { return ring_[static_cast<size_t>(offset % cap_)]; }
  // XXH3 of [from, to), which must still be held.
  uint64_t Hash(uint64_t from, uint64_t to) const {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    while (from < to) {
      size_t i = static_cast<size_t>(from % cap_);
      size_t n = static_cast<size_t>(std::min<uint64_t>(to - from, cap_ - i));
      XXH3_64bits_update(&st, ring_.get() + i, n);
      from += n;
    }
    return XXH3_64bits_digest(&st);
  }
  bool Holds(uint64_t from) const { return from + cap_ >= total_; }

 private:
  const size_t cap_;
  std::unique_ptr<uint8_t[]> ring_;
  size_t alloc_ = 0;
  uint64_t total_ = 0;
};

// The mark whose "\r\n" ends at `lf` (the '\n'), if the line there is one and its batch verifies.
std::optional<AofBatchMark> VerifiedMarkEndingAt(const Window& w, uint64_t lf) {
  if (lf < 2 || w.at(lf - 1) != '\r') return std::nullopt;
  uint64_t text_end = lf - 1;
  uint64_t lowest = text_end > kMaxMarkLine ? text_end - kMaxMarkLine : 0;
  // Back to the '#' that starts the line; a mark's text holds neither '#' nor '\n', so most
  // lines (RESP's "$3\r\n", "SET\r\n") are passed over after a few bytes.
  uint64_t hash_pos = text_end;
  while (hash_pos > lowest && w.at(hash_pos - 1) != '#' && w.at(hash_pos - 1) != '\n') --hash_pos;
  if (hash_pos == lowest || w.at(hash_pos - 1) != '#') return std::nullopt;
  const uint64_t mark_start = hash_pos - 1;
  char text[kMaxMarkLine];
  size_t n = static_cast<size_t>(text_end - hash_pos);
  for (size_t i = 0; i < n; ++i) text[i] = static_cast<char>(w.at(hash_pos + i));
  std::optional<AofBatchMark> mark = ParseAofBatchMark(std::string_view(text, n));
  if (!mark || mark->len > kAofMaxBatchBytes || mark->len > mark_start ||
      !w.Holds(mark_start - mark->len)) {
    return std::nullopt;
  }
  if (w.Hash(mark_start - mark->len, mark_start) != mark->checksum) return std::nullopt;
  return mark;
}

}  // namespace

Result<AofReadResult> ReadAofCommands(ByteSource& src, AofVisitor& visitor,
                                      const AofReadLimits& limits, uint64_t base_offset) {
  AofCommandReader reader(src, visitor, limits, base_offset);
  return reader.Run();
}

Result<uint64_t> MaxSyncedMarkAfter(ByteSource& src, uint64_t from) {
  // Room for a whole batch before a mark whose line end has just been read.
  Window w(kAofMaxBatchBytes + kReadChunk + kMaxMarkLine + 2);
  uint64_t best = 0;
  for (;;) {
    const uint64_t begin = w.total();
    std::string_view piece;
    KEEL_ASSIGN_OR_RETURN(size_t n, w.ReadMore(src, &piece));
    if (n == 0) return best;
    for (size_t i = piece.find('\n'); i != std::string_view::npos; i = piece.find('\n', i + 1)) {
      std::optional<AofBatchMark> mark = VerifiedMarkEndingAt(w, begin + i);
      // A mark cannot say bytes after its own were synced; such a mark is not Keel's.
      if (mark && mark->synced <= from + begin + i && mark->synced > best) best = mark->synced;
    }
  }
}

}  // namespace keel::formats
