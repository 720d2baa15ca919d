// INFO's fixed sections, field for field in Redis 7.0's order. What Keel measures is computed;
// a field for a feature Keel does not have (Lua and functions, replication, forks and background
// saves, active defrag, client tracking, client eviction, I/O threads) reports the value Redis
// shows when that feature is idle, so a dashboard reads "nothing happening" rather than a missing
// field.
#include "server/info_sections.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "engine/memory.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/server.h"
#include "server/snapshots.h"
#include "server/version.h"

namespace keel::server {

namespace {

size_t ResidentSetBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

size_t TotalSystemMemory() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double Ratio(size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }
int64_t Diff(size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); }

double TimevalSeconds(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

std::string BytesToHuman(uint64_t n) {
  char buf[64];
  static constexpr char kUnits[] = "KMGTP";
  double scaled = static_cast<double>(n);
  for (const char* unit = kUnits; n >= 1024 && *unit != '\0'; ++unit) {
    scaled /= 1024;
    if (scaled < 1024) {
      std::snprintf(buf, sizeof(buf), "%.2f%c", scaled, *unit);
      return buf;
    }
  }
  // Under 1 KiB, or so large (1 EiB and more) that Redis also falls back to plain bytes.
  std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  return buf;
}

void ServerSection(Server& s, InfoWriter& w) {
  struct utsname name;
  uname(&name);
  int64_t now = s.clock().NowMs();
  int64_t uptime = (now - s.start_time_ms()) / 1000;
  w.Section("Server");
  w.Field("redis_version", kRedisCompatVersion);
  w.Field("keel_version", kKeelVersion);
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_build_id", "0");
  w.Field("redis_mode", "standalone");
  w.Field("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  w.Field("arch_bits", static_cast<int>(sizeof(void*) * 8));
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", s.loop().BackendName());
  w.Field("atomicvar_api", "c11-builtin");
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", "no");
  w.Field("run_id", s.run_id());
  w.Field("tcp_port", s.port());
  w.Field("server_time_usec", s.clock().NowUs());
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", s.config().hz);
  w.Field("configured_hz", s.config().hz);
  w.Field("lru_clock", (now / 1000) & ((1 << 24) - 1));
  w.Field("executable", s.executable());
  w.Field("config_file", s.config_file());
  w.Field("io_threads_active", 0);
}

void ClientsSection(Server& s, InfoWriter& w) {
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, c] : s.clients()) {
    max_in = std::max(max_in, c->query_buffer_bytes());
    max_out = std::max(max_out, c->output_bytes());
  }
  w.Section("Clients");
  w.Field("connected_clients", static_cast<uint64_t>(s.clients().size()));
  w.Field("cluster_connections", 0);
  w.Field("maxclients", s.config().maxclients);
  w.Field("client_recent_max_input_buffer", static_cast<uint64_t>(max_in));
  w.Field("client_recent_max_output_buffer", static_cast<uint64_t>(max_out));
  // Redis 7.0 counts clients postponed by CLIENT PAUSE as blocked too.
  w.Field("blocked_clients", static_cast<uint64_t>(s.blocked_clients().blocked_count() +
                                                   s.client_pause().postponed_count()));
  w.Field("tracking_clients", 0);
  w.Field("clients_in_timeout_table", static_cast<uint64_t>(s.blocked_clients().timeout_count()));
}

void MemorySection(Server& s, InfoWriter& w) {
  size_t used = engine::UsedMemory();
  size_t rss = ResidentSetBytes();
  ServerStats& st = s.stats();
  if (used > st.peak_memory) st.peak_memory = used;
  size_t peak = st.peak_memory;
  size_t total = TotalSystemMemory();

  // Overhead is what Keel holds besides the data: the memory in use right after startup, the
  // clients (objects and buffers) and the keyspace tables (bucket arrays, expiry nodes). An
  // entry's header shares its allocation with the key and value, so it counts as dataset.
  size_t clients = 0;
  for (const auto& [id, c] : s.clients()) clients += c->memory_bytes();
  size_t tables = 0;
  engine::Keyspace& ks = s.keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) tables += ks.db(i).TableOverheadBytes();
  size_t startup = s.used_memory_startup();
  size_t overhead = startup + clients + tables;
  size_t dataset = used > overhead ? used - overhead : 0;
  size_t net = used > startup ? used - startup : 1;

  // Where the allocator keeps no count, fall back as Redis does: allocated is what Keel counted,
  // resident is the process's RSS, active is resident.
  engine::AllocatorStats a = engine::ReadAllocatorStats();
  size_t resident = a.resident != 0 ? a.resident : rss;
  size_t active = a.active != 0 ? a.active : resident;
  size_t allocated = a.allocated != 0 ? a.allocated : used;

  w.Section("Memory");
  w.Field("used_memory", static_cast<uint64_t>(used));
  w.Field("used_memory_human", BytesToHuman(used));
  w.Field("used_memory_rss", static_cast<uint64_t>(rss));
  w.Field("used_memory_rss_human", BytesToHuman(rss));
  w.Field("used_memory_peak", static_cast<uint64_t>(peak));
  w.Field("used_memory_peak_human", BytesToHuman(peak));
  w.FieldPercent("used_memory_peak_perc", 100.0 * Ratio(used, peak));
  w.Field("used_memory_overhead", static_cast<uint64_t>(overhead));
  w.Field("used_memory_startup", static_cast<uint64_t>(startup));
  w.Field("used_memory_dataset", static_cast<uint64_t>(dataset));
  w.FieldPercent("used_memory_dataset_perc", 100.0 * Ratio(dataset, net));
  w.Field("allocator_allocated", static_cast<uint64_t>(allocated));
  w.Field("allocator_active", static_cast<uint64_t>(active));
  w.Field("allocator_resident", static_cast<uint64_t>(resident));
  w.Field("total_system_memory", static_cast<uint64_t>(total));
  w.Field("total_system_memory_human", BytesToHuman(total));
  // No scripting engine: no Lua VM, no scripts, no functions.
  w.Field("used_memory_lua", 0);
  w.Field("used_memory_vm_eval", 0);
  w.Field("used_memory_lua_human", "0B");
  w.Field("used_memory_scripts_eval", 0);
  w.Field("number_of_cached_scripts", 0);
  w.Field("number_of_functions", 0);
  w.Field("number_of_libraries", 0);
  w.Field("used_memory_vm_functions", 0);
  w.Field("used_memory_vm_total", 0);
  w.Field("used_memory_vm_total_human", "0B");
  w.Field("used_memory_functions", 0);
  w.Field("used_memory_scripts", 0);
  w.Field("used_memory_scripts_human", "0B");
  const engine::EvictionConfig& eviction = s.keyspace().eviction;
  w.Field("maxmemory", eviction.maxmemory);
  w.Field("maxmemory_human", BytesToHuman(eviction.maxmemory));
  w.Field("maxmemory_policy", engine::MaxmemoryPolicyName(eviction.policy));
  w.FieldF("allocator_frag_ratio", Ratio(active, allocated));
  w.Field("allocator_frag_bytes", Diff(active, allocated));
  w.FieldF("allocator_rss_ratio", Ratio(resident, active));
  w.Field("allocator_rss_bytes", Diff(resident, active));
  w.FieldF("rss_overhead_ratio", Ratio(rss, resident));
  w.Field("rss_overhead_bytes", Diff(rss, resident));
  w.FieldF("mem_fragmentation_ratio", Ratio(rss, used));
  w.Field("mem_fragmentation_bytes", Diff(rss, used));
  w.Field("mem_not_counted_for_evict", 0);
  w.Field("mem_replication_backlog", 0);
  w.Field("mem_total_replication_buffers", 0);
  w.Field("mem_clients_slaves", 0);
  w.Field("mem_clients_normal", static_cast<uint64_t>(clients));
  w.Field("mem_cluster_links", 0);
  w.Field("mem_aof_buffer", static_cast<uint64_t>(s.aof().buffer_bytes()));
  w.Field("mem_allocator", engine::AllocatorName());
  w.Field("active_defrag_running", 0);
  w.Field("lazyfree_pending_objects", 0);
  w.Field("lazyfreed_objects", 0);
}

void PersistenceSection(Server& s, InfoWriter& w) {
  w.Section("Persistence");
  w.Field("loading", 0);
  w.Field("async_loading", 0);
  w.Field("current_cow_peak", 0);
  w.Field("current_cow_size", 0);
  w.Field("current_cow_size_age", 0);
  w.FieldF("current_fork_perc", 0.0);
  w.Field("current_save_keys_processed", 0);
  w.Field("current_save_keys_total", 0);
  s.snapshots().WriteInfo(w);
  s.aof().WriteInfo(w);
}

void StatsSection(Server& s, InfoWriter& w) {
  ServerStats& st = s.stats();
  engine::KeyspaceStats& ks = s.keyspace().stats();
  w.Section("Stats");
  w.Field("total_connections_received", st.total_connections_received);
  w.Field("total_commands_processed", st.total_commands_processed);
  w.Field("instantaneous_ops_per_sec", static_cast<uint64_t>(st.ops.Average()));
  w.Field("total_net_input_bytes", st.total_net_input_bytes);
  w.Field("total_net_output_bytes", st.total_net_output_bytes);
  w.Field("total_net_repl_input_bytes", 0);
  w.Field("total_net_repl_output_bytes", 0);
  w.FieldF("instantaneous_input_kbps", st.net_input.Average() / 1024);
  w.FieldF("instantaneous_output_kbps", st.net_output.Average() / 1024);
  w.FieldF("instantaneous_input_repl_kbps", 0.0);
  w.FieldF("instantaneous_output_repl_kbps", 0.0);
  w.Field("rejected_connections", st.rejected_connections);
  w.Field("sync_full", 0);
  w.Field("sync_partial_ok", 0);
  w.Field("sync_partial_err", 0);
  w.Field("expired_keys", ks.expired_keys);
  w.FieldF("expired_stale_perc", static_cast<double>(ks.expired_stale_perc_x100) / 100.0);
  w.Field("expired_time_cap_reached_count", ks.expired_time_cap_reached_count);
  w.Field("expire_cycle_cpu_milliseconds", ks.expire_cycle_cpu_milliseconds);
  w.Field("evicted_keys", ks.evicted_keys);
  w.Field("evicted_clients", 0);
  // Milliseconds over maxmemory: in total, and in the period still open.
  uint64_t exceeded_us = 0;
  if (ks.eviction_exceeded_since_us != 0) {
    exceeded_us = static_cast<uint64_t>(s.clock().MonotonicUs() - ks.eviction_exceeded_since_us);
  }
  w.Field("total_eviction_exceeded_time", (ks.eviction_exceeded_us + exceeded_us) / 1000);
  w.Field("current_eviction_exceeded_time", exceeded_us / 1000);
  w.Field("keyspace_hits", ks.keyspace_hits);
  w.Field("keyspace_misses", ks.keyspace_misses);
  const PubSubRegistry& pubsub = s.pubsub();
  w.Field("pubsub_channels", static_cast<uint64_t>(pubsub.NumActive(PubSubKind::kChannel)));
  w.Field("pubsub_patterns", static_cast<uint64_t>(pubsub.NumActive(PubSubKind::kPattern)));
  w.Field("pubsubshard_channels", static_cast<uint64_t>(pubsub.NumActive(PubSubKind::kShard)));
  w.Field("latest_fork_usec", s.snapshots().latest_fork_us());
  w.Field("total_forks", s.snapshots().total_forks());
  w.Field("migrate_cached_sockets", 0);
  w.Field("slave_expires_tracked_keys", 0);
  w.Field("active_defrag_hits", 0);
  w.Field("active_defrag_misses", 0);
  w.Field("active_defrag_key_hits", 0);
  w.Field("active_defrag_key_misses", 0);
  w.Field("total_active_defrag_time", 0);
  w.Field("current_active_defrag_time", 0);
  w.Field("tracking_total_keys", 0);
  w.Field("tracking_total_items", 0);
  w.Field("tracking_total_prefixes", 0);
  w.Field("unexpected_error_replies", st.unexpected_error_replies);
  w.Field("total_error_replies", st.total_error_replies);
  w.Field("dump_payload_sanitizations", 0);
  w.Field("total_reads_processed", st.total_reads_processed);
  w.Field("total_writes_processed", st.total_writes_processed);
  w.Field("io_threaded_reads_processed", 0);
  w.Field("io_threaded_writes_processed", 0);
  // Redis counts its cron's resizes of a client's fixed reply buffer; Keel's reply buffers grow
  // on demand and are released after a large send, with no such cron.
  w.Field("reply_buffer_shrinks", 0);
  w.Field("reply_buffer_expands", 0);
}

void ReplicationSection(Server& s, InfoWriter& w) {
  w.Section("Replication");
  w.Field("role", "master");
  w.Field("connected_slaves", 0);
  w.Field("master_failover_state", "no-failover");
  w.Field("master_replid", s.run_id());
  w.Field("master_replid2", std::string(40, '0'));
  w.Field("master_repl_offset", 0);
  w.Field("second_repl_offset", -1);
  w.Field("repl_backlog_active", 0);
  w.Field("repl_backlog_size", 1048576);
  w.Field("repl_backlog_first_byte_offset", 0);
  w.Field("repl_backlog_histlen", 0);
}

void CpuSection(InfoWriter& w) {
  struct rusage self, children, thread;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  char buf[64];
  auto put = [&](const char* name, const struct timeval& tv) {
    std::snprintf(buf, sizeof(buf), "%.6f", TimevalSeconds(tv));
    w.Field(name, std::string_view(buf));
  };
  w.Section("CPU");
  put("used_cpu_sys", self.ru_stime);
  put("used_cpu_user", self.ru_utime);
  put("used_cpu_sys_children", children.ru_stime);
  put("used_cpu_user_children", children.ru_utime);
  put("used_cpu_sys_main_thread", thread.ru_stime);
  put("used_cpu_user_main_thread", thread.ru_utime);
}

}  // namespace keel::server
