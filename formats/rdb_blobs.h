// The RDB reader's decoders of values stored as one blob string (zipmap, ziplist, intset,
// listpack) and of quicklist nodes. Internal to the reader (rdb_values.cc calls them); each blob is
// validated deeply, with Redis's semantic checks, before the visitor sees any of it.
#pragma once

#include <cstdint>
#include <span>

#include "formats/rdb_reader.h"
#include "formats/status.h"

namespace keel::formats::rdb {

// A whole value of type 9, 10, 11, 12, 13, 16, 17 or 20 held in `blob`. `at` is the stream offset
// of the blob string, which every Corruption carries (the message gives the byte inside the blob).
Status ReadBlobValue(uint8_t type, std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor);

// One node of a quicklist: a listpack (type 18, packed) offered as RdbBlob::kListNode, or a
// ziplist (type 14) given as elements. Empty nodes are skipped, as Redis does.
Status ReadListpackNode(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor);
Status ReadZiplistNode(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor);

// The reader's reused buffers are thread-local so that loading allocates nothing per element;
// these give back the ones a big value grew (operator new counts them in used_memory). The reader
// calls ReleaseValueScratch (which calls ReleaseBlobScratch) when a file or payload is done.
void ReleaseValueScratch();
void ReleaseBlobScratch();

// A sorted-set score stored as text (in a listpack or ziplist): the whole string must be a
// number Redis's strtod accepts, and not NaN.
bool ParseScoreText(std::string_view text, double* score);

}  // namespace keel::formats::rdb
