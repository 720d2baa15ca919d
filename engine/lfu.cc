// LRU and LFU access data (see lfu.h), with Redis 7.0's formulas so that OBJECT FREQ, OBJECT
// IDLETIME and the eviction order behave as in Redis.
#include "engine/lfu.h"

#include "engine/dict.h"
#include "engine/entry.h"

namespace keel::engine {

uint32_t LfuTimeElapsed(uint32_t ldt, uint32_t now_minutes) {
  if (now_minutes >= ldt) return now_minutes - ldt;
  return 65535 - ldt + now_minutes;
}

uint8_t LfuLogIncr(uint8_t counter, int log_factor, double r) {
  if (counter == kLfuCounterMax) return counter;
  double baseval = static_cast<double>(counter) - kLfuInitVal;
  if (baseval < 0) baseval = 0;
  double p = 1.0 / (baseval * log_factor + 1);
  if (r < p) counter++;
  return counter;
}

uint8_t LfuLogIncr(uint8_t counter, int log_factor) {
  // 53 random bits as a double in [0, 1) (Redis draws rand()/RAND_MAX).
  double r = static_cast<double>(DictRandom() >> 11) * 0x1.0p-53;
  return LfuLogIncr(counter, log_factor, r);
}

uint32_t LfuDecrAndReturn(uint32_t data, int decay_time, uint32_t now_minutes) {
  uint32_t ldt = (data >> 8) & 65535;
  uint32_t counter = data & 255;
  uint32_t periods = decay_time > 0 ? LfuTimeElapsed(ldt, now_minutes) / decay_time : 0;
  if (periods != 0) counter = periods > counter ? 0 : counter - periods;
  return counter;
}

uint32_t LfuAccessedData(uint32_t data, int log_factor, int decay_time, uint32_t now_minutes) {
  uint32_t counter = LfuDecrAndReturn(data, decay_time, now_minutes);
  counter = LfuLogIncr(static_cast<uint8_t>(counter), log_factor);
  return (now_minutes << 8) | counter;
}

uint64_t EstimateIdleTimeMs(uint32_t lru, uint32_t lru_clock) {
  uint64_t seconds = lru_clock >= lru ? lru_clock - lru : lru_clock + (kLruClockMax - lru);
  return seconds * static_cast<uint64_t>(kLruClockResolutionMs);
}

}  // namespace keel::engine
