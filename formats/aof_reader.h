// Reading an append-only file's command stream: RESP multibulk commands ("*<argc>\r\n" then
// "$<len>\r\n<bytes>\r\n" per argument) and '#' annotation lines, as Redis 7.0's loader and
// redis-check-aof read them. Streaming over a ByteSource in bounded memory (an argument is held
// whole only once all of its bytes have arrived, so a huge declared length in a short file never
// allocates it: C10), reporting every command with its offset to a visitor.
//
// Where the stream ends matters to the loader, so the reader says exactly how it ended:
//   kClean      at a command boundary;
//   kTruncated  inside a command whose bytes so far are a valid prefix (a short read: T1, C2);
//   kCorrupt    at bytes that cannot start or continue a command (C1), or at a Keel batch mark
//               whose checksum does not match the batch before it (C9, see aof_format.h).
// It tracks MULTI/EXEC like redis-check-aof: `valid_up_to` (check-aof's ok_up_to) advances past a
// command only outside a transaction, so an unfinished MULTI is cut back to its start (C4).
// Pure code: no I/O besides the source, no logging, never aborts.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "formats/aof_format.h"
#include "formats/byte_stream.h"
#include "formats/status.h"

namespace keel::formats {

struct AofReadLimits {
  // Largest argument accepted (proto-max-bulk-len); a larger declared length is corruption.
  uint64_t max_bulk_len = 512ull << 20;
  // Most arguments in one command; more is corruption (Redis reads up to INT_MAX).
  uint64_t max_args = 1ull << 31;
};

class AofVisitor {
 public:
  virtual ~AofVisitor() = default;
  // One complete command starting at `offset` (its '*'). The views are valid during the call only.
  // An error stops the read; Read returns it as it is.
  virtual Status OnCommand(std::span<const std::string_view> args, uint64_t offset) = 0;
  // An annotation line starting at `offset`, without its '#' and line end (e.g. "TS:1700000000").
  virtual Status OnAnnotation(std::string_view /*text*/, uint64_t /*offset*/) {
    return Status::Ok();
  }
  // A Keel batch mark at `offset` whose checksum verified (it is also passed to OnAnnotation).
  virtual Status OnBatchMark(const AofBatchMark& /*mark*/, uint64_t /*offset*/) {
    return Status::Ok();
  }
};

struct AofReadResult {
  enum class End { kClean, kTruncated, kCorrupt };
  End end = End::kClean;
  // kCorrupt: what is wrong and where (Status::Corruption with the offset); Ok otherwise.
  Status problem;
  uint64_t size = 0;  // bytes read from the source (the file's size when read to its end)
  // Just past the last complete command or annotation line (the cut for a short read when no
  // transaction is open).
  uint64_t last_complete = 0;
  // redis-check-aof's ok_up_to: just past the last complete command outside MULTI (or the last
  // EXEC). A file ending inside MULTI is cut here, which drops the unfinished transaction.
  uint64_t valid_up_to = 0;
  uint64_t valid_up_to_line = 0;  // line number (1-based) at valid_up_to, as check-aof prints it
  uint64_t commands = 0;          // complete commands delivered
  bool in_multi = false;          // the stream ended inside MULTI
  uint64_t multi_offset = 0;      // with in_multi: where that MULTI starts
  // The last Keel batch mark whose checksum verified, and the offset just past it (0: none).
  AofBatchMark last_mark;
  uint64_t last_mark_end = 0;
  bool has_marks = false;
};

// Reads `src` to its end (or the first error the visitor returns, or corruption). `base_offset`
// is added to every offset reported (the position in the file where `src` starts, e.g. after an
// RDB preamble). Read errors of the source are returned as they are; problems of the content are
// not errors but an AofReadResult with End::kCorrupt or kTruncated.
Result<AofReadResult> ReadAofCommands(ByteSource& src, AofVisitor& visitor,
                                      const AofReadLimits& limits = {}, uint64_t base_offset = 0);

// After damage at `from` (the offset the source starts at), looks for Keel batch marks further on
// whose checksum verifies over the `len` bytes before them, and returns the largest `synced` among
// them (0 when there is none). Reads `src` to its end, holding at most kAofMaxBatchBytes plus one
// read buffer. Used to tell an unsynced torn tail (no verified mark beyond the damage says the
// damaged bytes were synced) from corruption of synced data (T2 versus C1).
Result<uint64_t> MaxSyncedMarkAfter(ByteSource& src, uint64_t from);

}  // namespace keel::formats
