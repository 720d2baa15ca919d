// keel-server: loads the configuration (a redis.conf-style file plus --name value overrides),
// sets up logging, the working directory and the pid file, then serves until shut down.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <clocale>
#include <cstring>
#include <memory>
#include <string>

#include "engine/memory.h"
#include "server/config.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/server.h"
#include "server/snapshots.h"
#include "server/version.h"

namespace {

using keel::server::LogLevel;

void PrintVersion() {
  std::printf("Keel server v=%s redis-compat=%s malloc=%s bits=%d\n", keel::server::kKeelVersion,
              keel::server::kRedisCompatVersion, keel::engine::AllocatorName(),
              static_cast<int>(sizeof(void*) * 8));
}

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: ./keel-server [/path/to/keel.conf] [options] [-]\n"
               "       ./keel-server - (read config from stdin)\n"
               "       ./keel-server -v or --version\n"
               "       ./keel-server -h or --help\n\n"
               "The configuration file uses redis.conf's format; every directive can also be\n"
               "given on the command line as --name value, and overrides the file.\n\n"
               "Examples:\n"
               "       ./keel-server (run the server with default config)\n"
               "       ./keel-server /etc/keel/6379.conf\n"
               "       ./keel-server --port 7777\n"
               "       ./keel-server --bind 127.0.0.1 --port 6379 --dir ./data\n"
               "       ./keel-server /etc/mykeel.conf --loglevel verbose -\n\n"
               "See docs/configuration.md for every option.\n");
}

// Detaches from the terminal as Redis does: fork, new session, stdio to /dev/null.
void Daemonize() {
  if (fork() != 0) std::exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR, 0);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

void WritePidFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    keel::server::Log(LogLevel::kWarning, "Failed to write PID file: %s", std::strerror(errno));
    return;
  }
  std::fprintf(f, "%d\n", static_cast<int>(getpid()));
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  // SORT ... ALPHA collates with strcoll under the environment's LC_COLLATE, as Redis does.
  std::setlocale(LC_COLLATE, "");
  if (argc >= 2) {
    std::string_view first = argv[1];
    if (first == "-v" || first == "--version") {
      PrintVersion();
      return 0;
    }
    if (first == "-h" || first == "--help") {
      PrintUsage();
      return 0;
    }
  }

  auto store = std::make_unique<keel::server::ConfigStore>();
  std::string config_file;
  int first_option = 1;
  if (argc >= 2 && argv[1][0] != '-') {
    config_file = argv[1];
    first_option = 2;
  }
  keel::Status s = store->Load(config_file, argc - first_option, argv + first_option);
  if (!s.ok()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(s.message().size()), s.message().data());
    return 1;
  }
  // Load() has changed into `dir` and checked that `logfile` can be opened.
  keel::server::Config& cfg = store->config();
  config_file = store->config_file();
  if (cfg.daemonize) Daemonize();
  keel::server::MarkLogMainProcess();
  keel::server::SetLogLevel(cfg.loglevel);
  s = keel::server::SetLogFile(cfg.logfile);
  if (!s.ok()) {
    std::fprintf(stderr, "Can't open the log file: %s\n", s.ToString().c_str());
    return 1;
  }

  keel::server::Log(LogLevel::kNotice, "oO0OoO0OoO0Oo Keel is starting oO0OoO0OoO0Oo");
  if (config_file.empty()) {
    keel::server::Log(LogLevel::kWarning,
                      "Warning: no config file specified, using the default config. In order to "
                      "specify a config file use %s /path/to/keel.conf",
                      argv[0]);
  } else {
    keel::server::Log(LogLevel::kNotice, "Configuration loaded");
  }

  keel::server::Server server(std::move(store));
  server.set_config_file(config_file);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  server.set_executable(n > 0 ? std::string(exe, static_cast<size_t>(n)) : argv[0]);
  s = server.Start();
  if (!s.ok()) {
    keel::server::Log(LogLevel::kWarning, "%s", s.ToString().c_str());
    return 1;
  }
  // Listening already, as Redis does; connections wait in the backlog until the data is loaded.
  // With appendonly yes the AOF is the dataset (dump.rdb is not read), as in Redis.
  s = cfg.appendonly ? server.aof().LoadAtStartup() : server.snapshots().LoadAtStartup();
  if (s.ok() && !cfg.appendonly) s = server.aof().LoadAtStartup();
  if (!s.ok()) {
    keel::server::Log(LogLevel::kWarning, "%.*s", static_cast<int>(s.message().size()),
                      s.message().data());
    return 1;
  }
  if (cfg.daemonize || !cfg.pidfile.empty()) {
    if (cfg.pidfile.empty()) cfg.pidfile = "/var/run/keel.pid";
    WritePidFile(cfg.pidfile);
  }
  keel::server::Log(LogLevel::kNotice,
                    "Keel version=%s (Redis %s compatible), bits=%d, pid=%d, port=%d, "
                    "io_backend=%s, malloc=%s, just started",
                    keel::server::kKeelVersion, keel::server::kRedisCompatVersion,
                    static_cast<int>(sizeof(void*) * 8), static_cast<int>(getpid()), server.port(),
                    server.loop().BackendName(), keel::engine::AllocatorName());
  s = server.Run();
  if (!s.ok()) {
    keel::server::Log(LogLevel::kWarning, "Event loop failed: %s", s.ToString().c_str());
    return 1;
  }
  return 0;
}
