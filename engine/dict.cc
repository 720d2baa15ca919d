// Process-wide state of the Dict template: the hash secret, the random source and the resize
// policy that fork-based persistence switches off while a child runs.
#include "engine/dict.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace keel::engine {
namespace {

// XXH3 needs at least XXH3_SECRET_SIZE_MIN (136) bytes of secret; 192 is its default size.
constexpr size_t kSecretSize = 192;
static_assert(kSecretSize >= XXH3_SECRET_SIZE_MIN);

void FillRandom(void* buf, size_t len) {
  auto* p = static_cast<unsigned char*>(buf);
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  if (len == 0) return;
  // getrandom is unavailable (very old kernel or seccomp): fall back to a time and pid mix. Weaker
  // against hash flooding, but the server still works.
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t x = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 32) ^
               static_cast<uint64_t>(getpid());
  while (len-- > 0) {
    x += 0x9E3779B97F4A7C15ull;  // splitmix64
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    *p++ = static_cast<unsigned char>(z ^ (z >> 31));
  }
}

struct Secret {
  Secret() { FillRandom(bytes, sizeof(bytes)); }
  alignas(64) unsigned char bytes[kSecretSize];
};

const Secret& HashSecret() {
  static const Secret secret;  // generated once per process, on first use
  return secret;
}

bool g_resize_allowed = true;

}  // namespace

uint64_t DictHash(std::string_view key) {
  return XXH3_64bits_withSecret(key.data(), key.size(), HashSecret().bytes, kSecretSize);
}

uint64_t DictRandom() {
  // xorshift64*, seeded per thread from the OS. Quality is ample for picking buckets.
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    FillRandom(&seed, sizeof(seed));
    return seed | 1;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

void SetDictResizeAllowed(bool allowed) { g_resize_allowed = allowed; }
bool DictResizeAllowed() { return g_resize_allowed; }

}  // namespace keel::engine
