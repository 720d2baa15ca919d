// Inserts N keys (16-byte names, 32-byte values, default 1,000,000) into a Keyspace and prints the
// allocator, used_memory per key, RSS growth per key and the insert time, so allocators can be
// compared by measurement. Usage: keel_keyspace_memory [N]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/keyspace.h"
#include "engine/memory.h"
#include "io/clock.h"

namespace {

size_t ResidentBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0;
  unsigned long resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// Writes i as `width` zero-padded digits ending at `end` (exclusive); cheaper than snprintf, so
// the timing is mostly the keyspace's.
void PutDigits(char* end, size_t width, size_t i) {
  for (size_t k = 0; k < width; k++) {
    *--end = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? strtoull(argv[1], nullptr, 10) : 1'000'000;
  keel::io::SystemClock clock;
  keel::engine::Keyspace ks(16, &clock);
  keel::engine::Db& db = ks.db(0);

  char key[] = "key:000000000000";                    // 16 bytes
  char value[] = "value:xxxxxxxxxxxxxx000000000000";  // 32 bytes, never an integer
  static_assert(sizeof(key) - 1 == 16 && sizeof(value) - 1 == 32);

  size_t used0 = keel::engine::UsedMemory();
  size_t rss0 = ResidentBytes();
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i++) {
    PutDigits(key + 16, 12, i);
    PutDigits(value + 32, 12, i);
    db.SetString(std::string_view(key, 16), std::string_view(value, 32));
  }
  auto t1 = std::chrono::steady_clock::now();
  size_t used1 = keel::engine::UsedMemory();
  size_t rss1 = ResidentBytes();

  double secs = std::chrono::duration<double>(t1 - t0).count();
  double keys = static_cast<double>(n);
  printf("allocator:            %s\n", keel::engine::AllocatorName());
  printf("keys:                 %zu (16-byte names, 32-byte values)\n", db.size());
  printf("used_memory/key:      %.1f bytes\n", static_cast<double>(used1 - used0) / keys);
  printf("rss/key:              %.1f bytes\n", static_cast<double>(rss1 - rss0) / keys);
  printf("insert time:          %.3f s (%.0f ns/key)\n", secs, secs * 1e9 / keys);
  printf("used_memory total:    %zu bytes\n", used1);
  printf("rss total:            %zu bytes\n", rss1);
  printf("allocator resident:   %zu bytes\n", keel::engine::AllocatorResidentBytes());
  return 0;
}
