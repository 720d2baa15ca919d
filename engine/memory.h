// Memory accounting: every allocation Keel makes (entries explicitly, everything else through the
// global operator new/delete) is counted by what the allocator really hands out (its usable size),
// so used_memory matches Redis's meaning. The allocator is chosen at build time (KEEL_ALLOCATOR).
#pragma once

#include <cstddef>

namespace keel::engine {

void* Allocate(size_t size);            // never returns nullptr: aborts on out-of-memory
void* Reallocate(void* p, size_t size);
void Deallocate(void* p);
size_t UsableSize(const void* p);       // bytes the allocator reserved for p

size_t UsedMemory();                    // bytes currently allocated through the functions above
const char* AllocatorName();            // "mimalloc-2.0.9", "jemalloc-5.3.0" or "libc"
// Allocator statistics for INFO memory, where the allocator provides them (0 otherwise).
size_t AllocatorResidentBytes();

// One reading of the allocator's own accounting (INFO's allocator_allocated, allocator_active and
// allocator_resident): bytes handed to the program, bytes in the pages holding them, bytes
// resident. A field the allocator does not report is 0; INFO then falls back as Redis does.
struct AllocatorStats {
  size_t allocated = 0;
  size_t active = 0;
  size_t resident = 0;
};
AllocatorStats ReadAllocatorStats();

}  // namespace keel::engine
