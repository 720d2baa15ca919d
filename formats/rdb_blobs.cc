// Blob values of the RDB reader: zipmap (9), ziplist (10, 12, 13 and type 14's nodes), intset
// (11) and listpack (16, 17, 20 and type 18's packed nodes). Each blob is validated deeply first,
// with the checks of Redis's deep sanitization on top of the structural ones (even pair counts,
// no duplicate fields or members, scores that are numbers), so a visitor taking a blob whole gets
// bytes the engine can trust, and one taking elements never sees part of a corrupt value.
//
// Duplicates are found by sorting views of the members rather than by hashing copies of them: the
// views and their vector are reused from key to key, so steady-state loading allocates nothing
// here.
#include "formats/rdb_blobs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "formats/intset.h"
#include "formats/listpack.h"
#include "formats/rdb_format.h"
#include "formats/ziplist.h"
#include "formats/zipmap.h"

namespace keel::formats::rdb {

namespace {

// A member or field of a blob: a view into the blob, or an integer entry rendered as decimal.
struct Member {
  const char* str = nullptr;  // nullptr: the text is in num
  size_t len = 0;
  char num[24] = {};

  std::string_view view() const {
    return str ? std::string_view(str, len) : std::string_view(num, len);
  }
};

// Reused across keys (the reader runs on one thread at a time per input).
thread_local std::vector<Member> t_members;

Member IntMember(int64_t v) {
  Member m;
  m.len = static_cast<size_t>(std::to_chars(m.num, m.num + sizeof(m.num), v).ptr - m.num);
  return m;
}
Member StrMember(std::string_view s) {
  Member m;
  m.str = s.data();
  m.len = s.size();
  return m;
}

// An integer rendered for a visitor; lives as long as the object.
struct IntText {
  char buf[24];
  std::string_view Render(int64_t v) {
    return {buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof(buf), v).ptr - buf)};
  }
};

std::string_view LpView(const ListpackEntry& e, IntText& text) {
  return e.is_int ? text.Render(e.num) : e.sv();
}
std::string_view ZlView(const ZiplistEntry& e, IntText& text) {
  return e.is_int ? text.Render(e.num) : e.str;
}

const char* BlobName(uint8_t type) {
  switch (type) {
    case kTypeHashZipmap:
      return "hash zipmap";
    case kTypeListZiplist:
      return "list ziplist";
    case kTypeSetIntset:
      return "set intset";
    case kTypeZsetZiplist:
      return "sorted set ziplist";
    case kTypeHashZiplist:
      return "hash ziplist";
    case kTypeHashListpack:
      return "hash listpack";
    case kTypeZsetListpack:
      return "sorted set listpack";
    case kTypeSetListpack:
      return "set listpack";
    case kTypeListQuicklist:
      return "quicklist ziplist node";
    default:
      return "quicklist listpack node";
  }
}

// A validator's fault, which carries the offset inside the blob, restated at the blob's offset in
// the stream.
Status BlobFault(uint8_t type, const Status& s, uint64_t at) {
  if (!s.IsCorruption()) return s;
  std::string msg = std::string(BlobName(type)) + ": " + std::string(s.message());
  if (s.offset() != UINT64_MAX) msg += " (byte " + std::to_string(s.offset()) + " of the blob)";
  return Status::Corruption(std::move(msg), at);
}

// Sorts the collected members and refuses a repeated one.
Status CheckNoDuplicates(uint8_t type, const char* what, uint64_t at) {
  std::vector<Member>& m = t_members;
  if (m.size() < 2) return Status::Ok();
  std::sort(m.begin(), m.end(),
            [](const Member& a, const Member& b) { return a.view() < b.view(); });
  for (size_t i = 1; i < m.size(); ++i) {
    if (m[i].view() == m[i - 1].view()) {
      return Status::Corruption(std::string(BlobName(type)) + " has a duplicate " + what, at);
    }
  }
  return Status::Ok();
}

Status CheckEvenCount(uint8_t type, size_t count, uint64_t at) {
  if (count % 2 == 0) return Status::Ok();
  return Status::Corruption(std::string(BlobName(type)) + " holds an odd number of elements (" +
                                std::to_string(count) + "), not pairs",
                            at);
}

Status ScoreFault(uint8_t type, size_t offset, uint64_t at) {
  return Status::Corruption(std::string(BlobName(type)) + ": the score at byte " +
                                std::to_string(offset) + " of the blob is not a number",
                            at);
}

// Collects the members (or fields) of a blob being validated for the duplicate check, and checks
// that sorted-set scores are numbers. The walkers' callbacks capture only a reference to it, which
// std::function stores without allocating.
struct MemberScan {
  uint8_t type;
  bool pairs;
  uint64_t at;
  size_t index = 0;

  Status Take(bool is_int, int64_t num, std::string_view str, size_t offset) {
    const bool is_member = !pairs || index % 2 == 0;
    ++index;
    if (is_member) {
      t_members.push_back(is_int ? IntMember(num) : StrMember(str));
    } else if (!is_int && (type == kTypeZsetListpack || type == kTypeZsetZiplist)) {
      double score;
      if (!ParseScoreText(str, &score)) return ScoreFault(type, offset, at);
    }
    return Status::Ok();
  }
};

// Types 16, 17 and 20, and packed quicklist nodes.
Status ReadListpackBlob(uint8_t type, std::span<const uint8_t> blob, uint64_t at,
                        RdbVisitor& visitor) {
  const bool pairs = type == kTypeHashListpack || type == kTypeZsetListpack;
  const bool members = type != kTypeListQuicklist2;
  t_members.clear();
  MemberScan scan{type, pairs, at};
  ListpackEntryCheck check = nullptr;
  if (members) {
    check = [&scan](const ListpackEntry& e, size_t offset) {
      return scan.Take(e.is_int, e.num, e.is_int ? std::string_view() : e.sv(), offset);
    };
  }
  size_t count = 0;
  Status s = ValidateListpack(blob, /*deep=*/true, check, &count);
  if (!s.ok()) return BlobFault(type, s, at);
  if (pairs) KEEL_RETURN_IF_ERROR(CheckEvenCount(type, count, at));
  if (members) {
    KEEL_RETURN_IF_ERROR(
        CheckNoDuplicates(type, type == kTypeHashListpack ? "field" : "member", at));
    KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(pairs ? count / 2 : count));
  }
  if (count == 0) return Status::Ok();  // an empty node or key: Redis skips it

  RdbBlob kind = type == kTypeHashListpack   ? RdbBlob::kHashListpack
                 : type == kTypeZsetListpack ? RdbBlob::kZsetListpack
                 : type == kTypeSetListpack  ? RdbBlob::kSetListpack
                                             : RdbBlob::kListNode;
  KEEL_ASSIGN_OR_RETURN(bool taken, visitor.OnBlob(kind, blob));
  if (taken) return Status::Ok();

  // Validated: walk without checks.
  const uint8_t* p = blob.data() + kListpackHeaderSize;
  IntText a, b;
  while (*p != kListpackEof) {
    ListpackEntry e = DecodeListpackEntryUnsafe(p);
    p += e.entry_size;
    if (!pairs) {
      KEEL_RETURN_IF_ERROR(visitor.OnElement(LpView(e, a)));
      continue;
    }
    ListpackEntry v = DecodeListpackEntryUnsafe(p);
    p += v.entry_size;
    if (type == kTypeHashListpack) {
      KEEL_RETURN_IF_ERROR(visitor.OnPair(LpView(e, a), LpView(v, b)));
    } else {
      double score = static_cast<double>(v.num);
      if (!v.is_int) ParseScoreText(v.sv(), &score);
      KEEL_RETURN_IF_ERROR(visitor.OnScored(LpView(e, a), score));
    }
  }
  return Status::Ok();
}

// Gives a validated ziplist's entries to the visitor as elements, pairs or scored members.
struct ZiplistEmit {
  uint8_t type;
  bool pairs;
  RdbVisitor& visitor;
  size_t index = 0;
  IntText a = {};
  IntText b = {};
  std::string_view first = {};

  Status Next(const ZiplistEntry& e) {
    if (!pairs) return visitor.OnElement(ZlView(e, a));
    if (index++ % 2 == 0) {
      first = ZlView(e, a);
      return Status::Ok();
    }
    if (type == kTypeHashZiplist) return visitor.OnPair(first, ZlView(e, b));
    double score = static_cast<double>(e.num);
    if (!e.is_int) ParseScoreText(e.str, &score);
    return visitor.OnScored(first, score);
  }
};

// Types 10, 12, 13 and type 14's nodes: always given as elements.
Status ReadZiplistBlob(uint8_t type, std::span<const uint8_t> blob, uint64_t at,
                       RdbVisitor& visitor) {
  size_t count = 0;
  Status s = ValidateZiplist(blob, &count);
  if (!s.ok()) return BlobFault(type, s, at);
  const bool pairs = type == kTypeZsetZiplist || type == kTypeHashZiplist;
  if (pairs) {
    KEEL_RETURN_IF_ERROR(CheckEvenCount(type, count, at));
    t_members.clear();
    MemberScan scan{type, pairs, at};
    s = ForEachZiplistEntry(blob, [&scan](const ZiplistEntry& e) {
      return scan.Take(e.is_int, e.num, e.str, e.offset);
    });
    if (!s.ok()) return BlobFault(type, s, at);
    KEEL_RETURN_IF_ERROR(
        CheckNoDuplicates(type, type == kTypeHashZiplist ? "field" : "member", at));
  }
  if (type != kTypeListQuicklist) {
    KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(pairs ? count / 2 : count));
  }
  if (count == 0) return Status::Ok();

  ZiplistEmit emit{type, pairs, visitor};
  return ForEachZiplistEntry(blob, [&emit](const ZiplistEntry& e) { return emit.Next(e); });
}

Status ReadZipmapBlob(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor) {
  size_t count = 0;
  Status s = ValidateZipmap(blob, &count);
  if (!s.ok()) return BlobFault(kTypeHashZipmap, s, at);
  std::vector<Member>& collected = t_members;
  collected.clear();
  s = ForEachZipmapPair(blob, [&](const ZipmapPair& p) -> Status {
    collected.push_back(StrMember(p.field));
    return Status::Ok();
  });
  if (!s.ok()) return BlobFault(kTypeHashZipmap, s, at);
  KEEL_RETURN_IF_ERROR(CheckNoDuplicates(kTypeHashZipmap, "field", at));
  KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(count));
  return ForEachZipmapPair(
      blob, [&](const ZipmapPair& p) -> Status { return visitor.OnPair(p.field, p.value); });
}

Status ReadIntsetBlob(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor) {
  // Deep: sorted and unique, so no duplicate check is needed.
  Status s = ValidateIntset(blob, /*deep=*/true);
  if (!s.ok()) return BlobFault(kTypeSetIntset, s, at);
  const uint32_t enc = IntsetEncoding(blob.data());
  const uint32_t n = IntsetLength(blob.data());
  KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(n));
  KEEL_ASSIGN_OR_RETURN(bool taken, visitor.OnBlob(RdbBlob::kIntset, blob));
  if (taken) return Status::Ok();
  IntText text;
  const uint8_t* contents = blob.data() + kIntsetHeaderSize;
  for (uint32_t i = 0; i < n; ++i) {
    KEEL_RETURN_IF_ERROR(visitor.OnElement(text.Render(IntsetGetEncoded(contents, i, enc))));
  }
  return Status::Ok();
}

}  // namespace

void ReleaseBlobScratch() {
  if (t_members.capacity() > 4096) std::vector<Member>().swap(t_members);
}

bool ParseScoreText(std::string_view text, double* score) {
  // Redis reads these with strtod and no error check; Keel wants the whole text to be a number.
  // from_chars takes what %.17g and Redis's "inf"/"-inf" produce; a leading '+' is allowed too.
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return false;
  auto [ptr, ec] = std::from_chars(begin, end, *score);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    // Overflow or underflow: from_chars leaves the value alone, strtod rounds to +-HUGE_VAL or
    // to zero, as Redis would.
    std::string copy(begin, end);
    *score = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  return ec == std::errc() && ptr == end && !std::isnan(*score);
}

Status ReadBlobValue(uint8_t type, std::span<const uint8_t> blob, uint64_t at,
                     RdbVisitor& visitor) {
  switch (type) {
    case kTypeHashZipmap:
      return ReadZipmapBlob(blob, at, visitor);
    case kTypeSetIntset:
      return ReadIntsetBlob(blob, at, visitor);
    case kTypeListZiplist:
    case kTypeZsetZiplist:
    case kTypeHashZiplist:
      return ReadZiplistBlob(type, blob, at, visitor);
    case kTypeHashListpack:
    case kTypeZsetListpack:
    case kTypeSetListpack:
      return ReadListpackBlob(type, blob, at, visitor);
    default:
      return Status::Internal("ReadBlobValue called for type " + std::to_string(type));
  }
}

Status ReadListpackNode(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor) {
  return ReadListpackBlob(kTypeListQuicklist2, blob, at, visitor);
}

Status ReadZiplistNode(std::span<const uint8_t> blob, uint64_t at, RdbVisitor& visitor) {
  return ReadZiplistBlob(kTypeListQuicklist, blob, at, visitor);
}

}  // namespace keel::formats::rdb
