// Pieces both event-loop backends share: connection ids with generations, the connection slot table
// with its send queue and close-state transitions, the repeating timer list, the signalfd that
// carries SIGTERM/SIGINT, and the EventLoop methods that do not depend on the backend. Internal to
// io/; the server sees only EventLoop.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
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

// The per-connection state both backends keep. A backend's Slot derives from it and adds its own
// fields (epoll interest, io_uring in-flight operations). Invariants: `in_use` iff the slot holds a
// live connection; `queued` iff the slot's current ConnId is on the table's send queue; `flush` is
// meaningful only while `closing`; `close_err` keeps the first error reported for the connection.
struct SlotBase {
  Connection* conn = nullptr;
  int fd = -1;
  uint32_t generation = 0;
  bool in_use = false;
  bool queued = false;   // on the send queue (dedupes WantWrite)
  bool closing = false;  // Close() or an error: no more OnData
  bool flush = false;    // closing waits for output to drain
  int close_err = 0;

  // Whether WantWrite() may still queue output: not once a close has dropped the pending output.
  bool AcceptsOutput() const { return !closing || flush; }
};

// What BeginClose() did to a slot's close state; the backend reacts to the change.
enum class CloseStep {
  kUnchanged,       // already closing with a flush that this request does not abandon
  kStarted,         // the connection just started closing (flush as requested)
  kFlushAbandoned,  // it was closing with a flush; now it closes without one
};

// The close-state transition shared by both backends: the first error sticks, a first request
// starts the close, a later non-flushing request abandons a pending flush, anything else is a
// no-op.
inline CloseStep BeginCloseState(SlotBase* s, bool flush, int err) {
  if (s->close_err == 0) s->close_err = err;
  if (!s->closing) {
    s->closing = true;
    s->flush = flush;
    return CloseStep::kStarted;
  }
  if (flush || !s->flush) return CloseStep::kUnchanged;
  s->flush = false;  // an error or a forced close overrides a pending flush
  return CloseStep::kFlushAbandoned;
}

// The connection slots of one loop, indexed by SlotOf(ConnId), plus the queue of connections to
// gather and send after before-sleep. Slots live behind unique_ptr so a Slot* stays valid while a
// callback (OnClosed, on_accept) adds connections; released slots are reused LIFO. Everything here
// is inline and non-virtual: it sits on the data path of both backends.
template <typename Slot>
class SlotTable {
 public:
  SlotTable() = default;
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  // Takes a free slot (or grows the table) for `fd`/`conn`, bumps its generation and resets the
  // shared state; the backend resets its own fields. Returns the slot index.
  uint32_t Acquire(int fd, Connection* conn) {
    uint32_t index;
    if (!free_slots_.empty()) {
      index = free_slots_.back();
      free_slots_.pop_back();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.push_back(std::make_unique<Slot>());
    }
    Slot* s = slots_[index].get();
    s->generation = NextGeneration(s->generation);
    s->conn = conn;
    s->fd = fd;
    s->in_use = true;
    s->queued = s->closing = s->flush = false;
    s->close_err = 0;
    return index;
  }

  Slot* at(uint32_t index) { return slots_[index].get(); }

  // The live slot `id` names, or nullptr when the id is out of range, its slot is free, or the slot
  // has moved on to a later connection (generation mismatch).
  Slot* Lookup(ConnId id) {
    uint32_t index = SlotOf(id);
    if (index >= slots_.size()) return nullptr;
    Slot* s = slots_[index].get();
    if (!s->in_use || s->generation != GenerationOf(id)) return nullptr;
    return s;
  }

  // Puts the slot on the send queue once per drain.
  void Queue(Slot* s, uint32_t index) {
    if (s->queued) return;
    s->queued = true;
    pending_.push_back(MakeConnId(index, s->generation));
  }

  // Calls send(slot, index) for every queued connection still alive. send (through OnClosed() or
  // GatherOutput()) may queue more; this loops until nothing is left, so no queued output waits for
  // an unrelated wakeup. A slot released and reused meanwhile is skipped by the generation check.
  template <typename Send>
  void DrainQueue(Send&& send) {
    while (!pending_.empty()) {
      work_.swap(pending_);
      for (ConnId id : work_) {
        Slot* s = Lookup(id);
        if (s == nullptr) continue;
        s->queued = false;
        send(s, SlotOf(id));
      }
      work_.clear();
    }
  }

  // Closes the fd, frees the slot and then calls OnClosed(close_err). The slot is released before
  // the callback so that it may add a connection that reuses it; the caller must not touch `s`
  // afterwards (it may belong to a new connection).
  void Release(Slot* s, uint32_t index) {
    close(s->fd);
    Connection* conn = s->conn;
    int err = s->close_err;
    s->in_use = false;
    s->conn = nullptr;
    s->fd = -1;
    free_slots_.push_back(index);
    conn->OnClosed(err);
  }

  // Teardown: closes the fds of connections still open, without calling OnClosed().
  void CloseOpenFds() {
    for (auto& s : slots_) {
      if (s->in_use && s->fd >= 0) close(s->fd);
    }
  }

 private:
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<ConnId> pending_;  // connections to gather and send after before-sleep
  std::vector<ConnId> work_;     // pending_ being processed
};

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

// The EventLoop methods and state that do not depend on the backend: timers, before-sleep, the
// signal channel and its handler, and the stop flag. The backends derive from it and stay final.
class LoopBase : public EventLoop {
 public:
  uint64_t AddTimer(int64_t interval_ms, std::function<void()> fn) final {
    return timers_.Add(interval_ms, std::move(fn));
  }
  void SetTimerInterval(uint64_t timer_id, int64_t interval_ms) final {
    timers_.SetInterval(timer_id, interval_ms);
  }
  void SetBeforeSleep(std::function<void()> fn) final { before_sleep_ = std::move(fn); }
  void Stop() final { stop_ = true; }

  // File I/O done synchronously at the call (pwrite until complete or an error, then fdatasync),
  // with `done` deferred to RunFileCompletions(). The epoll backend uses these as they are; the
  // io_uring backend overrides them with asynchronous operations.
  void SubmitFileWrite(int fd, uint64_t offset, const char* data, size_t len, bool sync,
                       std::function<void(int64_t write_res, int sync_res)> done) override;
  void SubmitFileSync(int fd, std::function<void(int res)> done) override;
  size_t file_ops_in_flight() const override { return deferred_file_done_.size(); }

 protected:
  // Runs the `done` callbacks of the synchronous file operations; a backend that uses them calls
  // it once per iteration, before before-sleep, and must not sleep while file_ops_in_flight().
  // Operations submitted by these callbacks wait for the next call. Returns whether any ran.
  bool RunFileCompletions();
  TimerList& timers() { return timers_; }
  const TimerList& timers() const { return timers_; }
  void RunBeforeSleep() {
    if (before_sleep_) before_sleep_();
  }
  SignalChannel& signals() { return signals_; }
  void set_on_signal(std::function<void(int)> fn) { on_signal_ = std::move(fn); }
  void DeliverSignal(int signo) {
    if (on_signal_) on_signal_(signo);
  }
  bool stop_requested() const { return stop_; }
  // Run() clears the request on the way out so that the loop can be run again.
  void clear_stop() { stop_ = false; }

 private:
  TimerList timers_;
  std::function<void()> before_sleep_;
  SignalChannel signals_;
  std::function<void(int)> on_signal_;
  bool stop_ = false;
  std::vector<std::function<void()>> deferred_file_done_;
  std::vector<std::function<void()>> file_done_work_;  // the batch RunFileCompletions() runs
};

}  // namespace keel::io::internal
