// The AOF directory (appenddirname, Redis 7's multi-part layout): the manifest in memory and on
// disk, and the base, incr and history files it names. Every manifest change reaches the disk
// the crash-safe way: a temp file, fsync, rename over the manifest, fsync of the directory, so a
// crash at any step leaves the old or the new manifest (P5, L2, T4).
// Loop thread only (a rewrite child only reads names from it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "formats/aof_manifest.h"
#include "formats/status.h"
#include "io/file_system.h"

namespace keel::server {

class AofDir {
 public:
  // `dir`: the directory's path (relative to the working directory, or absolute); `filename`:
  // appendfilename, the stem of every file name. `fs` must outlive this.
  AofDir(io::FileSystem* fs, std::string dir, std::string filename);

  const std::string& dir() const { return dir_; }
  const std::string& filename() const { return filename_; }
  const formats::AofManifest& manifest() const { return manifest_; }
  formats::AofManifest& mutable_manifest() { return manifest_; }
  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }
  std::string ManifestPath() const;

  // Whether the manifest file exists.
  bool ManifestExists();
  // Reads and parses the manifest file. Errors: the parser's Corruption (Redis's message and the
  // offset), or the read error.
  Status Load();
  // Creates the directory when it does not exist.
  Status CreateDir();

  // Adds the next incr file to the manifest in memory and returns its name (the caller creates
  // the file, then persists the manifest).
  std::string AddIncr();
  // The name the next base file gets (the manifest is unchanged until InstallBase).
  std::string NextBaseName(bool rdb) const;
  // A rewrite's new base replaces the old one: the old base and every incr file with a seq below
  // `first_kept_incr_seq` become history. In memory only; Persist() next.
  void InstallBase(const std::string& name, int64_t first_kept_incr_seq);
  // Writes the manifest durably (temp-<filename>.manifest, fsync, rename, directory fsync).
  Status Persist();
  // Removes the history files from the disk and the manifest, then persists it. Files already
  // gone are fine.
  Status DeleteHistory();

  // Sizes of the files the manifest names (missing files count 0): the base, and base + incrs.
  uint64_t BaseSize();
  uint64_t TotalSize();

  // Test seam: called after each step of Persist() ("manifest-temp-synced", "manifest-renamed",
  // "manifest-dir-synced"); an error it returns fails Persist() there.
  std::function<Status(const char* step)> step_hook;

 private:
  Status Step(const char* step) { return step_hook ? step_hook(step) : Status::Ok(); }
  io::FileSystem* fs_;
  std::string dir_;
  std::string filename_;
  formats::AofManifest manifest_;
};

}  // namespace keel::server
