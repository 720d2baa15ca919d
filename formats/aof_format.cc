// RESP encoding of logged commands and Keel's batch marks (aof_format.h).
#include "formats/aof_format.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstdio>

#include "formats/resp_writer.h"

namespace keel::formats {

namespace {

void AppendHeader(std::string* out, char prefix, uint64_t n) {
  char buf[24];
  buf[0] = prefix;
  size_t len = 1 + FormatInt64(static_cast<int64_t>(n), buf + 1);
  out->append(buf, len);
  out->append("\r\n", 2);
}

template <typename Args>
void AppendCommand(std::string* out, const Args& args) {
  AppendHeader(out, '*', args.size());
  for (std::string_view a : args) {
    AppendHeader(out, '$', a.size());
    out->append(a);
    out->append("\r\n", 2);
  }
}

bool ParseU64(std::string_view s, int base, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    uint64_t next = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    if (next / static_cast<uint64_t>(base) != v) return false;  // overflow
    v = next;
  }
  *out = v;
  return true;
}

}  // namespace

void AppendAofCommand(std::string* out, std::span<const std::string_view> args) {
  AppendCommand(out, args);
}

void AppendAofCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, args);
}

uint64_t AofBatchChecksum(std::string_view batch) {
  return XXH3_64bits(batch.data(), batch.size());
}

void AppendAofBatchMark(std::string* out, uint64_t synced, std::string_view batch) {
  char buf[96];
  int n = std::snprintf(buf, sizeof(buf), "#KEEL %llu %zu %016llx\r\n",
                        static_cast<unsigned long long>(synced), batch.size(),
                        static_cast<unsigned long long>(AofBatchChecksum(batch)));
  out->append(buf, static_cast<size_t>(n));
}

struct AofBatchHasher::State {
  XXH3_state_t xxh;
};

AofBatchHasher::AofBatchHasher() : state_(std::make_unique<State>()) {
  XXH3_64bits_reset(&state_->xxh);
}

AofBatchHasher::~AofBatchHasher() = default;

void AofBatchHasher::Update(std::string_view bytes) {
  XXH3_64bits_update(&state_->xxh, bytes.data(), bytes.size());
  len_ += bytes.size();
}

void AofBatchHasher::AppendMark(std::string* out, uint64_t synced) {
  char buf[96];
  int n =
      std::snprintf(buf, sizeof(buf), "#KEEL %llu %llu %016llx\r\n",
                    static_cast<unsigned long long>(synced), static_cast<unsigned long long>(len_),
                    static_cast<unsigned long long>(XXH3_64bits_digest(&state_->xxh)));
  out->append(buf, static_cast<size_t>(n));
  Reset();
}

void AofBatchHasher::Reset() {
  XXH3_64bits_reset(&state_->xxh);
  len_ = 0;
}

std::optional<AofBatchMark> ParseAofBatchMark(std::string_view a) {
  constexpr std::string_view kPrefix = "KEEL ";
  if (a.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  a.remove_prefix(kPrefix.size());
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    size_t sp = a.find(' ');
    if (i < 2 && sp == std::string_view::npos) return std::nullopt;
    parts[i] = i < 2 ? a.substr(0, sp) : a;
    if (i < 2) a.remove_prefix(sp + 1);
  }
  AofBatchMark m;
  if (!ParseU64(parts[0], 10, &m.synced) || !ParseU64(parts[1], 10, &m.len) ||
      parts[2].size() != 16 || !ParseU64(parts[2], 16, &m.checksum)) {
    return std::nullopt;
  }
  return m;
}

}  // namespace keel::formats
