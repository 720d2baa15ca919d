// The allocator seam behind used_memory: Allocate/Deallocate over the allocator chosen at build
// time, a counter of usable bytes, and the global operator new/delete replacements that route every
// C++ allocation in the process through the same counter.
#include "engine/memory.h"

#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(KEEL_USE_MIMALLOC)
#include <mimalloc.h>
#elif defined(KEEL_USE_JEMALLOC)
// Debian's libjemalloc replaces malloc itself (no je_ prefix); only mallctl needs declaring, and
// declaring it here avoids <jemalloc/jemalloc.h> redeclaring malloc against glibc's headers.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen);
#endif

namespace keel::engine {
namespace {

// Relaxed is enough: the counter is a statistic, read by INFO on the loop thread, and nothing is
// ordered by it. Constant-initialised, so allocations made before main() are counted too.
constinit std::atomic<size_t> g_used_memory{0};

inline void* RawMalloc(size_t size) {
#if defined(KEEL_USE_MIMALLOC)
  return mi_malloc(size);
#else
  return malloc(size);
#endif
}

inline void* RawRealloc(void* p, size_t size) {
#if defined(KEEL_USE_MIMALLOC)
  return mi_realloc(p, size);
#else
  return realloc(p, size);
#endif
}

inline void RawFree(void* p) {
#if defined(KEEL_USE_MIMALLOC)
  mi_free(p);
#else
  free(p);
#endif
}

inline size_t RawUsable(const void* p) {
#if defined(KEEL_USE_MIMALLOC)
  return mi_usable_size(p);
#else
  return malloc_usable_size(const_cast<void*>(p));
#endif
}

inline void* RawAligned(size_t size, size_t alignment) {
#if defined(KEEL_USE_MIMALLOC)
  return mi_malloc_aligned(size, alignment);
#else
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
#endif
}

[[noreturn]] void OutOfMemory(size_t size) {
  // No allocation here: we are out of memory. Redis aborts the same way (zmalloc_oom_handler).
  fprintf(stderr, "keel: out of memory trying to allocate %zu bytes; aborting\n", size);
  abort();
}

inline void* Counted(void* p) {
  if (p != nullptr) g_used_memory.fetch_add(RawUsable(p), std::memory_order_relaxed);
  return p;
}

// malloc(0) may return nullptr on some allocators; C++ requires a unique non-null pointer.
inline size_t AtLeastOne(size_t size) { return size == 0 ? 1 : size; }

void* TryAllocate(size_t size) { return Counted(RawMalloc(AtLeastOne(size))); }

void* TryAllocateAligned(size_t size, std::align_val_t alignment) {
  return Counted(RawAligned(AtLeastOne(size), static_cast<size_t>(alignment)));
}

void* AllocateAligned(size_t size, std::align_val_t alignment) {
  void* p = TryAllocateAligned(size, alignment);
  if (p == nullptr) OutOfMemory(size);
  return p;
}

}  // namespace

void* Allocate(size_t size) {
  void* p = TryAllocate(size);
  if (p == nullptr) OutOfMemory(size);
  return p;
}

void* Reallocate(void* p, size_t size) {
  if (p == nullptr) return Allocate(size);
  size_t old_usable = RawUsable(p);
  void* q = RawRealloc(p, AtLeastOne(size));
  if (q == nullptr) OutOfMemory(size);
  g_used_memory.fetch_sub(old_usable, std::memory_order_relaxed);
  g_used_memory.fetch_add(RawUsable(q), std::memory_order_relaxed);
  return q;
}

void Deallocate(void* p) {
  if (p == nullptr) return;
  g_used_memory.fetch_sub(RawUsable(p), std::memory_order_relaxed);
  RawFree(p);
}

size_t UsableSize(const void* p) { return p == nullptr ? 0 : RawUsable(p); }

size_t UsedMemory() { return g_used_memory.load(std::memory_order_relaxed); }

const char* AllocatorName() {
#if defined(KEEL_USE_MIMALLOC)
  static char name[32];
  if (name[0] == '\0') {
    int v = mi_version();  // e.g. 209 for 2.0.9
    snprintf(name, sizeof(name), "mimalloc-%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
  }
  return name;
#elif defined(KEEL_USE_JEMALLOC)
  static char name[64];
  if (name[0] == '\0') {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) {
      return "jemalloc";
    }
    // "5.3.0-0-g54eaed1d..." -> "jemalloc-5.3.0", as Redis reports it.
    size_t n = strcspn(version, "-");
    snprintf(name, sizeof(name), "jemalloc-%.*s", static_cast<int>(n), version);
  }
  return name;
#else
  return "libc";
#endif
}

size_t AllocatorResidentBytes() {
#if defined(KEEL_USE_MIMALLOC)
  size_t elapsed, user, sys, current_rss, peak_rss, current_commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &current_rss, &peak_rss, &current_commit, &peak_commit,
                  &faults);
  // On Linux mimalloc reports the memory it has committed here (it cannot see page residency).
  return current_rss;
#elif defined(KEEL_USE_JEMALLOC)
  // jemalloc caches its statistics; bumping the epoch refreshes them.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t resident = 0;
  len = sizeof(resident);
  if (mallctl("stats.resident", &resident, &len, nullptr, 0) != 0) return 0;
  return resident;
#else
  return 0;
#endif
}

AllocatorStats ReadAllocatorStats() {
  AllocatorStats stats;
#if defined(KEEL_USE_MIMALLOC)
  size_t elapsed, user, sys, current_rss, peak_rss, current_commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &current_rss, &peak_rss, &current_commit, &peak_commit,
                  &faults);
  // mimalloc counts neither allocated bytes (without its statistics build) nor resident ones (on
  // Linux its "rss" is the committed size again); what it holds committed is its active memory.
  stats.active = current_commit;
#elif defined(KEEL_USE_JEMALLOC)
  uint64_t epoch = 1;  // refresh jemalloc's cached statistics first
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  auto read = [](const char* name) -> size_t {
    size_t value = 0;
    size_t size = sizeof(value);
    return mallctl(name, &value, &size, nullptr, 0) == 0 ? value : 0;
  };
  stats.allocated = read("stats.allocated");
  stats.active = read("stats.active");
  stats.resident = read("stats.resident");
#endif
  return stats;
}

}  // namespace keel::engine

// Global operator new/delete. Every variant is replaced so that no C++ allocation escapes the
// counter and no pointer is freed by a different allocator than the one that made it. Keel builds
// without exceptions on its paths, so the throwing forms abort on out-of-memory like Allocate.

void* operator new(size_t size) { return keel::engine::Allocate(size); }
void* operator new[](size_t size) { return keel::engine::Allocate(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return keel::engine::TryAllocate(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return keel::engine::TryAllocate(size);
}
void* operator new(size_t size, std::align_val_t alignment) {
  return keel::engine::AllocateAligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return keel::engine::AllocateAligned(size, alignment);
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return keel::engine::TryAllocateAligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return keel::engine::TryAllocateAligned(size, alignment);
}

void operator delete(void* p) noexcept { keel::engine::Deallocate(p); }
void operator delete[](void* p) noexcept { keel::engine::Deallocate(p); }
void operator delete(void* p, size_t) noexcept { keel::engine::Deallocate(p); }
void operator delete[](void* p, size_t) noexcept { keel::engine::Deallocate(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { keel::engine::Deallocate(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { keel::engine::Deallocate(p); }
void operator delete(void* p, std::align_val_t) noexcept { keel::engine::Deallocate(p); }
void operator delete[](void* p, std::align_val_t) noexcept { keel::engine::Deallocate(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { keel::engine::Deallocate(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { keel::engine::Deallocate(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  keel::engine::Deallocate(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  keel::engine::Deallocate(p);
}
