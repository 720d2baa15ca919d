// Memory accounting: Allocate/Reallocate/Deallocate and every form of operator new are counted by
// usable size, and the count returns to where it was when a keyspace is emptied and destroyed.
#include "engine/memory.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "engine/keyspace.h"
#include "io/clock.h"

namespace keel::engine {
namespace {

TEST_CASE("Allocate counts the usable size and Deallocate gives it back", "[memory]") {
  size_t before = UsedMemory();
  void* p = Allocate(100);
  size_t usable = UsableSize(p);
  size_t during = UsedMemory();
  Deallocate(p);
  size_t after = UsedMemory();
  REQUIRE(usable >= 100);
  REQUIRE(during == before + usable);
  REQUIRE(after == before);
  Deallocate(nullptr);  // a no-op, like free
  REQUIRE(UsedMemory() == before);
}

TEST_CASE("Reallocate keeps the contents and moves the count", "[memory]") {
  size_t before = UsedMemory();
  auto* p = static_cast<char*>(Allocate(16));
  memcpy(p, "0123456789abcdef", 16);
  p = static_cast<char*>(Reallocate(p, 100'000));
  size_t usable = UsableSize(p);
  bool kept = memcmp(p, "0123456789abcdef", 16) == 0;
  size_t during = UsedMemory();
  Deallocate(p);
  REQUIRE(kept);
  REQUIRE(usable >= 100'000);
  REQUIRE(during == before + usable);
  REQUIRE(UsedMemory() == before);
}

struct alignas(128) Aligned {
  char bytes[200];
};

TEST_CASE("every form of operator new is counted", "[memory]") {
  size_t before = UsedMemory();
  auto* a = new char[5000];
  size_t with_array = UsedMemory();
  delete[] a;
  size_t after_array = UsedMemory();
  auto* s = new std::string(1000, 'x');  // the object and its buffer
  size_t with_string = UsedMemory();
  delete s;
  auto* al = new Aligned;
  size_t with_aligned = UsedMemory();
  bool aligned = reinterpret_cast<uintptr_t>(al) % 128 == 0;
  delete al;
  auto* nt = new (std::nothrow) char[300];
  size_t with_nothrow = UsedMemory();
  delete[] nt;
  size_t after = UsedMemory();

  REQUIRE(with_array >= before + 5000);
  REQUIRE(after_array == before);
  REQUIRE(with_string >= before + 1000 + sizeof(std::string));
  REQUIRE(with_aligned >= before + sizeof(Aligned));
  REQUIRE(aligned);
  REQUIRE(with_nothrow >= before + 300);
  REQUIRE(after == before);
}

TEST_CASE("used memory rises with keys and returns after flush and destruction", "[memory]") {
  size_t before = UsedMemory();
  size_t with_keys = 0;
  size_t after_clear = 0;
  size_t empty = 0;
  {
    io::ManualClock clock;
    Keyspace ks(16, &clock);
    empty = UsedMemory();
    char key[32];
    for (int i = 0; i < 10'000; i++) {
      snprintf(key, sizeof(key), "key:%012d", i);
      Entry* e = ks.db(0).SetString(key, "value-aaaaaaaaaaaaaaaaaaaaaaaaaa");
      if (i % 2 == 0) ks.db(0).SetExpire(e, ks.now_ms() + 100'000);
    }
    with_keys = UsedMemory();
    ks.db(0).Clear();
    after_clear = UsedMemory();
  }
  size_t after = UsedMemory();
  // At least the 62-byte entries, plus buckets and expiry nodes.
  REQUIRE(with_keys >= empty + 10'000 * 62 + 5'000 * 24);
  REQUIRE(after_clear == empty);
  REQUIRE(after == before);
}

TEST_CASE("allocator name is Redis-style: libc, mimalloc-x.y.z or jemalloc-x.y.z", "[memory]") {
  std::string name = AllocatorName();
  bool known = name == "libc" || name.rfind("mimalloc-", 0) == 0 || name.rfind("jemalloc-", 0) == 0;
  REQUIRE(known);
  if (name == "libc") REQUIRE(AllocatorResidentBytes() == 0);
}

}  // namespace
}  // namespace keel::engine
