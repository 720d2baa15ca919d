// INFO: Redis's sections and field names, so dashboards and client libraries read Keel as they
// read Redis. Fields for features Keel does not have yet report their idle values.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>

#include "engine/memory.h"
#include "engine/parse.h"
#include "server/client.h"
#include "server/server.h"
#include "server/version.h"

namespace keel::server {

namespace {

using engine::CommandContext;
using engine::EqualsIgnoreCase;

std::string BytesToHuman(double n) {
  char buf[64];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024.0 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", n / 1024);
  } else if (n < 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", n / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fG", n / (1024.0 * 1024 * 1024));
  }
  return buf;
}

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

class InfoWriter {
 public:
  void Section(const char* title) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += title;
    out_ += "\r\n";
  }
  void Field(const char* name, const std::string& value) {
    out_ += name;
    out_ += ':';
    out_ += value;
    out_ += "\r\n";
  }
  void Field(const char* name, const char* value) { Field(name, std::string(value)); }
  void Field(const char* name, uint64_t v) { Field(name, std::to_string(v)); }
  void Field(const char* name, int64_t v) { Field(name, std::to_string(v)); }
  void Field(const char* name, int v) { Field(name, std::to_string(v)); }
  void FieldF(const char* name, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f", v);
    Field(name, std::string(buf));
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

double TimevalSeconds(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
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
  w.Field("blocked_clients", 0);
  w.Field("tracking_clients", 0);
  w.Field("clients_in_timeout_table", 0);
}

void MemorySection(Server& s, InfoWriter& w) {
  size_t used = engine::UsedMemory();
  size_t rss = ResidentSetBytes();
  size_t peak = std::max(s.stats().peak_memory, used);
  size_t total = TotalSystemMemory();
  w.Section("Memory");
  w.Field("used_memory", static_cast<uint64_t>(used));
  w.Field("used_memory_human", BytesToHuman(static_cast<double>(used)));
  w.Field("used_memory_rss", static_cast<uint64_t>(rss));
  w.Field("used_memory_rss_human", BytesToHuman(static_cast<double>(rss)));
  w.Field("used_memory_peak", static_cast<uint64_t>(peak));
  w.Field("used_memory_peak_human", BytesToHuman(static_cast<double>(peak)));
  char perc[32];
  std::snprintf(perc, sizeof(perc), "%.2f%%", peak ? 100.0 * used / peak : 100.0);
  w.Field("used_memory_peak_perc", perc);
  w.Field("allocator_resident", static_cast<uint64_t>(engine::AllocatorResidentBytes()));
  w.Field("total_system_memory", static_cast<uint64_t>(total));
  w.Field("total_system_memory_human", BytesToHuman(static_cast<double>(total)));
  w.Field("maxmemory", 0);
  w.Field("maxmemory_human", "0B");
  w.Field("maxmemory_policy", "noeviction");
  w.FieldF("mem_fragmentation_ratio", used ? static_cast<double>(rss) / used : 0.0);
  w.Field("mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  w.Field("mem_allocator", engine::AllocatorName());
  w.Field("lazyfree_pending_objects", 0);
}

void PersistenceSection(Server& s, InfoWriter& w) {
  w.Section("Persistence");
  w.Field("loading", 0);
  w.Field("async_loading", 0);
  w.Field("rdb_changes_since_last_save", s.keyspace().dirty);
  w.Field("rdb_bgsave_in_progress", 0);
  w.Field("rdb_last_save_time", s.start_time_ms() / 1000);
  w.Field("rdb_last_bgsave_status", "ok");
  w.Field("rdb_last_bgsave_time_sec", -1);
  w.Field("rdb_current_bgsave_time_sec", -1);
  w.Field("rdb_saves", 0);
  w.Field("rdb_last_cow_size", 0);
  w.Field("aof_enabled", 0);
  w.Field("aof_rewrite_in_progress", 0);
  w.Field("aof_rewrite_scheduled", 0);
  w.Field("aof_last_rewrite_time_sec", -1);
  w.Field("aof_current_rewrite_time_sec", -1);
  w.Field("aof_last_bgrewrite_status", "ok");
  w.Field("aof_rewrites", 0);
  w.Field("aof_last_write_status", "ok");
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
  w.FieldF("instantaneous_input_kbps", st.net_input.Average() / 1024);
  w.FieldF("instantaneous_output_kbps", st.net_output.Average() / 1024);
  w.Field("rejected_connections", st.rejected_connections);
  w.Field("expired_keys", ks.expired_keys);
  w.FieldF("expired_stale_perc", static_cast<double>(ks.expired_stale_perc_x100) / 100.0);
  w.Field("expired_time_cap_reached_count", ks.expired_time_cap_reached_count);
  w.Field("expire_cycle_cpu_milliseconds", ks.expire_cycle_cpu_milliseconds);
  w.Field("evicted_keys", 0);
  w.Field("keyspace_hits", ks.keyspace_hits);
  w.Field("keyspace_misses", ks.keyspace_misses);
  w.Field("pubsub_channels", 0);
  w.Field("pubsub_patterns", 0);
  w.Field("latest_fork_usec", 0);
  w.Field("total_forks", 0);
  w.Field("unexpected_error_replies", st.unexpected_error_replies);
  w.Field("total_error_replies", st.total_error_replies);
  w.Field("total_reads_processed", st.total_reads_processed);
  w.Field("total_writes_processed", st.total_writes_processed);
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
    w.Field(name, std::string(buf));
  };
  w.Section("CPU");
  put("used_cpu_sys", self.ru_stime);
  put("used_cpu_user", self.ru_utime);
  put("used_cpu_sys_children", children.ru_stime);
  put("used_cpu_user_children", children.ru_utime);
  put("used_cpu_sys_main_thread", thread.ru_stime);
  put("used_cpu_user_main_thread", thread.ru_utime);
}

void KeyspaceSection(Server& s, InfoWriter& w) {
  w.Section("Keyspace");
  engine::Keyspace& ks = s.keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) {
    engine::Db& db = ks.db(i);
    if (db.size() == 0) continue;
    w.Field(("db" + std::to_string(i)).c_str(),
            "keys=" + std::to_string(db.size()) + ",expires=" + std::to_string(db.expires_size()) +
                ",avg_ttl=" + std::to_string(db.avg_ttl()));
  }
}

void Info(CommandContext& ctx) {
  Server& server = *CallingClient(ctx).server();
  static const char* kDefault[] = {"server",     "clients",     "memory",  "persistence",
                                   "stats",      "replication", "cpu",     "modules",
                                   "errorstats", "cluster",     "keyspace"};
  std::set<std::string> wanted;
  bool all = false;
  if (ctx.argc() == 1) {
    wanted.insert(std::begin(kDefault), std::end(kDefault));
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string sec(ctx.arg(i));
    for (char& c : sec) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (sec == "all" || sec == "everything") {
      all = true;
    } else if (sec == "default") {
      wanted.insert(std::begin(kDefault), std::end(kDefault));
    } else {
      wanted.insert(sec);
    }
  }
  auto want = [&](const char* name) { return all || wanted.count(name) > 0; };
  InfoWriter w;
  if (want("server")) ServerSection(server, w);
  if (want("clients")) ClientsSection(server, w);
  if (want("memory")) MemorySection(server, w);
  if (want("persistence")) PersistenceSection(server, w);
  if (want("stats")) StatsSection(server, w);
  if (want("replication")) ReplicationSection(server, w);
  if (want("cpu")) CpuSection(w);
  if (want("modules")) w.Section("Modules");
  if (want("errorstats")) w.Section("Errorstats");
  if (want("cluster")) {
    w.Section("Cluster");
    w.Field("cluster_enabled", 0);
  }
  if (want("keyspace")) KeyspaceSection(server, w);
  ctx.reply->AddBulk(w.str());
}

}  // namespace

void RegisterInfoCommand(engine::CommandTable& table) {
  table.Add(
      engine::MakeSpec("server", {.name = "info",
                                  .arity = -1,
                                  .flags = engine::kCmdLoading | engine::kCmdStale,
                                  .handler = Info,
                                  .since = "1.0.0",
                                  .summary = "Get information and statistics about the server",
                                  .complexity = "O(1)",
                                  .syntax = "[section [section ...]]"}));
}

}  // namespace keel::server
