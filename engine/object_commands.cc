// OBJECT (ENCODING, FREQ, IDLETIME, REFCOUNT, HELP) and MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS,
// PURGE, HELP), with Redis 7.0's replies and error texts, and the per-key figures DEBUG OBJECT
// shares (object_commands.h). OBJECT looks keys up as Redis's LOOKUP_NOTOUCH does (lazy expiry and
// hit/miss counting, but the access data it reports stays as it was); MEMORY USAGE and DEBUG
// OBJECT read the table directly, so they see an expired key that is not yet reclaimed.
#include "engine/object_commands.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/db_impl.h"
#include "engine/key_family.h"
#include "engine/keyspace.h"
#include "engine/lfu.h"
#include "engine/memory.h"
#include "engine/object.h"
#include "engine/parse.h"

namespace keel::engine {

// ---- Per-key figures ----

int64_t ObjectRefcount(const Keyspace& ks, const Entry* e) {
  if (e->type() != ObjType::kString || !e->is_int()) return 1;
  int64_t v = e->int_value();
  bool sharing = ks.eviction.maxmemory == 0 ||
                 !(ks.eviction.lfu() || ks.eviction.policy == MaxmemoryPolicy::kAllKeysLru ||
                   ks.eviction.policy == MaxmemoryPolicy::kVolatileLru);
  return sharing && v >= 0 && v < kSharedIntegers ? kSharedRefcount : 1;
}

size_t MemoryUsage(const Entry* e) { return e->AllocatedBytes() + sizeof(void*); }

namespace {

// rdbSaveLen: 1, 2, 5 or 9 bytes.
size_t RdbLengthSize(uint64_t len) {
  if (len < (1u << 6)) return 1;
  if (len < (1u << 14)) return 2;
  if (len <= UINT32_MAX) return 5;
  return 9;
}

// rdbEncodeInteger: 2, 3 or 5 bytes, or 0 when the value needs the string form.
size_t RdbIntegerSize(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 0;
}

// rdbSaveStringObject without LZF: integers in 1, 2 or 4 bytes, other strings length-prefixed.
size_t RdbStringSize(const Entry* e) {
  char buf[24];
  std::string_view s = e->StringBytes(buf);
  // rdbTryIntegerEncoding: short strings that round-trip through an integer.
  if (s.size() <= 11) {
    if (std::optional<int64_t> v = ParseInt64(s)) {
      if (size_t n = RdbIntegerSize(*v); n != 0) return n;
    }
  }
  return RdbLengthSize(s.size()) + s.size();
}

}  // namespace

size_t SerializedLengthEstimate(const Entry* e) {
  if (e->type() == ObjType::kString) return RdbStringSize(e);
  return e->object()->AllocatedBytes();
}

std::string DebugObjectLine(const Keyspace& ks, const Entry* e) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Value at:%p refcount:%" PRId64 " encoding:%s serializedlength:%zu lru:%" PRIu32
                " lru_seconds_idle:%" PRIu64,
                static_cast<const void*>(e), ObjectRefcount(ks, e), e->EncodingName(),
                SerializedLengthEstimate(e), e->lru(),
                EstimateIdleTimeMs(e->lru(), ks.LruClock()) / 1000);
  std::string line(buf);
  if (e->type() != ObjType::kString) line += e->object()->DebugObjectExtras();
  return line;
}

namespace {

// ---- OBJECT ----

constexpr std::string_view kErrNotLfu =
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kErrLfu =
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";

// Redis's objectCommandLookupOrReply: null when the key is missing.
const Entry* ObjectLookup(CommandContext& ctx) {
  const Entry* e = key_family::LookupReadNoTouch(ctx, ctx.arg(2));
  if (e == nullptr) ctx.reply->AddNullBulk();
  return e;
}

void ObjectEncoding(CommandContext& ctx) {
  if (const Entry* e = ObjectLookup(ctx)) ctx.reply->AddBulk(e->EncodingName());
}

void ObjectRefcountCommand(CommandContext& ctx) {
  if (const Entry* e = ObjectLookup(ctx)) ctx.reply->AddInteger(ObjectRefcount(*ctx.ks, e));
}

void ObjectIdletime(CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (ctx.ks->eviction.lfu()) {
    ctx.reply->AddError(kErrLfu);
    return;
  }
  uint64_t ms = EstimateIdleTimeMs(e->lru(), ctx.ks->LruClock());
  ctx.reply->AddInteger(static_cast<int64_t>(ms / 1000));
}

void ObjectFreq(CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  const EvictionConfig& ev = ctx.ks->eviction;
  if (!ev.lfu()) {
    ctx.reply->AddError(kErrNotLfu);
    return;
  }
  // Decayed but not stored: the stored data changes only when the key is really accessed.
  ctx.reply->AddInteger(
      LfuDecrAndReturn(e->lru(), ev.lfu_decay_time, LfuTimeInMinutes(ctx.ks->now_ms())));
}

void ObjectHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
  };
  AddHelpReply(ctx, kLines);
}

// ---- MEMORY ----

void MemoryUsageCommand(CommandContext& ctx) {
  // SAMPLES is validated as Redis does; Keel measures collections exactly, so it changes nothing.
  for (size_t j = 3; j < ctx.argc(); j++) {
    if (EqualsIgnoreCase(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      std::optional<int64_t> samples = ParseInt64(ctx.arg(j + 1));
      if (!samples) {
        ctx.reply->AddError(kErrNotInteger);
        return;
      }
      if (*samples < 0) {
        ctx.reply->AddError(kErrSyntax);
        return;
      }
      j++;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  const Entry* e = ctx.db->Find(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  ctx.reply->AddInteger(static_cast<int64_t>(MemoryUsage(e)));
}

size_t ResidentSetBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

double Ratio(size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }
int64_t Diff(size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); }

// Redis's getMemoryOverheadData, from Keel's own counts: the overhead is the memory in use at
// startup, the clients and each db's tables (bucket arrays and expiry nodes; an entry's header
// shares its block with the key and value, so it counts as data). Where the allocator keeps no
// statistics, INFO's fallbacks apply (allocated = used, resident = RSS, active = resident).
struct MemoryOverhead {
  struct DbTables {
    int index;
    size_t main;
    size_t expires;
  };
  ServerMemoryFigures server;
  size_t used = 0;
  size_t rss = 0;
  size_t allocated = 0;
  size_t active = 0;
  size_t resident = 0;
  std::vector<DbTables> dbs;  // databases holding keys
  size_t keys = 0;
  size_t overhead = 0;
  size_t dataset = 0;
  size_t net = 1;  // used memory beyond startup, at least 1

  explicit MemoryOverhead(Keyspace& ks) {
    if (ks.server_memory) server = ks.server_memory();
    used = UsedMemory();
    rss = ResidentSetBytes();
    AllocatorStats a = ReadAllocatorStats();
    resident = a.resident != 0 ? a.resident : rss;
    active = a.active != 0 ? a.active : resident;
    allocated = a.allocated != 0 ? a.allocated : used;
    overhead = server.startup + server.clients_memory;
    for (int i = 0; i < ks.num_dbs(); i++) {
      Db& db = ks.db(i);
      if (db.size() == 0) continue;
      size_t expires = db.expires_slots() * sizeof(void*) + db.expires_size() * sizeof(ExpireNode);
      size_t tables = db.TableOverheadBytes();
      dbs.push_back({i, tables - expires, expires});
      keys += db.size();
      overhead += tables;
    }
    dataset = used > overhead ? used - overhead : 0;
    if (used > server.startup) net = used - server.startup;
  }
};

constexpr size_t k10Mb = 10u << 20;

// A ratio over `limit` with the difference over 10 MB: Redis's test for each overhead.
bool Excessive(size_t big, size_t small, double limit) {
  return Ratio(big, small) > limit && big > small && big - small > k10Mb;
}

// Redis's getMemoryDoctorReport. Replica buffers and the script cache do not exist in Keel.
void MemoryDoctor(CommandContext& ctx) {
  MemoryOverhead mh(*ctx.ks);
  if (mh.used < 5u * 1024 * 1024) {
    ctx.reply->AddBulk(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with "
        "some data. The new Sam and I will be back to our programming as soon as I finished "
        "rebooting.\n");
    return;
  }
  std::string report;
  if (Ratio(mh.server.peak, mh.used) > 1.5) {
    report +=
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, so "
        "you can expect to see a big fragmentation ratio, however this is actually harmless and "
        "is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "
        "currently bigger than expected, the memory will be used as soon as you fill the Redis "
        "instance with more data. If the memory peak was only occasional and you want to try to "
        "reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is "
        "to shutdown and restart the instance.\n\n";
  }
  if (Excessive(mh.rss, mh.used, 1.4)) {
    report += std::string(
                  " * High total RSS: This instance has a memory fragmentation and RSS overhead "
                  "greater than 1.4 (this means that the Resident Set Size of the Redis process is "
                  "much larger than the sum of the logical allocations Redis performed). This "
                  "problem is usually due either to a large peak memory (check if there is a peak "
                  "memory entry above in the report) or may result from a workload that causes "
                  "the allocator to fragment memory a lot. If the problem is a large peak memory, "
                  "then there is no issue. Otherwise, make sure you are using the Jemalloc "
                  "allocator and not the default libc malloc. Note: The currently used allocator "
                  "is \"") +
              AllocatorName() + "\".\n\n";
  }
  if (Excessive(mh.active, mh.allocated, 1.1)) {
    report +=
        " * High allocator fragmentation: This instance has an allocator external fragmentation "
        "greater than 1.1. This problem is usually due either to a large peak memory (check if "
        "there is a peak memory entry above in the report) or may result from a workload that "
        "causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' "
        "config option.\n\n";
  }
  if (Excessive(mh.resident, mh.active, 1.1)) {
    report +=
        " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than "
        "1.1 (this means that the Resident Set Size of the allocator is much larger than the sum "
        "what the allocator actually holds). This problem is usually due to a large peak memory "
        "(check if there is a peak memory entry above in the report), you can try the MEMORY "
        "PURGE command to reclaim it.\n\n";
  }
  if (Excessive(mh.rss, mh.resident, 1.1)) {
    report +=
        " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
        "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
        "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
        "Modules.\n\n";
  }
  if (mh.server.clients > 0 && mh.server.clients_memory / mh.server.clients > 200 * 1024) {
    report +=
        " * Big client buffers: The clients output buffers in this instance are greater than 200K "
        "per client (on average). This may result from different causes, like Pub/Sub clients "
        "subscribed to channels bot not receiving data fast enough, so that data piles on the "
        "Redis instance output buffer, or clients sending commands with large replies or very "
        "large sequences of commands in the same pipeline. Please use the CLIENT LIST command in "
        "order to investigate the issue if it causes problems in your instance, or to understand "
        "better why certain clients are using a big amount of memory.\n\n";
  }
  if (report.empty()) {
    ctx.reply->AddBulk(
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.\n");
    return;
  }
  ctx.reply->AddBulk("Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
                     report + "I'm here to keep you safe, Sam. I want to help you.\n");
}

// Redis 7.0's MEMORY STATS map, field for field. Keel has no replication backlog, replicas,
// cluster links, AOF buffer, scripts or functions: those report 0.
void MemoryStats(CommandContext& ctx) {
  MemoryOverhead mh(*ctx.ks);
  formats::ReplyWriter& r = *ctx.reply;
  auto field = [&r](const char* name, int64_t v) {
    r.AddBulk(name);
    r.AddInteger(v);
  };
  auto ratio = [&r](const char* name, double v) {
    r.AddBulk(name);
    // Redis computes these as floats and prints them as doubles.
    r.AddDouble(static_cast<double>(static_cast<float>(v)));
  };
  auto size = [](size_t v) { return static_cast<int64_t>(v); };
  r.AddMapHeader(27 + mh.dbs.size());
  field("peak.allocated", size(mh.server.peak));
  field("total.allocated", size(mh.used));
  field("startup.allocated", size(mh.server.startup));
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", size(mh.server.clients_memory));
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const MemoryOverhead::DbTables& db : mh.dbs) {
    r.AddBulk("db." + std::to_string(db.index));
    r.AddMapHeader(3);
    field("overhead.hashtable.main", size(db.main));
    field("overhead.hashtable.expires", size(db.expires));
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", size(mh.overhead));
  field("keys.count", size(mh.keys));
  field("keys.bytes-per-key", size(mh.keys == 0 ? 0 : mh.net / mh.keys));
  field("dataset.bytes", size(mh.dataset));
  ratio("dataset.percentage", 100.0 * Ratio(mh.dataset, mh.net));
  ratio("peak.percentage", 100.0 * Ratio(mh.used, mh.server.peak));
  field("allocator.allocated", size(mh.allocated));
  field("allocator.active", size(mh.active));
  field("allocator.resident", size(mh.resident));
  ratio("allocator-fragmentation.ratio", Ratio(mh.active, mh.allocated));
  field("allocator-fragmentation.bytes", Diff(mh.active, mh.allocated));
  ratio("allocator-rss.ratio", Ratio(mh.resident, mh.active));
  field("allocator-rss.bytes", Diff(mh.resident, mh.active));
  ratio("rss-overhead.ratio", Ratio(mh.rss, mh.resident));
  field("rss-overhead.bytes", Diff(mh.rss, mh.resident));
  ratio("fragmentation", Ratio(mh.rss, mh.used));
  field("fragmentation.bytes", Diff(mh.rss, mh.used));
}

// Redis prints jemalloc's report here and this line for any other allocator.
void MemoryMallocStats(CommandContext& ctx) {
  ctx.reply->AddBulk("Stats not supported for the current allocator");
}

// Redis purges jemalloc's dirty pages; for other allocators it has nothing to do and replies OK.
void MemoryPurge(CommandContext& ctx) { ctx.reply->AddOk(); }

void MemoryHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  };
  AddHelpReply(ctx, kLines);
}

CommandSpec Container(const char* group, const SpecInit& init,
                      std::initializer_list<SpecInit> subs) {
  CommandSpec spec = MakeSpec(group, init);
  for (const SpecInit& sub : subs) spec.subcommands.push_back(MakeSpec(group, sub));
  return spec;
}

}  // namespace

void RegisterObjectCommands(CommandTable& table) {
  const char* kHelpSummary = "Show helpful text about the different subcommands";
  const char* kAllocatorBound = "Depends on how much memory is allocated, could be slow";
  const char* kShardsSpecial =
      "nondeterministic_output request_policy:all_shards response_policy:special";
  // Subcommands in the order Redis 7.0 lists them.
  table.Add(
      Container("generic",
                {.name = "object",
                 .arity = -2,
                 .since = "2.2.3",
                 .summary = "A container for object introspection commands",
                 .complexity = "Depends on subcommand."},
                {
                    {.name = "help",
                     .arity = 2,
                     .flags = kCmdLoading | kCmdStale,
                     .handler = ObjectHelp,
                     .since = "6.2.0",
                     .summary = kHelpSummary,
                     .complexity = "O(1)"},
                    {.name = "idletime",
                     .arity = 3,
                     .flags = kCmdReadOnly,
                     .first_key = 2,
                     .last_key = 2,
                     .key_step = 1,
                     .handler = ObjectIdletime,
                     .since = "2.2.3",
                     .summary = "Get the time since a Redis object was last accessed",
                     .complexity = "O(1)",
                     .syntax = "key",
                     .key_flags = kKeyRO,
                     .tips = "nondeterministic_output"},
                    {.name = "refcount",
                     .arity = 3,
                     .flags = kCmdReadOnly,
                     .first_key = 2,
                     .last_key = 2,
                     .key_step = 1,
                     .handler = ObjectRefcountCommand,
                     .since = "2.2.3",
                     .summary = "Get the number of references to the value of the key",
                     .complexity = "O(1)",
                     .syntax = "key",
                     .key_flags = kKeyRO,
                     .tips = "nondeterministic_output"},
                    {.name = "encoding",
                     .arity = 3,
                     .flags = kCmdReadOnly,
                     .first_key = 2,
                     .last_key = 2,
                     .key_step = 1,
                     .handler = ObjectEncoding,
                     .since = "2.2.3",
                     .summary = "Inspect the internal encoding of a Redis object",
                     .complexity = "O(1)",
                     .syntax = "key",
                     .key_flags = kKeyRO,
                     .tips = "nondeterministic_output"},
                    {.name = "freq",
                     .arity = 3,
                     .flags = kCmdReadOnly,
                     .first_key = 2,
                     .last_key = 2,
                     .key_step = 1,
                     .handler = ObjectFreq,
                     .since = "4.0.0",
                     .summary = "Get the logarithmic access frequency counter of a Redis object",
                     .complexity = "O(1)",
                     .syntax = "key",
                     .key_flags = kKeyRO,
                     .tips = "nondeterministic_output"},
                }));

  table.Add(Container("server",
                      {.name = "memory",
                       .arity = -2,
                       .since = "4.0.0",
                       .summary = "A container for memory diagnostics commands",
                       .complexity = "Depends on subcommand."},
                      {
                          {.name = "help",
                           .arity = 2,
                           .flags = kCmdLoading | kCmdStale,
                           .handler = MemoryHelp,
                           .since = "4.0.0",
                           .summary = kHelpSummary,
                           .complexity = "O(1)"},
                          {.name = "malloc-stats",
                           .arity = 2,
                           .handler = MemoryMallocStats,
                           .since = "4.0.0",
                           .summary = "Show allocator internal stats",
                           .complexity = kAllocatorBound,
                           .tips = kShardsSpecial},
                          {.name = "purge",
                           .arity = 2,
                           .handler = MemoryPurge,
                           .since = "4.0.0",
                           .summary = "Ask the allocator to release memory",
                           .complexity = kAllocatorBound,
                           .tips = "request_policy:all_shards response_policy:all_succeeded"},
                          {.name = "stats",
                           .arity = 2,
                           .handler = MemoryStats,
                           .since = "4.0.0",
                           .summary = "Show memory usage details",
                           .complexity = "O(1)",
                           .tips = kShardsSpecial},
                          {.name = "doctor",
                           .arity = 2,
                           .handler = MemoryDoctor,
                           .since = "4.0.0",
                           .summary = "Outputs memory problems report",
                           .complexity = "O(1)",
                           .tips = kShardsSpecial},
                          {.name = "usage",
                           .arity = -3,
                           .flags = kCmdReadOnly,
                           .first_key = 2,
                           .last_key = 2,
                           .key_step = 1,
                           .handler = MemoryUsageCommand,
                           .since = "4.0.0",
                           .summary = "Estimate the memory usage of a key",
                           .complexity = "O(N) where N is the number of samples.",
                           .syntax = "key [SAMPLES count]",
                           .key_flags = kKeyRO},
                      }));
}

}  // namespace keel::engine
