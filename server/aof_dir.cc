// The AOF directory and its manifest (aof_dir.h).
#include "server/aof_dir.h"

#include "server/log.h"

namespace keel::server {

AofDir::AofDir(io::FileSystem* fs, std::string dir, std::string filename)
    : fs_(fs), dir_(std::move(dir)), filename_(std::move(filename)) {}

std::string AofDir::ManifestPath() const { return PathOf(formats::AofManifestFileName(filename_)); }

bool AofDir::ManifestExists() { return fs_->FileExists(ManifestPath()); }

Status AofDir::Load() {
  std::string text;
  KEEL_RETURN_IF_ERROR(fs_->ReadFileToString(ManifestPath(), &text));
  KEEL_ASSIGN_OR_RETURN(manifest_, formats::ParseAofManifest(text));
  return Status::Ok();
}

Status AofDir::CreateDir() { return fs_->CreateDir(dir_); }

std::string AofDir::AddIncr() {
  int64_t seq = ++manifest_.curr_incr_seq;
  std::string name = formats::AofIncrFileName(filename_, seq);
  manifest_.incr.push_back({name, seq, formats::AofFileType::kIncr});
  return name;
}

std::string AofDir::NextBaseName(bool rdb) const {
  return formats::AofBaseFileName(filename_, manifest_.curr_base_seq + 1, rdb);
}

void AofDir::InstallBase(const std::string& name, int64_t first_kept_incr_seq) {
  if (manifest_.base) {
    manifest_.base->type = formats::AofFileType::kHistory;
    manifest_.history.push_back(*manifest_.base);
  }
  manifest_.base =
      formats::AofFileInfo{name, ++manifest_.curr_base_seq, formats::AofFileType::kBase};
  std::vector<formats::AofFileInfo> kept;
  for (formats::AofFileInfo& f : manifest_.incr) {
    if (f.seq < first_kept_incr_seq) {
      f.type = formats::AofFileType::kHistory;
      manifest_.history.push_back(f);
    } else {
      kept.push_back(f);
    }
  }
  manifest_.incr = std::move(kept);
}

Status AofDir::Persist() {
  const std::string tmp = PathOf(formats::AofTempManifestFileName(filename_));
  std::string text = formats::FormatAofManifest(manifest_);
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file, fs_->NewWritableFile(tmp));
  Status s = file->Append(text);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = Step("manifest-temp-synced");
  if (s.ok()) s = fs_->RenameFile(tmp, ManifestPath());
  if (s.ok()) s = Step("manifest-renamed");
  if (s.ok()) s = fs_->SyncDir(dir_);
  if (s.ok()) s = Step("manifest-dir-synced");
  if (!s.ok()) {
    file.reset();
    Status ignored = fs_->RemoveFile(tmp);
    (void)ignored;
  }
  return s;
}

Status AofDir::DeleteHistory() {
  if (manifest_.history.empty()) return Status::Ok();
  for (const formats::AofFileInfo& f : manifest_.history) {
    Log(LogLevel::kNotice, "Removing the history file %s in the background", f.name.c_str());
    Status ignored = fs_->RemoveFile(PathOf(f.name));
    (void)ignored;
  }
  manifest_.history.clear();
  return Persist();
}

uint64_t AofDir::BaseSize() {
  if (!manifest_.base) return 0;
  auto size = fs_->GetFileSize(PathOf(manifest_.base->name));
  return size.has_value() ? *size : 0;
}

uint64_t AofDir::TotalSize() {
  uint64_t total = BaseSize();
  for (const formats::AofFileInfo& f : manifest_.incr) {
    auto size = fs_->GetFileSize(PathOf(f.name));
    if (size.has_value()) total += *size;
  }
  return total;
}

}  // namespace keel::server
