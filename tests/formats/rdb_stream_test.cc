// Tests for the stream part of the RDB reader. Streams come from a real redis-server
// 7.0.15 (tests/testdata/rdb/stream/, made by make_streams.py there; the expected values below are
// what XINFO STREAM FULL served for them, in xinfo.txt). Versions 1 and 3, which Redis 7.0 cannot
// write, are re-encoded from the real version 2 values; corrupt values are built by hand, one per
// validation rule. Module values are tested in rdb_module_test.cc.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/listpack.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"
#include "formats/rdb_reader.h"
#include "tests/formats/test_bytes.h"
#include "tests/support/testdata.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::CheckCorruptionAt;

// --- Reading the test data ---------------------------------------------------------------------

std::string DataPath(const std::string& name) {
  return keel::testing::TestDataPath("rdb/stream/" + name);
}

std::string ReadFile(const std::string& name) {
  std::ifstream f(DataPath(name), std::ios::binary);
  INFO(DataPath(name));
  REQUIRE(f.good());
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// A DUMP payload without its footer (2-byte version, 8-byte CRC64): the type byte and value.
std::string DumpValue(const std::string& name) {
  const std::string payload = ReadFile(name);
  REQUIRE(payload.size() > 10);
  CHECK(uint8_t(payload[payload.size() - 10]) == rdb::kVersion);  // written by Redis 7.0
  return payload.substr(0, payload.size() - 10);
}

// --- Recording what the reader reports ---------------------------------------------------------

struct Entry {
  RdbStreamId id;
  std::vector<std::string> fields;  // field, value, field, value...
  bool operator==(const Entry&) const = default;
};

struct Recorder : RdbVisitor {
  std::string order;  // one letter per event: e(ntry), m(eta), g(roup)
  Status entry_answer;
  std::vector<Entry> entries;
  std::vector<RdbStreamMeta> metas;
  std::vector<RdbStreamGroup> groups;

  Status OnStreamEntry(const RdbStreamId& id, std::span<const std::string_view> fields) override {
    Entry e{id, {}};
    for (std::string_view f : fields) e.fields.emplace_back(f);
    entries.push_back(std::move(e));
    order += 'e';
    return entry_answer;
  }
  Status OnStreamMeta(const RdbStreamMeta& meta) override {
    metas.push_back(meta);
    order += 'm';
    return Status::Ok();
  }
  Status OnStreamGroup(const RdbStreamGroup& group) override {
    groups.push_back(group);
    order += 'g';
    return Status::Ok();
  }
};

// Decodes `value` (type byte first) with ReadStreamValue; on success all of it
// must have been consumed, unless `whole` is false.
Status Decode(std::string_view value, Recorder* rec, bool whole = true) {
  REQUIRE(!value.empty());
  SpanSource src(value.substr(1));
  rdb::RdbInput in(src);
  const uint8_t type = uint8_t(value[0]);
  Status s = rdb::ReadStreamValue(in, type, *rec);
  if (s.ok() && whole) {
    auto end = in.AtEnd();
    REQUIRE(end.has_value());
    CHECK(*end);
  }
  return s;
}

Recorder MustDecode(std::string_view value) {
  Recorder rec;
  Status s = Decode(value, &rec);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return rec;
}

RdbStreamId Id(uint64_t ms, uint64_t seq) { return RdbStreamId{ms, seq}; }

// --- Writing stream values (versions 1 to 3) ---------------------------------------------------

// The bytes after the type byte, as rdbSaveObject writes them, remembering where each record
// starts (offsets count from the byte after the type, as the reader's do).
class ValueWriter {
 public:
  void Len(uint64_t v) {
    if (v < 64) {
      out_.push_back(char(v));
    } else if (v < 16384) {
      out_.push_back(char(0x40 | (v >> 8)));
      out_.push_back(char(v & 0xff));
    } else if (v <= UINT32_MAX) {
      out_.push_back(char(rdb::kLen32Bit));
      for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(char((v >> shift) & 0xff));
    } else {
      out_.push_back(char(rdb::kLen64Bit));
      for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(char((v >> shift) & 0xff));
    }
  }
  void Str(std::string_view s) {
    Len(s.size());
    out_.append(s);
  }
  void Raw(std::string_view s) { out_.append(s); }
  void Millis(int64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(char((uint64_t(v) >> (8 * i)) & 0xff));
  }
  void RawId(const RdbStreamId& id) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(char((id.ms >> shift) & 0xff));
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(char((id.seq >> shift) & 0xff));
  }
  uint64_t pos() const { return out_.size(); }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

std::string RawKey(const RdbStreamId& id) {
  ValueWriter w;
  w.RawId(id);
  return w.bytes();
}

struct TestNode {
  std::string key;  // the master ID string, normally 16 bytes
  std::string lp;
};

struct TestStream {
  std::vector<TestNode> nodes;
  RdbStreamMeta meta;
  std::vector<RdbStreamGroup> groups;
};

struct Offsets {
  std::vector<uint64_t> key, lp;
  uint64_t meta = 0;
  std::vector<uint64_t> group;                  // of each group's name
  std::vector<std::vector<uint64_t>> pel;       // of each global PEL record
  std::vector<std::vector<uint64_t>> consumer;  // of each consumer's name
  std::vector<std::vector<std::vector<uint64_t>>> consumer_pel;
};

uint8_t StreamType(int version) {
  return version == 1   ? rdb::kTypeStreamListpacks
         : version == 2 ? rdb::kTypeStreamListpacks2
                        : rdb::kTypeStreamListpacks3;
}

// Type byte and value of `s` in the given stream version.
std::string Encode(const TestStream& s, int version, Offsets* off = nullptr) {
  Offsets o;
  ValueWriter w;
  w.Len(s.nodes.size());
  for (const TestNode& n : s.nodes) {
    o.key.push_back(w.pos());
    w.Str(n.key);
    o.lp.push_back(w.pos());
    w.Str(n.lp);
  }
  o.meta = w.pos();
  w.Len(s.meta.length);
  w.Len(s.meta.last_id.ms);
  w.Len(s.meta.last_id.seq);
  if (version >= 2) {
    w.Len(s.meta.first_id.ms);
    w.Len(s.meta.first_id.seq);
    w.Len(s.meta.max_deleted_id.ms);
    w.Len(s.meta.max_deleted_id.seq);
    w.Len(s.meta.entries_added);
  }
  w.Len(s.groups.size());
  for (const RdbStreamGroup& g : s.groups) {
    o.group.push_back(w.pos());
    w.Str(g.name);
    w.Len(g.last_id.ms);
    w.Len(g.last_id.seq);
    if (version >= 2) w.Len(uint64_t(g.entries_read));
    w.Len(g.pending.size());
    o.pel.emplace_back();
    for (const RdbStreamPending& p : g.pending) {
      o.pel.back().push_back(w.pos());
      w.RawId(p.id);
      w.Millis(p.delivery_time_ms);
      w.Len(p.delivery_count);
    }
    w.Len(g.consumers.size());
    o.consumer.emplace_back();
    o.consumer_pel.emplace_back();
    for (const RdbStreamConsumer& c : g.consumers) {
      o.consumer.back().push_back(w.pos());
      w.Str(c.name);
      w.Millis(c.seen_time_ms);
      if (version >= 3) w.Millis(c.active_time_ms);
      w.Len(c.pending.size());
      o.consumer_pel.back().emplace_back();
      for (const RdbStreamId& id : c.pending) {
        o.consumer_pel.back().back().push_back(w.pos());
        w.RawId(id);
      }
    }
  }
  if (off != nullptr) *off = o;
  return std::string(1, char(StreamType(version))) + w.bytes();
}

// A real value taken apart: its nodes as stored (LZF strings decoded), metadata and groups as the
// reader reports them.
TestStream TakeApart(const std::string& value) {
  TestStream s;
  SpanSource src(std::string_view(value).substr(1));
  rdb::RdbInput in(src);
  auto n = in.ReadLength();
  REQUIRE(n.has_value());
  for (uint64_t i = 0; i < *n; ++i) {
    TestNode node;
    REQUIRE(in.ReadString(&node.key).ok());
    REQUIRE(in.ReadString(&node.lp).ok());
    s.nodes.push_back(node);
  }
  Recorder rec = MustDecode(value);
  REQUIRE(rec.metas.size() == 1);
  s.meta = rec.metas[0];
  s.groups = rec.groups;
  return s;
}

// --- Building listpack nodes -------------------------------------------------------------------

struct El {
  bool is_int = false;
  int64_t n = 0;
  std::string s;
};
El I(int64_t n) { return El{true, n, {}}; }
El S(std::string s) { return El{false, 0, std::move(s)}; }

struct EntryDef {
  RdbStreamId id;
  std::vector<std::string> fv;  // field, value, ...
  bool deleted = false;
};

// The elements of a node as streamAppendItem lays them out: the first entry's fields become the
// master fields, and entries with exactly those fields are SAMEFIELDS entries.
std::vector<El> NodeElements(const RdbStreamId& master, const std::vector<EntryDef>& entries) {
  std::vector<std::string> mf;
  for (size_t i = 0; i < entries[0].fv.size(); i += 2) mf.push_back(entries[0].fv[i]);
  int64_t live = 0;
  for (const EntryDef& e : entries) live += e.deleted ? 0 : 1;
  std::vector<El> els = {I(live), I(int64_t(entries.size()) - live), I(int64_t(mf.size()))};
  for (const std::string& f : mf) els.push_back(S(f));
  els.push_back(I(0));
  for (const EntryDef& e : entries) {
    std::vector<std::string> fields;
    for (size_t i = 0; i < e.fv.size(); i += 2) fields.push_back(e.fv[i]);
    const bool same = fields == mf;
    els.push_back(
        I((same ? rdb::kStreamItemSameFields : 0) | (e.deleted ? rdb::kStreamItemDeleted : 0)));
    els.push_back(I(int64_t(e.id.ms - master.ms)));
    els.push_back(I(int64_t(e.id.seq - master.seq)));
    if (same) {
      for (size_t i = 1; i < e.fv.size(); i += 2) els.push_back(S(e.fv[i]));
      els.push_back(I(int64_t(fields.size()) + 3));
    } else {
      els.push_back(I(int64_t(fields.size())));
      for (const std::string& x : e.fv) els.push_back(S(x));
      els.push_back(I(int64_t(fields.size()) * 2 + 4));
    }
  }
  return els;
}

std::string Listpack(const std::vector<El>& els) {
  ListpackBuilder b;
  for (const El& e : els) {
    if (e.is_int) {
      b.AddInt(e.n);
    } else {
      b.Add(e.s);
    }
  }
  return b.Finish();
}

// Two nodes, a deleted entry, SAMEFIELDS and own-field entries, a group whose PEL is split
// between two consumers and a third consumer with none, and a group with nothing pending.
struct Synthetic {
  RdbStreamId master_a = Id(10, 0), master_b = Id(20, 0);
  std::vector<EntryDef> a = {{Id(10, 0), {"a", "1", "b", "2"}},
                             {Id(10, 1), {"a", "3", "b", "4"}},
                             {Id(11, 0), {"c", "x"}, true}};
  std::vector<EntryDef> b = {{Id(20, 0), {"a", "5"}}, {Id(20, 5), {"a", "6"}}};
  std::vector<El> els_a = NodeElements(master_a, a);
  std::vector<El> els_b = NodeElements(master_b, b);
  TestStream s;

  Synthetic() {
    s.meta.length = 4;
    s.meta.last_id = Id(20, 5);
    s.meta.first_id = Id(10, 0);
    s.meta.max_deleted_id = Id(11, 0);
    s.meta.entries_added = 5;
    RdbStreamGroup g1;
    g1.name = "g1";
    g1.last_id = Id(20, 0);
    g1.entries_read = 3;
    g1.pending = {{Id(10, 0), 1000, 1}, {Id(10, 1), 1001, 2}, {Id(20, 0), 1002, 1}};
    g1.consumers = {{"c1", 1000, -1, {Id(10, 0), Id(20, 0)}},
                    {"c2", 1001, -1, {Id(10, 1)}},
                    {"c3", 999, -1, {}}};
    RdbStreamGroup g2;
    g2.name = "g2";
    g2.entries_read = 0;
    s.groups = {g1, g2};
  }
  // The value with the nodes rebuilt from els_a and els_b.
  std::string Value(int version = 2, Offsets* off = nullptr) {
    s.nodes = {{RawKey(master_a), Listpack(els_a)}, {RawKey(master_b), Listpack(els_b)}};
    return Encode(s, version, off);
  }
};

// `value` is refused with Corruption at `offset` (counted after the type byte).
void CheckRefused(const std::string& value, uint64_t offset, std::string_view words) {
  Recorder rec;
  CheckCorruptionAt(Decode(value, &rec), offset, words);
}

// --- Streams from redis-server ------------------------------------------------------------------

TEST_CASE("SAMEFIELDS and own-field entries, integer fields and values, a deleted entry",
          "[rdb-stream]") {
  const std::string value = DumpValue("s_fields.dump");
  CHECK(uint8_t(value[0]) == rdb::kTypeStreamListpacks2);
  CHECK(uint8_t(value[19]) == 0xC3);  // the listpack string is LZF-compressed
  Recorder rec = MustDecode(value);
  const std::vector<Entry> want = {
      {Id(1, 1), {"a", "1", "b", "2"}},
      {Id(1, 3), {"c", "x"}},
      {Id(1, 4), {"a", "5", "b", "6", "extra", "7"}},
      {Id(2, 0), {"a", "", "b", "text value"}},
      {Id(2, 5), {"num", "-42", "big", "9223372036854775807"}},
      {Id(3, 0), {"100", "200"}},
  };
  CHECK(rec.entries == want);
  REQUIRE(rec.metas.size() == 1);
  const RdbStreamMeta& m = rec.metas[0];
  CHECK(m.length == 6);
  CHECK(m.last_id == Id(3, 0));
  CHECK(m.first_id == Id(1, 1));
  CHECK(m.max_deleted_id == Id(1, 2));
  CHECK(m.entries_added == 7);
  CHECK(m.listpacks == 1);
  CHECK(rec.groups.empty());
  CHECK(rec.order == "eeeeeem");
}

TEST_CASE("negative seq delta and an ms delta above INT64_MAX", "[rdb-stream]") {
  Recorder rec = MustDecode(DumpValue("s_ids.dump"));
  const std::vector<Entry> want = {
      {Id(5, 100), {"f", "v"}},
      {Id(6, 0), {"f", "w"}},
      {Id(1000000000000, 7), {"f", "x"}},
      {Id(UINT64_MAX, 0), {"f", "y"}},
  };
  CHECK(rec.entries == want);
  REQUIRE(rec.metas.size() == 1);
  CHECK(rec.metas[0].last_id == Id(UINT64_MAX, 0));
  CHECK(rec.metas[0].first_id == Id(5, 100));
  CHECK(rec.metas[0].entries_added == 4);
}

TEST_CASE("a stream whose entries were all deleted keeps no node but its IDs", "[rdb-stream]") {
  Recorder rec = MustDecode(DumpValue("s_empty.dump"));
  CHECK(rec.entries.empty());
  REQUIRE(rec.metas.size() == 1);
  const RdbStreamMeta& m = rec.metas[0];
  CHECK(m.listpacks == 0);
  CHECK(m.length == 0);
  CHECK(m.last_id == Id(1, 2));
  CHECK(m.first_id == Id(0, 0));
  CHECK(m.max_deleted_id == Id(1, 2));
  CHECK(m.entries_added == 2);
}

TEST_CASE("a group made with MKSTREAM on a stream that never had entries", "[rdb-stream]") {
  Recorder rec = MustDecode(DumpValue("s_mkstream.dump"));
  CHECK(rec.order == "mg");
  REQUIRE(rec.groups.size() == 1);
  const RdbStreamGroup& g = rec.groups[0];
  CHECK(g.name == "g");
  CHECK(g.last_id == Id(0, 0));
  CHECK(g.entries_read == -1);  // XINFO: entries-read (nil); saved as the 64-bit length 2^64-1
  CHECK(g.pending.empty());
  CHECK(g.consumers.empty());
}

// What XINFO STREAM s:many FULL served (xinfo.txt).
std::vector<Entry> ManyEntries() {
  std::vector<Entry> out;
  for (int i = 8; i < 45; ++i) {
    if (i == 20 || i == 21 || i == 33) continue;  // XDEL
    const std::string n = std::to_string(i);
    if (i % 7 != 0) {
      out.push_back({Id(100 + i, 0), {"f", n, "g", "v" + n}});
    } else {
      out.push_back({Id(100 + i, 0), {"f", n, "h", "odd", "i", "-" + n}});
    }
  }
  return out;
}

void CheckManyGroups(const std::vector<RdbStreamGroup>& groups, int version) {
  REQUIRE(groups.size() == 3);
  const int64_t t0 = 1795288849752, t1 = 1795288849765, t2 = 1795288849766, t3 = 1795288849769;
  const RdbStreamGroup& g1 = groups[0];
  CHECK(g1.name == "g1");
  CHECK(g1.last_id == Id(115, 0));
  CHECK(g1.entries_read == -1);
  const std::vector<std::tuple<RdbStreamId, int64_t, uint64_t>> pel = {
      {Id(108, 0), t0, 1}, {Id(110, 0), t1, 2}, {Id(111, 0), t1, 2}, {Id(112, 0), t0, 1},
      {Id(113, 0), t0, 1}, {Id(114, 0), t0, 1}, {Id(115, 0), t0, 1}};
  REQUIRE(g1.pending.size() == pel.size());
  for (size_t i = 0; i < pel.size(); ++i) {
    CHECK(g1.pending[i].id == std::get<0>(pel[i]));
    CHECK(g1.pending[i].delivery_time_ms == std::get<1>(pel[i]));
    CHECK(g1.pending[i].delivery_count == std::get<2>(pel[i]));
  }
  REQUIRE(g1.consumers.size() == 4);
  const std::vector<std::tuple<std::string, int64_t, std::vector<RdbStreamId>>> consumers = {
      {"alice", t0, {Id(108, 0), Id(112, 0)}},
      {"bob", t0, {Id(113, 0), Id(114, 0), Id(115, 0)}},
      {"carol", t1, {Id(110, 0), Id(111, 0)}},
      {"dave", t2, {}}};
  for (size_t i = 0; i < consumers.size(); ++i) {
    CHECK(g1.consumers[i].name == std::get<0>(consumers[i]));
    CHECK(g1.consumers[i].seen_time_ms == std::get<1>(consumers[i]));
    CHECK(g1.consumers[i].pending == std::get<2>(consumers[i]));
    if (version < 3) CHECK(g1.consumers[i].active_time_ms == -1);
  }
  CHECK(groups[1].name == "g2");
  CHECK(groups[1].last_id == Id(144, 0));
  CHECK(groups[1].pending.empty());
  CHECK(groups[1].consumers.empty());
  const RdbStreamGroup& g3 = groups[2];
  CHECK(g3.name == "g3");
  CHECK(g3.last_id == Id(127, 0));
  REQUIRE(g3.pending.size() == 2);
  CHECK(g3.pending[1].id == Id(127, 0));
  CHECK(g3.pending[1].delivery_time_ms == t3);
  REQUIRE(g3.consumers.size() == 1);
  CHECK(g3.consumers[0].name == "zed");
  CHECK(g3.consumers[0].pending == std::vector<RdbStreamId>{Id(126, 0), Id(127, 0)});
}

TEST_CASE("five nodes, exact trimming, deletions, three groups with PELs and a claim",
          "[rdb-stream]") {
  const std::string value = DumpValue("s_many.dump");
  Recorder rec = MustDecode(value);
  CHECK(rec.entries == ManyEntries());
  REQUIRE(rec.metas.size() == 1);
  const RdbStreamMeta& m = rec.metas[0];
  CHECK(m.listpacks == 5);  // XINFO radix-tree-keys
  CHECK(m.length == 34);
  CHECK(m.last_id == Id(144, 0));
  CHECK(m.first_id == Id(108, 0));
  CHECK(m.max_deleted_id == Id(133, 0));
  CHECK(m.entries_added == 45);
  CheckManyGroups(rec.groups, 2);
  CHECK(rec.order == std::string(34, 'e') + "mggg");
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

TEST_CASE("long values: LZF-compressed listpack, 32-bit listpack string", "[rdb-stream]") {
  Recorder lzf = MustDecode(DumpValue("s_lzf.dump"));
  const std::vector<Entry> want = {{Id(7, 1), {"field", std::string(300, 'x')}},
                                   {Id(7, 2), {"field", std::string(300, 'y')}}};
  CHECK(lzf.entries == want);
  Recorder big = MustDecode(DumpValue("s_big.dump"));
  REQUIRE(big.entries.size() == 1);
  CHECK(big.entries[0].id == Id(8, 8));
  REQUIRE(big.entries[0].fields.size() == 2);
  CHECK(big.entries[0].fields[0] == "blob");
  CHECK(big.entries[0].fields[1].size() == 5000);
  CHECK(Fnv1a64(big.entries[0].fields[1]) == 0x5823cb8eadcd9e73ULL);  // xinfo.txt
}

const char* const kDumps[] = {"s_fields.dump", "s_ids.dump", "s_empty.dump", "s_mkstream.dump",
                              "s_many.dump",   "s_lzf.dump", "s_big.dump"};

TEST_CASE("SAVE writes each stream as DUMP does, and it decodes the same from the file",
          "[rdb-stream]") {
  const std::string rdb = ReadFile("dump.rdb");
  for (const char* name : kDumps) {
    INFO(name);
    const std::string value = DumpValue(name);
    std::string key = std::string(name).substr(0, std::string(name).find('.'));
    key[1] = ':';
    const std::string record = value.substr(0, 1) + char(key.size()) + key + value.substr(1);
    const size_t at = rdb.find(record);
    REQUIRE(at != std::string::npos);
    // Decode in place, from a span that runs on to the end of the file.
    SpanSource src(std::string_view(rdb).substr(at + 2 + key.size()));
    rdb::RdbInput in(src);
    Recorder from_file;
    REQUIRE(rdb::ReadStreamValue(in, uint8_t(value[0]), from_file).ok());
    CHECK(in.offset() == value.size() - 1);
    Recorder from_dump = MustDecode(value);
    CHECK(from_file.entries == from_dump.entries);
    CHECK(from_file.order == from_dump.order);
  }
}

struct KeyRecorder : Recorder {
  std::vector<std::string> keys;
  Status BeginKey(const RdbKeyInfo& key) override {
    keys.emplace_back(key.key);
    return Status::Ok();
  }
};

TEST_CASE("ReadRdb and ReadDumpPayload reach the stream decoder", "[rdb-stream]") {
  const std::string rdb = ReadFile("dump.rdb");
  SpanSource src(rdb);
  KeyRecorder file;
  Status s = ReadRdb(src, file);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(file.keys.size() == 7);
  CHECK(file.metas.size() == 7);
  CHECK(file.order.size() == 6 + 4 + 0 + 0 + 34 + 2 + 1 + 7 + 4);  // entries, metas, groups
  const std::string payload = ReadFile("s_many.dump");
  KeyRecorder dump;
  Status d = ReadDumpPayload(Bytes(payload), dump);
  INFO(d.ToString());
  REQUIRE(d.ok());
  CHECK(dump.entries == ManyEntries());
  CheckManyGroups(dump.groups, 2);
}

TEST_CASE("the worked example of docs/formats/rdb_streams.md", "[rdb-stream]") {
  // DUMP ex from redis-server 7.0.15, footer removed (the doc shows how it was made).
  const std::string value = testing::FromHex(
      "130110000000000000000100000000000000012d2d00000012000201000102018161028162020001020100010"
      "001010102010501020100010101030104010501ff0201020101000002010167010101010000000000000001"
      "0000000000000001b903a8ffa101000001010163b903a8ffa10100000100000000000000010000000000000001");
  Recorder rec = MustDecode(value);
  const std::vector<Entry> want = {{Id(1, 1), {"a", "1", "b", "2"}},
                                   {Id(1, 2), {"a", "3", "b", "4"}}};
  CHECK(rec.entries == want);
  CHECK(rec.order == "eemg");
  CHECK(rec.metas[0].entries_added == 2);
  const RdbStreamGroup& g = rec.groups[0];
  CHECK(g.entries_read == 1);
  REQUIRE(g.pending.size() == 1);
  CHECK(g.pending[0].delivery_time_ms == 1795290563513);
  CHECK(g.consumers[0].name == "c");
  CHECK(g.consumers[0].seen_time_ms == 1795290563513);
}

// --- Versions 1 and 3, re-encoded from the real version 2 values --------------------------------

TEST_CASE("re-encoding a real stream as version 2 decodes the same", "[rdb-stream]") {
  for (const char* name : kDumps) {
    INFO(name);
    const std::string value = DumpValue(name);
    const TestStream s = TakeApart(value);
    Recorder original = MustDecode(value);
    Recorder again = MustDecode(Encode(s, 2));
    CHECK(again.entries == original.entries);
    CHECK(again.order == original.order);
  }
}

TEST_CASE("version 1 (type 15): no first, max deleted or entries_added, no entries_read",
          "[rdb-stream]") {
  const TestStream s = TakeApart(DumpValue("s_many.dump"));
  Recorder rec = MustDecode(Encode(s, 1));
  CHECK(rec.entries == ManyEntries());
  REQUIRE(rec.metas.size() == 1);
  CHECK(rec.metas[0].length == 34);
  CHECK(rec.metas[0].last_id == Id(144, 0));
  CHECK(rec.metas[0].first_id == Id(0, 0));
  CHECK(rec.metas[0].max_deleted_id == Id(0, 0));
  CHECK(rec.metas[0].entries_added == 34);  // the length stands in for it
  CheckManyGroups(rec.groups, 1);
  for (const RdbStreamGroup& g : rec.groups) CHECK(g.entries_read == -1);
}

TEST_CASE("version 3 (type 21): consumers carry an active time", "[rdb-stream]") {
  TestStream s = TakeApart(DumpValue("s_many.dump"));
  s.groups[1].entries_read = 7;
  for (RdbStreamGroup& g : s.groups) {
    for (RdbStreamConsumer& c : g.consumers) c.active_time_ms = c.seen_time_ms - 5;
  }
  Recorder rec = MustDecode(Encode(s, 3));
  CHECK(rec.entries == ManyEntries());
  CheckManyGroups(rec.groups, 3);
  CHECK(rec.groups[1].entries_read == 7);
  CHECK(rec.groups[0].consumers[3].active_time_ms == 1795288849766 - 5);
  CHECK(rec.groups[2].consumers[0].active_time_ms == 1795288849769 - 5);
  // The same bytes read as version 2 misplace every field after the first active time.
  Recorder v2;
  std::string as_v2 = Encode(s, 3);
  as_v2[0] = char(rdb::kTypeStreamListpacks2);
  CHECK_FALSE(Decode(as_v2, &v2).ok());
}

// --- Hand-built streams: each validation rule ---------------------------------------------------

TEST_CASE("the hand-built stream is valid in every version", "[rdb-stream]") {
  for (int version = 1; version <= 3; ++version) {
    Synthetic syn;
    Recorder rec = MustDecode(syn.Value(version));
    const std::vector<Entry> want = {{Id(10, 0), {"a", "1", "b", "2"}},
                                     {Id(10, 1), {"a", "3", "b", "4"}},
                                     {Id(20, 0), {"a", "5"}},
                                     {Id(20, 5), {"a", "6"}}};
    CHECK(rec.entries == want);
    CHECK(rec.order == "eeeemgg");
    CHECK(rec.groups[0].consumers[0].pending == std::vector<RdbStreamId>{Id(10, 0), Id(20, 0)});
  }
}

TEST_CASE("node faults are reported at the listpack string's offset", "[rdb-stream]") {
  struct Case {
    const char* what;
    std::function<void(Synthetic&)> damage;
    int node;
    const char* words;
  };
  // Element indexes in node A: 0 count, 1 deleted, 2 master fields, 3-4 "a" "b", 5 terminator,
  // 6-11 entry 10-0 (flags, ms, seq, values 1 2, lp-count), 12-17 entry 10-1, 18 on entry 11-0.
  const std::vector<Case> cases = {
      {"count not an integer", [](Synthetic& y) { y.els_a[0] = S("two"); }, 0,
       "master entry count is not an integer"},
      {"negative count", [](Synthetic& y) { y.els_a[1] = I(-1); }, 0,
       "master deleted count is negative"},
      {"count too high", [](Synthetic& y) { y.els_a[0] = I(3); }, 0,
       "listpack ends before the entry flags"},
      {"count too low", [](Synthetic& y) { y.els_a[0] = I(1); }, 0,
       "elements after the last entry"},
      {"master fields run out", [](Synthetic& y) { y.els_a[2] = I(1000); }, 0,
       "listpack ends before the master fields"},
      {"master terminator", [](Synthetic& y) { y.els_a[5] = I(1); }, 0,
       "master entry terminator is 1"},
      {"unknown flags", [](Synthetic& y) { y.els_a[6] = I(8); }, 0, "unknown entry flags 8"},
      {"lp-count", [](Synthetic& y) { y.els_a[11] = I(6); }, 0,
       "entry lp-count 6 does not match its 5 elements"},
      {"ID below master", [](Synthetic& y) { y.els_a[7] = I(-1); }, 0,
       "entry ID 9-0 is below the master ID 10-0"},
      {"IDs not rising", [](Synthetic& y) { y.els_a[14] = I(0); }, 0,
       "entry ID 10-0 is not above the previous 10-0"},
      {"live count", [](Synthetic& y) { y.els_a[12] = I(3); }, 0,
       "master entry counts 2 live entries but the node has 1"},
      {"field count negative", [](Synthetic& y) { y.els_a[21] = I(-2); }, 0,
       "entry field count is negative"},
      {"second node's master ID", [](Synthetic& y) { y.master_b = Id(11, 0); }, 1,
       "master ID 11-0 is not above the previous ID 11-0"},
      {"entry of node B below node A", [](Synthetic& y) { y.els_b[6] = I(-10); }, 1,
       "below the master ID"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Synthetic syn;
    c.damage(syn);
    Offsets off;
    const std::string value = syn.Value(2, &off);
    Recorder rec;
    Status s = Decode(value, &rec);
    CheckCorruptionAt(s, off.lp[size_t(c.node)], c.words);
    CHECK(s.message().find("(listpack byte ") != std::string_view::npos);
    // A node's entries reach the visitor only once the whole node is valid.
    CHECK(rec.entries.size() == (c.node == 0 ? 0u : 2u));
  }
}

TEST_CASE("malformed node strings", "[rdb-stream]") {
  Synthetic syn;
  Offsets off;
  syn.Value(2, &off);
  for (size_t key_size : {0, 15, 17}) {
    INFO(key_size);
    syn.s.nodes[1].key = std::string(key_size, '\0');
    CheckRefused(Encode(syn.s, 2), off.key[1], "not a 16-byte stream ID");
  }
  syn.Value();
  syn.s.nodes[0].lp = ListpackBuilder().Finish();
  CheckRefused(Encode(syn.s, 2), off.lp[0], "empty listpack inside stream");
  syn.Value();
  syn.s.nodes[0].lp[0] = char(syn.s.nodes[0].lp[0] + 1);  // total bytes off by one
  CheckRefused(Encode(syn.s, 2), off.lp[0], "stream listpack: listpack header says");
  syn.Value();
  syn.s.nodes[0].lp = "abc";
  CheckRefused(Encode(syn.s, 2), off.lp[0], "shorter than a header");
}

TEST_CASE("metadata that disagrees with the entries", "[rdb-stream]") {
  struct Case {
    const char* what;
    std::function<void(RdbStreamMeta&)> damage;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"length", [](RdbStreamMeta& m) { m.length = 5; }, "stream length 5 but 4 entries"},
      {"last ID", [](RdbStreamMeta& m) { m.last_id = Id(20, 4); },
       "last ID 20-4 is below entry 20-5"},
      {"max deleted", [](RdbStreamMeta& m) { m.max_deleted_id = Id(21, 0); },
       "max deleted ID 21-0 is above the last ID 20-5"},
      {"entries_added", [](RdbStreamMeta& m) { m.entries_added = 3; },
       "entries_added 3 is below its length 4"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Synthetic syn;
    c.damage(syn.s.meta);
    Offsets off;
    const std::string value = syn.Value(2, &off);
    CheckRefused(value, off.meta, c.words);
  }
}

TEST_CASE("consumer group faults", "[rdb-stream]") {
  struct Case {
    const char* what;
    std::function<void(TestStream&)> damage;
    std::function<uint64_t(const Offsets&)> offset;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"duplicate group", [](TestStream& s) { s.groups[1].name = "g1"; },
       [](const Offsets& o) { return o.group[1]; }, "duplicate consumer group 'g1'"},
      {"duplicate PEL entry", [](TestStream& s) { s.groups[0].pending[2].id = Id(10, 0); },
       [](const Offsets& o) { return o.pel[0][2]; }, "duplicate PEL entry 10-0 in group 'g1'"},
      {"duplicate PEL entry, unordered",
       [](TestStream& s) {
         s.groups[0].pending[0].id = Id(20, 0);
         s.groups[0].consumers[0].pending = {Id(20, 0)};
       },
       [](const Offsets& o) { return o.pel[0][2]; }, "duplicate PEL entry 20-0"},
      {"duplicate consumer", [](TestStream& s) { s.groups[0].consumers[2].name = "c1"; },
       [](const Offsets& o) { return o.consumer[0][2]; }, "duplicate consumer 'c1' in group 'g1'"},
      {"consumer entry not in the group PEL",
       [](TestStream& s) { s.groups[0].consumers[1].pending = {Id(10, 2)}; },
       [](const Offsets& o) { return o.consumer_pel[0][1][0]; },
       "consumer 'c2' has PEL entry 10-2 that is not in the PEL of group 'g1'"},
      {"same entry twice in one consumer",
       [](TestStream& s) {
         s.groups[0].consumers[1].pending = {Id(10, 1), Id(10, 1)};
       },
       [](const Offsets& o) { return o.consumer_pel[0][1][1]; },
       "duplicate PEL entry 10-1 of consumer 'c2'"},
      {"entry owned by two consumers",
       [](TestStream& s) { s.groups[0].consumers[2].pending = {Id(20, 0)}; },
       [](const Offsets& o) { return o.consumer_pel[0][2][0]; },
       "PEL entry 20-0 of consumer 'c3' already belongs to consumer 'c1'"},
      {"entry owned by nobody", [](TestStream& s) { s.groups[0].consumers[1].pending.clear(); },
       [](const Offsets& o) { return o.pel[0][1]; },
       "PEL entry 10-1 of group 'g1' has no consumer"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Synthetic syn;
    c.damage(syn.s);
    Offsets off;
    const std::string value = syn.Value(2, &off);
    CheckRefused(value, c.offset(off), c.words);
  }
}

TEST_CASE("huge counts in a short value fail at the end of the data", "[rdb-stream]") {
  // Nothing is reserved from these counts: each fails where the bytes run out.
  for (int where = 0; where < 4; ++where) {
    INFO(where);
    ValueWriter w;
    if (where == 0) {
      w.Len(uint64_t{1} << 62);  // listpacks
    } else {
      w.Len(0);
      for (int i = 0; i < 8; ++i) w.Len(0);       // length, last, first, max deleted, entries_added
      w.Len(where == 1 ? uint64_t{1} << 62 : 1);  // groups
      if (where > 1) {
        w.Str("g");
        for (int i = 0; i < 3; ++i) w.Len(0);
        w.Len(where == 2 ? UINT64_MAX : 0);  // PEL
        if (where == 3) w.Len(UINT64_MAX);   // consumers
      }
    }
    const std::string value = std::string(1, char(rdb::kTypeStreamListpacks2)) + w.bytes();
    CheckRefused(value, w.pos(), "unexpected end");
  }
}

TEST_CASE("a visitor's error stops the read and comes back as it is", "[rdb-stream]") {
  Recorder rec;
  rec.entry_answer = Status::InvalidArgument("enough");
  Status s = Decode(DumpValue("s_many.dump"), &rec);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(rec.entries.size() == 1);
}

// Every cut of a value is refused as Corruption where the data ends; every single-bit flip is
// refused as located Corruption or decoded, never a crash or a read out of bounds (sanitizers).
TEST_CASE("truncation at every offset and every bit flip", "[rdb-stream]") {
  // Values and the first cut to try: versions 1 and 3 differ from 2 only after the nodes.
  std::vector<std::pair<std::string, size_t>> values;
  for (const char* name : {"s_fields.dump", "s_many.dump", "s_mkstream.dump"}) {
    values.emplace_back(DumpValue(name), 1);
  }
  const TestStream many = TakeApart(DumpValue("s_many.dump"));
  for (int version : {1, 3}) {
    Offsets off;
    std::string value = Encode(many, version, &off);
    values.emplace_back(std::move(value), off.meta + 1);
  }
  for (const auto& [value, first] : values) {
    for (size_t n = first; n < value.size(); ++n) {
      Recorder rec;
      Status s = Decode(std::string_view(value).substr(0, n), &rec);
      INFO("cut at " << n << ": " << s.ToString());
      REQUIRE(s.IsCorruption());
      CHECK(s.offset() <= n - 1);
      CHECK(s.message().find("unexpected end") != std::string_view::npos);
    }
  }
  // Every bit of the small value, one bit per byte (in turn) of the large one.
  size_t refused = 0, decoded = 0;
  for (const std::string& value : {values[0].first, values[1].first}) {
    const bool every_bit = value.size() < 1000;
    for (size_t i = 1; i < value.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        if (!every_bit && bit != int(i % 8)) continue;
        std::string flipped = value;
        flipped[i] = char(flipped[i] ^ (1 << bit));
        Recorder rec;
        Status s = Decode(flipped, &rec, /*whole=*/false);
        if (s.ok()) {
          ++decoded;
          continue;
        }
        ++refused;
        INFO("flip at " << i << " bit " << bit << ": " << s.ToString());
        REQUIRE(s.IsCorruption());
        CHECK(s.offset() <= value.size() - 1);
      }
    }
  }
  CHECK(refused > decoded);  // most flips break something: the checks are not vacuous
}

}  // namespace
}  // namespace keel::formats
