// The append-only file's building blocks shared by its writer, its reader and the offline tool:
// one command as RESP (what Redis appends: "*<argc>\r\n$<len>\r\n<arg>\r\n..."), and Keel's batch
// mark, an annotation line Redis's loader and redis-check-aof skip like any '#' line.
//
// A batch mark ends each batch of commands Keel appends to an incr file:
//   "#KEEL <synced> <len> <checksum>\r\n"
// <len> is the number of bytes of the batch just before the mark (from the end of the previous
// mark, or from the start of the file), <checksum> their XXH3-64 as 16 lower-case hex digits, and
// <synced> the file offset up to which the file was known to be fsynced when the batch was
// written. A mark whose checksum verifies proves that the bytes before <synced> were durable before
// it was written, so damage before <synced> is corruption of synced data, while damage after the
// last such proof is an unsynced tail that a crash tore (fault ids T2, C1, C9).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace keel::formats {

// Appends one command in RESP multibulk form.
void AppendAofCommand(std::string* out, std::span<const std::string_view> args);
void AppendAofCommand(std::string* out, std::initializer_list<std::string_view> args);

// Annotation lines are shorter than this, '#' and line end included (Redis 7.0 reads them with
// fgets into a 1024-byte buffer, so a longer line would be misread as a format error).
inline constexpr size_t kAofMaxAnnotationLine = 1024;

// A batch is never longer than this: the writer puts a mark at least this often.
inline constexpr uint64_t kAofMaxBatchBytes = 16ull << 20;

struct AofBatchMark {
  uint64_t synced = 0;
  uint64_t len = 0;
  uint64_t checksum = 0;
};

// XXH3-64 of a batch.
uint64_t AofBatchChecksum(std::string_view batch);
// Appends "#KEEL <synced> <len> <checksum>\r\n" for `batch`.
void AppendAofBatchMark(std::string* out, uint64_t synced, std::string_view batch);
// The running length and checksum of a batch built in pieces (the live log feeds it every byte
// it appends, so a batch may span several writes).
class AofBatchHasher {
 public:
  AofBatchHasher();
  ~AofBatchHasher();
  AofBatchHasher(const AofBatchHasher&) = delete;
  AofBatchHasher& operator=(const AofBatchHasher&) = delete;

  void Update(std::string_view bytes);
  // Bytes fed since the last mark.
  uint64_t len() const { return len_; }
  // Appends the mark for everything fed since the last mark, then starts a new batch.
  void AppendMark(std::string* out, uint64_t synced);
  // Starts a new batch without a mark.
  void Reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
  uint64_t len_ = 0;
};

// Parses the text of an annotation (without the leading '#' and the CRLF): the mark, or nullopt
// when it is not a well-formed Keel batch mark (other annotations, e.g. Redis's "TS:<unix>").
std::optional<AofBatchMark> ParseAofBatchMark(std::string_view annotation);

}  // namespace keel::formats
