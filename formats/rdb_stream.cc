// Stream values in RDB files (types 15, 19 and 21): the listpack nodes that hold the entries, the
// stream's metadata and its consumer groups. Every node is validated as Redis's deep sanitizer
// does (streamValidateListpackIntegrity) and more: entry IDs must rise through the whole stream,
// the node's live and deleted counts must match its entries, and the metadata must agree with the
// entries. docs/formats/rdb_streams.md has the grammar and the node layout.
#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/listpack.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"

namespace keel::formats::rdb {

namespace {

constexpr size_t kStreamIdSize = 16;  // streamID: ms and seq, big-endian u64 each

bool Less(const RdbStreamId& a, const RdbStreamId& b) {
  return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
}

std::string IdText(const RdbStreamId& id) {
  return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

RdbStreamId DecodeRawId(const uint8_t* p) {
  RdbStreamId id;
  for (int i = 0; i < 8; ++i) id.ms = id.ms << 8 | p[i];
  for (int i = 8; i < 16; ++i) id.seq = id.seq << 8 | p[i];
  return id;
}

Result<RdbStreamId> ReadRawId(RdbInput& in) {
  uint8_t raw[kStreamIdSize];
  KEEL_RETURN_IF_ERROR(in.ReadExact(raw, sizeof(raw)));
  return DecodeRawId(raw);
}

// Two lengths, as the metadata and group records store IDs.
Result<RdbStreamId> ReadLengthId(RdbInput& in) {
  RdbStreamId id;
  KEEL_ASSIGN_OR_RETURN(id.ms, in.ReadLength());
  KEEL_ASSIGN_OR_RETURN(id.seq, in.ReadLength());
  return id;
}

// An element's text as the visitor sees it: a string points into the listpack, an integer is
// written in decimal into a buffer that the caller keeps alive and unmoved while the views live.
struct Piece {
  const char* str = nullptr;  // nullptr: text_[off, off + len)
  size_t off = 0;
  size_t len = 0;
};

Piece MakePiece(const ListpackEntry& e, std::string* text) {
  if (!e.is_int) return Piece{reinterpret_cast<const char*>(e.str), 0, e.len};
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), e.num);
  (void)ec;
  Piece p{nullptr, text->size(), static_cast<size_t>(end - digits)};
  text->append(digits, end);
  return p;
}

std::string_view View(const Piece& p, const std::string& text) {
  return p.str != nullptr ? std::string_view(p.str, p.len)
                          : std::string_view(text).substr(p.off, p.len);
}

// What the walk of the nodes carries from one node to the next.
struct StreamState {
  bool have_prev = false;
  RdbStreamId prev;   // the highest ID so far (master IDs and entries, deleted ones included)
  uint64_t live = 0;  // entries not flagged deleted
  uint64_t listpacks = 0;
};

// One listpack node, validated before anything in it is emitted. The node's bytes were checked
// element by element (ValidateListpack, deep), so elements are decoded without bounds checks; the
// walk checks the stream structure on top. Faults are reported at the offset of the listpack
// string, with the byte inside the listpack in the message (the string may be LZF-compressed, so
// a file offset inside it does not exist in general).
class NodeWalk {
 public:
  NodeWalk(std::span<const uint8_t> lp, RdbStreamId master, uint64_t at)
      : lp_(lp), master_(master), at_(at) {}

  // Walks the node; with a visitor, emits its live entries (only after a walk without one passed).
  Status Walk(StreamState* state, RdbVisitor* visitor);

 private:
  Status Fail(const std::string& what, size_t lp_offset) const {
    return RdbInput::CorruptAt(
        "stream listpack: " + what + " (listpack byte " + std::to_string(lp_offset) + ")", at_);
  }
  bool AtEnd() const { return lp_[off_] == kListpackEof; }
  Result<ListpackEntry> Next(const char* what) {
    if (AtEnd()) return Fail(std::string("listpack ends before the ") + what, off_);
    elem_ = off_;
    ListpackEntry e = DecodeListpackEntryUnsafe(lp_.data() + off_);
    off_ += e.entry_size;
    return e;
  }
  // lpGetIntegerIfValid: an integer element, or a string that is an integer's canonical text.
  Result<int64_t> NextInt(const char* what) {
    KEEL_ASSIGN_OR_RETURN(ListpackEntry e, Next(what));
    if (e.is_int) return e.num;
    int64_t v;
    if (!ListpackStringToInt64(e.sv(), &v)) {
      return Fail(std::string(what) + " is not an integer", elem_);
    }
    return v;
  }
  Result<int64_t> NextCount(const char* what) {
    KEEL_ASSIGN_OR_RETURN(int64_t v, NextInt(what));
    if (v < 0) return Fail(std::string(what) + " is negative (" + std::to_string(v) + ")", elem_);
    return v;
  }

  std::span<const uint8_t> lp_;
  RdbStreamId master_;
  uint64_t at_;
  size_t off_ = kListpackHeaderSize;
  size_t elem_ = 0;  // offset of the element Next returned last
};

Status NodeWalk::Walk(StreamState* state, RdbVisitor* visitor) {
  off_ = kListpackHeaderSize;
  if (AtEnd()) return Fail("empty listpack inside stream", off_);
  if (state->have_prev && !Less(state->prev, master_)) {
    return Fail(
        "master ID " + IdText(master_) + " is not above the previous ID " + IdText(state->prev),
        off_);
  }
  state->have_prev = true;
  state->prev = master_;

  // Master entry: count, deleted, number of fields, the fields, 0.
  KEEL_ASSIGN_OR_RETURN(const int64_t count, NextCount("master entry count"));
  KEEL_ASSIGN_OR_RETURN(const int64_t deleted, NextCount("master deleted count"));
  KEEL_ASSIGN_OR_RETURN(const int64_t master_fields, NextCount("master field count"));
  std::string text;  // decimal text of integer fields and values, master fields first
  std::vector<Piece> master;
  for (int64_t i = 0; i < master_fields; ++i) {
    KEEL_ASSIGN_OR_RETURN(ListpackEntry e, Next("master fields"));
    if (visitor != nullptr) master.push_back(MakePiece(e, &text));
  }
  KEEL_ASSIGN_OR_RETURN(const int64_t zero, NextInt("master entry terminator"));
  if (zero != 0) {
    return Fail("master entry terminator is " + std::to_string(zero) + ", not 0", elem_);
  }
  const size_t master_text = text.size();

  // Entries: flags, ms and seq deltas, [field count, fields] values, lp-count.
  const uint64_t total = static_cast<uint64_t>(count) + static_cast<uint64_t>(deleted);
  uint64_t live = 0;
  std::vector<Piece> pieces;
  std::vector<std::string_view> views;
  for (uint64_t i = 0; i < total; ++i) {
    KEEL_ASSIGN_OR_RETURN(const int64_t flags, NextInt("entry flags"));
    const size_t entry_at = elem_;
    if (flags < 0 || flags > (kStreamItemDeleted | kStreamItemSameFields)) {
      return Fail("unknown entry flags " + std::to_string(flags), entry_at);
    }
    KEEL_ASSIGN_OR_RETURN(const int64_t ms_delta, NextInt("entry ms delta"));
    KEEL_ASSIGN_OR_RETURN(const int64_t seq_delta, NextInt("entry seq delta"));
    // Redis stores id - master as an int64 and adds it back modulo 2^64 (streamIteratorGetID).
    const RdbStreamId id{master_.ms + static_cast<uint64_t>(ms_delta),
                         master_.seq + static_cast<uint64_t>(seq_delta)};
    if (Less(id, master_)) {
      return Fail("entry ID " + IdText(id) + " is below the master ID " + IdText(master_),
                  entry_at);
    }
    if (i > 0 && !Less(state->prev, id)) {
      return Fail("entry ID " + IdText(id) + " is not above the previous " + IdText(state->prev),
                  entry_at);
    }
    state->prev = id;
    const bool same = (flags & kStreamItemSameFields) != 0;
    const bool emit = visitor != nullptr && (flags & kStreamItemDeleted) == 0;
    if (emit) {
      text.resize(master_text);
      pieces.clear();
    }
    // Emitted as field, value, field, value...: an entry of its own fields stores them that way;
    // a SAMEFIELDS entry stores the values only, and the fields come from the master entry.
    uint64_t fields = static_cast<uint64_t>(master_fields);
    if (!same) {
      KEEL_ASSIGN_OR_RETURN(const int64_t n, NextCount("entry field count"));
      fields = static_cast<uint64_t>(n);
    }
    for (uint64_t j = 0; j < fields; ++j) {
      if (same) {
        if (emit) pieces.push_back(master[j]);
      } else {
        KEEL_ASSIGN_OR_RETURN(ListpackEntry f, Next("entry fields"));
        if (emit) pieces.push_back(MakePiece(f, &text));
      }
      KEEL_ASSIGN_OR_RETURN(ListpackEntry v, Next("entry values"));
      if (emit) pieces.push_back(MakePiece(v, &text));
    }
    // fields is bounded by the elements just read, so these sums cannot overflow.
    const uint64_t expected = same ? fields + 3 : 2 * fields + 4;
    KEEL_ASSIGN_OR_RETURN(const int64_t lp_count, NextInt("entry lp-count"));
    if (lp_count < 0 || static_cast<uint64_t>(lp_count) != expected) {
      return Fail("entry lp-count " + std::to_string(lp_count) + " does not match its " +
                      std::to_string(expected) + " elements",
                  elem_);
    }
    if ((flags & kStreamItemDeleted) == 0) ++live;
    if (emit) {
      views.clear();
      for (const Piece& p : pieces) views.push_back(View(p, text));
      KEEL_RETURN_IF_ERROR(visitor->OnStreamEntry(id, views));
    }
  }
  if (!AtEnd()) return Fail("elements after the last entry", off_);
  // With the total fixed by count + deleted, a right live count makes the deleted one right too.
  if (live != static_cast<uint64_t>(count)) {
    return Fail("master entry counts " + std::to_string(count) + " live entries but the node has " +
                    std::to_string(live),
                kListpackHeaderSize);
  }
  state->live += live;
  return Status::Ok();
}

// <master ID string> <listpack string>, then the node's entries to the visitor.
Status ReadNode(RdbInput& in, StreamState* state, std::string* key, std::string* lp,
                RdbVisitor& visitor) {
  const uint64_t key_at = in.offset();
  KEEL_RETURN_IF_ERROR(in.ReadString(key));
  if (key->size() != kStreamIdSize) {
    return RdbInput::CorruptAt(
        "stream node key is " + std::to_string(key->size()) + " bytes, not a 16-byte stream ID",
        key_at);
  }
  const RdbStreamId master = DecodeRawId(reinterpret_cast<const uint8_t*>(key->data()));
  const uint64_t lp_at = in.offset();
  KEEL_RETURN_IF_ERROR(in.ReadString(lp));
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(lp->data()), lp->size());
  Status valid = ValidateListpack(bytes, /*deep=*/true);
  if (!valid.ok()) {
    return RdbInput::CorruptAt("stream listpack: " + std::string(valid.message()) +
                                   " (listpack byte " + std::to_string(valid.offset()) + ")",
                               lp_at);
  }
  NodeWalk walk(bytes, master, lp_at);
  StreamState before = *state;
  KEEL_RETURN_IF_ERROR(walk.Walk(state, nullptr));
  *state = before;
  KEEL_RETURN_IF_ERROR(walk.Walk(state, &visitor));
  ++state->listpacks;
  return Status::Ok();
}

struct PelIndex {
  RdbStreamId id;
  uint64_t offset;  // of the record in the file
  size_t index;     // in group.pending
};

// A consumer group: name, last ID, [entries_read], the global PEL, the consumers with their PELs.
// Checks what Redis's loader checks (duplicate PEL entries, consumer entries missing from the
// group's PEL, duplicate consumers, with deep sanitization a PEL entry nobody owns) and refuses an
// entry owned by two consumers, which Redis would load into an inconsistent group.
Status ReadGroup(RdbInput& in, int version, std::set<std::string>* group_names,
                 RdbVisitor& visitor) {
  RdbStreamGroup group;
  const uint64_t name_at = in.offset();
  KEEL_RETURN_IF_ERROR(in.ReadString(&group.name));
  if (!group_names->insert(group.name).second) {
    return RdbInput::CorruptAt("duplicate consumer group '" + group.name + "'", name_at);
  }
  KEEL_ASSIGN_OR_RETURN(group.last_id, ReadLengthId(in));
  if (version >= 2) {
    // Redis saves the invalid marker -1 as the 64-bit length 2^64 - 1.
    KEEL_ASSIGN_OR_RETURN(uint64_t entries_read, in.ReadLength());
    group.entries_read = static_cast<int64_t>(entries_read);
  }

  KEEL_ASSIGN_OR_RETURN(const uint64_t pel_size, in.ReadLength());
  std::vector<PelIndex> index;
  for (uint64_t i = 0; i < pel_size; ++i) {
    const uint64_t at = in.offset();
    RdbStreamPending p;
    KEEL_ASSIGN_OR_RETURN(p.id, ReadRawId(in));
    KEEL_ASSIGN_OR_RETURN(p.delivery_time_ms, in.ReadMillis());
    KEEL_ASSIGN_OR_RETURN(p.delivery_count, in.ReadLength());
    index.push_back({p.id, at, group.pending.size()});
    group.pending.push_back(p);
  }
  // Redis writes the PEL in ID order but loads any order, so duplicates are found by sorting.
  std::sort(index.begin(), index.end(), [](const PelIndex& a, const PelIndex& b) {
    return Less(a.id, b.id) || (a.id == b.id && a.offset < b.offset);
  });
  for (size_t i = 1; i < index.size(); ++i) {
    if (index[i].id == index[i - 1].id) {
      return RdbInput::CorruptAt(
          "duplicate PEL entry " + IdText(index[i].id) + " in group '" + group.name + "'",
          index[i].offset);
    }
  }
  std::vector<int64_t> owner(index.size(), -1);  // consumer that claimed each sorted PEL entry

  KEEL_ASSIGN_OR_RETURN(const uint64_t consumers, in.ReadLength());
  std::set<std::string> consumer_names;
  for (uint64_t c = 0; c < consumers; ++c) {
    RdbStreamConsumer consumer;
    const uint64_t cname_at = in.offset();
    KEEL_RETURN_IF_ERROR(in.ReadString(&consumer.name));
    if (!consumer_names.insert(consumer.name).second) {
      return RdbInput::CorruptAt(
          "duplicate consumer '" + consumer.name + "' in group '" + group.name + "'", cname_at);
    }
    KEEL_ASSIGN_OR_RETURN(consumer.seen_time_ms, in.ReadMillis());
    if (version >= 3) {
      KEEL_ASSIGN_OR_RETURN(consumer.active_time_ms, in.ReadMillis());
    }
    KEEL_ASSIGN_OR_RETURN(const uint64_t n, in.ReadLength());
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t at = in.offset();
      KEEL_ASSIGN_OR_RETURN(RdbStreamId id, ReadRawId(in));
      auto it =
          std::lower_bound(index.begin(), index.end(), id,
                           [](const PelIndex& a, const RdbStreamId& b) { return Less(a.id, b); });
      if (it == index.end() || !(it->id == id)) {
        return RdbInput::CorruptAt("consumer '" + consumer.name + "' has PEL entry " + IdText(id) +
                                       " that is not in the PEL of group '" + group.name + "'",
                                   at);
      }
      int64_t& who = owner[static_cast<size_t>(it - index.begin())];
      if (who == static_cast<int64_t>(c)) {
        return RdbInput::CorruptAt(
            "duplicate PEL entry " + IdText(id) + " of consumer '" + consumer.name + "'", at);
      }
      if (who >= 0) {
        return RdbInput::CorruptAt("PEL entry " + IdText(id) + " of consumer '" + consumer.name +
                                       "' already belongs to consumer '" +
                                       group.consumers[static_cast<size_t>(who)].name + "'",
                                   at);
      }
      who = static_cast<int64_t>(c);
      consumer.pending.push_back(id);
    }
    group.consumers.push_back(std::move(consumer));
  }
  for (size_t i = 0; i < index.size(); ++i) {
    if (owner[i] < 0) {
      return RdbInput::CorruptAt(
          "PEL entry " + IdText(index[i].id) + " of group '" + group.name + "' has no consumer",
          index[i].offset);
    }
  }
  return visitor.OnStreamGroup(group);
}

}  // namespace

Status ReadStreamValue(RdbInput& in, uint8_t type, RdbVisitor& visitor) {
  int version;
  switch (type) {
    case kTypeStreamListpacks:
      version = 1;
      break;
    case kTypeStreamListpacks2:
      version = 2;
      break;
    case kTypeStreamListpacks3:
      version = 3;
      break;
    default:
      return Status::Internal("ReadStreamValue called for type " + std::to_string(type));
  }

  KEEL_ASSIGN_OR_RETURN(const uint64_t listpacks, in.ReadLength());
  StreamState state;
  std::string key;
  std::string lp;
  for (uint64_t i = 0; i < listpacks; ++i) {
    KEEL_RETURN_IF_ERROR(ReadNode(in, &state, &key, &lp, visitor));
  }

  const uint64_t meta_at = in.offset();
  RdbStreamMeta meta;
  meta.listpacks = state.listpacks;
  KEEL_ASSIGN_OR_RETURN(meta.length, in.ReadLength());
  KEEL_ASSIGN_OR_RETURN(meta.last_id, ReadLengthId(in));
  if (version >= 2) {
    KEEL_ASSIGN_OR_RETURN(meta.first_id, ReadLengthId(in));
    KEEL_ASSIGN_OR_RETURN(meta.max_deleted_id, ReadLengthId(in));
    KEEL_ASSIGN_OR_RETURN(meta.entries_added, in.ReadLength());
  } else {
    meta.entries_added = meta.length;
  }
  // Redis's loader takes these as stored; a stream whose length or last ID disagrees with its
  // entries would break XLEN, XADD's ID check and consumer group lag, so they are checked against
  // what was read.
  if (meta.length != state.live) {
    return RdbInput::CorruptAt("stream length " + std::to_string(meta.length) + " but " +
                                   std::to_string(state.live) + " entries",
                               meta_at);
  }
  if (state.have_prev && Less(meta.last_id, state.prev)) {
    return RdbInput::CorruptAt(
        "stream last ID " + IdText(meta.last_id) + " is below entry " + IdText(state.prev),
        meta_at);
  }
  if (Less(meta.last_id, meta.max_deleted_id)) {
    return RdbInput::CorruptAt("stream max deleted ID " + IdText(meta.max_deleted_id) +
                                   " is above the last ID " + IdText(meta.last_id),
                               meta_at);
  }
  if (meta.entries_added < meta.length) {
    return RdbInput::CorruptAt("stream entries_added " + std::to_string(meta.entries_added) +
                                   " is below its length " + std::to_string(meta.length),
                               meta_at);
  }
  KEEL_RETURN_IF_ERROR(visitor.OnStreamMeta(meta));

  KEEL_ASSIGN_OR_RETURN(const uint64_t groups, in.ReadLength());
  std::set<std::string> group_names;
  for (uint64_t i = 0; i < groups; ++i) {
    KEEL_RETURN_IF_ERROR(ReadGroup(in, version, &group_names, visitor));
  }
  return Status::Ok();
}

}  // namespace keel::formats::rdb
