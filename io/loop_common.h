// Pieces both event-loop backends share: connection ids with generations, the repeating timer list
// and the signalfd that carries SIGTERM/SIGINT. Internal to io/; the server sees only EventLoop.
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "formats/status.h"
#include "io/event_loop.h"

namespace keel::io::internal {

// A ConnId is (generation << 32) | slot. A slot is reused only after every operation the kernel
// held for its previous connection has completed, and reuse bumps the generation, so an id kept by
// the server after OnClosed() (or a stale completion) never reaches the new occupant. Generations
// are 24 bits so the io_uring backend can pack an 8-bit operation code above them in user_data.
inline constexpr uint32_t kGenerationMask = (1u << 24) - 1;

inline ConnId MakeConnId(uint32_t slot, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | slot;
}
inline uint32_t SlotOf(ConnId id) { return static_cast<uint32_t>(id); }
inline uint32_t GenerationOf(ConnId id) {
  return static_cast<uint32_t>(id >> 32) & kGenerationMask;
}
// The generation that follows `g`; 0 is skipped so that ConnId 0 is never valid.
inline uint32_t NextGeneration(uint32_t g) {
  g = (g + 1) & kGenerationMask;
  return g == 0 ? 1 : g;
}

// CLOCK_MONOTONIC in microseconds.
int64_t MonotonicUs();

// Repeating timers. The list is tiny (the cron, a few housekeeping jobs), so a linear scan beats a
// heap. Timers live behind unique_ptr: a callback may add timers while RunDue iterates.
class TimerList {
 public:
  uint64_t Add(int64_t interval_ms, std::function<void()> fn);
  void SetInterval(uint64_t id, int64_t interval_ms);
  // Runs every timer whose deadline has passed once, then schedules it `interval` after now (a
  // late timer does not fire repeatedly to catch up, as with Redis's serverCron).
  void RunDue();
  // Microseconds until the nearest deadline (0 if one has passed), or -1 when there are no timers.
  int64_t UsUntilNext() const;

 private:
  struct Timer {
    uint64_t id;
    int64_t interval_us;
    int64_t due_us;
    std::function<void()> fn;
  };
  std::vector<std::unique_ptr<Timer>> timers_;
  uint64_t next_id_ = 1;
};

// Blocks SIGTERM and SIGINT for the calling thread and opens a non-blocking signalfd for them.
// Destruction closes the fd and restores the previous mask, so a test that creates and destroys
// loops leaves the process as it found it.
class SignalChannel {
 public:
  SignalChannel() = default;
  ~SignalChannel();
  SignalChannel(const SignalChannel&) = delete;
  SignalChannel& operator=(const SignalChannel&) = delete;

  Status Open();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  sigset_t old_mask_;
};

// Process-wide: writes to a closed peer must fail with EPIPE, not kill the server.
void IgnoreSigpipe();

}  // namespace keel::io::internal
