// Encoder of Redis's ziplist, for RDB version 9 (Redis 5 and 6), whose small hashes, sorted sets
// and quicklist nodes are ziplists where Redis 7.0 keeps listpacks. It makes the bytes Redis's
// ziplistPush makes: a string that parses as a canonical integer (zipTryEncoding) takes the
// smallest integer encoding, others the smallest string length encoding, and each prevlen takes
// one byte below 254 or five bytes. formats/ziplist.h decodes; docs/formats/ziplist.md has the
// grammar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keel::formats {

// Builds one ziplist at a time in a buffer it keeps, so a writer converting many values reuses
// the allocation: Clear, Add..., Finish.
class ZiplistBuilder {
 public:
  ZiplistBuilder() { Clear(); }

  // Starts an empty ziplist, keeping the buffer's capacity.
  void Clear();
  // Appends `v`: as an integer when it is exactly the decimal form of an int64 shorter than 32
  // bytes (Redis's zipTryEncoding), else as a string.
  void Add(std::string_view v);
  void AddInt(int64_t v);
  size_t count() const { return count_; }

  // Completes the header (zllen 65535 once there are that many entries, as Redis's
  // ZIPLIST_INCR_LENGTH leaves it) and returns the ziplist. The view lives until the next call
  // that changes the builder.
  std::string_view Finish();

 private:
  // Appends the prevlen for the entry about to be written and remembers where it starts.
  void BeginEntry();
  void EndEntry();

  std::string buf_;
  size_t count_ = 0;
  size_t last_entry_ = 0;    // offset of the last entry (zltail)
  size_t last_size_ = 0;     // its size: the next entry's prevlen
  bool terminated_ = false;  // buf_ ends with the 0xFF Finish added
};

// Appends the elements of `listpack`, in order, to `builder`. `listpack` must be valid (the bytes
// the engine holds, or ones ValidateListpack accepted): it is walked without bounds checks.
// Integer elements stay integers and string elements strings, which is what Redis's ziplist would
// pick for the same values, since a listpack stores every canonical integer as an integer.
void AppendListpackToZiplist(std::span<const uint8_t> listpack, ZiplistBuilder* builder);

// The ziplist holding the elements of `listpack` (same precondition).
std::string ListpackToZiplist(std::span<const uint8_t> listpack);

}  // namespace keel::formats
