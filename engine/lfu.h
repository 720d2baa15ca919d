// The access data kept in an entry's 24-bit LRU field, as Redis keeps it in robj->lru: under an LRU
// (or no) policy the LRU clock of the last access, in seconds; under an LFU policy 16 bits of "last
// decrement time" in minutes and an 8-bit logarithmic access counter (a Morris counter):
//
//          16 bits      8 bits
//     +----------------+--------+
//     | last decr time | LOG_C  |
//     +----------------+--------+
//
// The counter grows with probability 1/((LOG_C - 5) * lfu-log-factor + 1) per access, so it
// reaches 255 only after about a million accesses at the default factor, and loses one per
// lfu-decay-time minutes without access. New keys start at LFU_INIT_VAL (5) so they survive long
// enough to collect some accesses.
#pragma once

#include <cstdint>

namespace keel::engine {

inline constexpr uint32_t kLfuInitVal = 5;  // LFU_INIT_VAL
inline constexpr uint32_t kLfuCounterMax = 255;

// Redis's LFUGetTimeInMinutes: minutes of Unix time, 16 bits.
inline uint32_t LfuTimeInMinutes(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 60000) & 65535;
}

// Minutes elapsed since `ldt`, taking the 16-bit time as wrapping exactly once (LFUTimeElapsed).
uint32_t LfuTimeElapsed(uint32_t ldt, uint32_t now_minutes);

// LFULogIncr with `r`, a uniform random number in [0, 1]: the counter grows when r < p.
uint8_t LfuLogIncr(uint8_t counter, int log_factor, double r);
// The same with a random draw.
uint8_t LfuLogIncr(uint8_t counter, int log_factor);

// LFUDecrAndReturn: the counter of `data` after one decrement per `decay_time` minutes elapsed
// since its last decrement time (0: no decay). `data` itself is not changed: the new value is
// stored only when the key is really accessed.
uint32_t LfuDecrAndReturn(uint32_t data, int decay_time, uint32_t now_minutes);

// The LFU data of a new value: now, LFU_INIT_VAL (Redis's createObject under an LFU policy).
inline uint32_t LfuInitialData(uint32_t now_minutes) { return (now_minutes << 8) | kLfuInitVal; }

// updateLFU: the data after an access (decay, then logarithmic increment, stamped now).
uint32_t LfuAccessedData(uint32_t data, int log_factor, int decay_time, uint32_t now_minutes);

// Redis's estimateObjectIdleTime: milliseconds since the access recorded as LRU clock `lru`, with
// the 24-bit clock (seconds) wrapping once.
uint64_t EstimateIdleTimeMs(uint32_t lru, uint32_t lru_clock);

}  // namespace keel::engine
