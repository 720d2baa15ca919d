// Fuzz target for the RDB stream and module value decoders. Properties: no crash, no read out of
// bounds, no allocation sized by a stored count; every refusal is a Corruption located inside the
// input; and what an accepted value reports keeps the decoder's promises: entry IDs rise strictly,
// entries come as field/value pairs, the metadata's length equals the entries emitted and its last
// ID is not below them, PEL IDs are unique and each is owned by exactly one consumer.
//
// Input layout: byte 0 = the type: 15, 19 or 21 (stream versions 1 to 3) or 7 (module value) as
// is, any other byte mapped onto the three stream types; then the value bytes.
//   seeds: fuzz/corpus/rdb_stream/ (DUMP payloads of redis-server 7.0.15 without their footer,
//          the same streams re-encoded as versions 1 and 3, and a hand-built module value).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "formats/byte_stream.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"
#include "formats/rdb_reader.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rdb_stream_fuzzer: %s\n", what);
    std::abort();
  }
}

bool Less(const fmt::RdbStreamId& a, const fmt::RdbStreamId& b) {
  return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
}

class Checker final : public fmt::RdbVisitor {
 public:
  keel::Status OnStreamEntry(const fmt::RdbStreamId& id,
                             std::span<const std::string_view> fields) override {
    Check(!meta_seen_, "an entry after the metadata");
    Check(entries_ == 0 || Less(last_, id), "entry IDs do not rise");
    Check(fields.size() % 2 == 0, "an entry with an odd number of fields and values");
    size_t bytes = 0;
    for (std::string_view f : fields) bytes += f.size();  // touch every byte (ASan)
    (void)bytes;
    last_ = id;
    ++entries_;
    return keel::Status::Ok();
  }
  keel::Status OnStreamMeta(const fmt::RdbStreamMeta& meta) override {
    Check(!meta_seen_, "two metadata events");
    meta_seen_ = true;
    Check(meta.length == entries_, "the length differs from the entries emitted");
    Check(entries_ == 0 || !Less(meta.last_id, last_), "the last ID is below an entry");
    Check(meta.entries_added >= meta.length, "entries_added below the length");
    return keel::Status::Ok();
  }
  keel::Status OnStreamGroup(const fmt::RdbStreamGroup& group) override {
    Check(meta_seen_, "a group before the metadata");
    Check(names_.insert(group.name).second, "two groups of one name");
    std::set<std::pair<uint64_t, uint64_t>> pel, owned;
    for (const fmt::RdbStreamPending& p : group.pending) {
      Check(pel.insert({p.id.ms, p.id.seq}).second, "a duplicate PEL entry");
    }
    std::set<std::string_view> consumers;
    for (const fmt::RdbStreamConsumer& c : group.consumers) {
      Check(consumers.insert(c.name).second, "two consumers of one name");
      for (const fmt::RdbStreamId& id : c.pending) {
        Check(pel.count({id.ms, id.seq}) == 1, "a consumer entry missing from the group PEL");
        Check(owned.insert({id.ms, id.seq}).second, "a PEL entry with two owners");
      }
    }
    Check(owned.size() == pel.size(), "a PEL entry without a consumer");
    return keel::Status::Ok();
  }
  keel::Status OnModuleValue(const fmt::RdbModuleInfo& info) override {
    Check(info.name.size() == 9, "a module name that is not 9 characters");
    Check(info.encver >= 0 && info.encver < 1024, "an encoding version beyond 10 bits");
    return keel::Status::Ok();
  }
  bool meta_seen() const { return meta_seen_; }

 private:
  bool meta_seen_ = false;
  uint64_t entries_ = 0;
  fmt::RdbStreamId last_;
  std::set<std::string> names_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t type = data[0];
  if (type != fmt::rdb::kTypeStreamListpacks && type != fmt::rdb::kTypeStreamListpacks2 &&
      type != fmt::rdb::kTypeStreamListpacks3 && type != fmt::rdb::kTypeModule2) {
    static constexpr uint8_t kStreams[] = {fmt::rdb::kTypeStreamListpacks,
                                           fmt::rdb::kTypeStreamListpacks2,
                                           fmt::rdb::kTypeStreamListpacks3};
    type = kStreams[type % 3];
  }
  fmt::SpanSource src(std::span<const uint8_t>(data + 1, size - 1));
  fmt::rdb::RdbInput in(src);
  Checker checker;
  keel::Status s = type == fmt::rdb::kTypeModule2 ? fmt::rdb::ReadModuleValue(in, checker)
                                                  : fmt::rdb::ReadStreamValue(in, type, checker);
  if (!s.ok()) {
    Check(s.IsCorruption() && s.offset() <= size - 1, "an error that is not a located Corruption");
    return 0;
  }
  Check(in.offset() <= size - 1, "the decoder consumed more than the input");
  if (type != fmt::rdb::kTypeModule2) Check(checker.meta_seen(), "a stream without metadata");
  return 0;
}
