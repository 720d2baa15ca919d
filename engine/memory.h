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

}  // namespace keel::engine
