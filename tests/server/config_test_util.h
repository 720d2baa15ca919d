// Helpers shared by the configuration tests: a temporary directory with files, one-pair CONFIG
// GET/SET, and splitting Keel's fatal config banner so tests compare the Redis-defined part
// exactly.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "server/config.h"

namespace keel::server::testing {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/keel_config_test_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  // Writes `text` to <dir>/<name> and returns the full path.
  std::string Write(const std::string& name, std::string_view text) const {
    std::string full = path + "/" + name;
    std::ofstream out(full, std::ios::binary);
    out << text;
    return full;
  }
};

// A store whose `dir` never touches the real working directory: the fake accepts absolute paths
// under "/fake" and records every call.
struct FakeDirStore {
  ConfigStore store;
  std::vector<std::string> chdir_calls;
  FakeDirStore() {
    store.config().dir = "/fake/start";
    store.SetDirChanger([this](const std::string& path) -> Result<std::string> {
      chdir_calls.push_back(path);
      if (path.rfind("/fake", 0) != 0) return Status::IoError("No such file or directory", ENOENT);
      return path;
    });
  }
};

inline std::string GetOne(const ConfigStore& store, std::string_view name) {
  ConfigStore::Pairs r = store.Get(name);
  REQUIRE(r.size() == 1);
  return r[0].second;
}

inline Status SetPairs(ConfigStore& store,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> pairs,
                       bool local_client = false) {
  std::vector<std::pair<std::string_view, std::string_view>> v(pairs);
  return store.Set(v, local_client);
}

inline Status SetOne(ConfigStore& store, std::string_view name, std::string_view value) {
  return SetPairs(store, {{name, value}});
}

// The message of a fatal config error after Keel's banner line (whose version varies by build),
// or "<no banner>" when the banner is missing.
inline std::string AfterBanner(const Status& s) {
  static constexpr std::string_view kStart = "\n*** FATAL CONFIG FILE ERROR (Keel ";
  static constexpr std::string_view kEnd = ") ***\n";
  std::string_view m = s.message();
  if (m.substr(0, kStart.size()) != kStart) return "<no banner>";
  size_t end = m.find(kEnd);
  if (end == std::string_view::npos) return "<no banner>";
  return std::string(m.substr(end + kEnd.size()));
}

inline std::string AtLine(int line, std::string_view text, std::string_view why) {
  return "Reading the configuration file, at line " + std::to_string(line) + "\n>>> '" +
         std::string(text) + "'\n" + std::string(why);
}

// Load() with options given as a list (argv without the program name or file).
inline Status LoadArgs(ConfigStore& store, const std::string& file,
                       std::initializer_list<const char*> args) {
  std::vector<const char*> argv(args);
  return store.Load(file, static_cast<int>(argv.size()), argv.data());
}

}  // namespace keel::server::testing
