// Timers, signal delivery and clock reading shared by the io_uring and epoll backends.
#include "io/loop_common.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <string>

namespace keel::io::internal {

int64_t MonotonicUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

namespace {
int64_t IntervalUs(int64_t interval_ms) { return (interval_ms > 0 ? interval_ms : 1) * 1000; }
}  // namespace

uint64_t TimerList::Add(int64_t interval_ms, std::function<void()> fn) {
  auto t = std::make_unique<Timer>();
  t->id = next_id_++;
  t->interval_us = IntervalUs(interval_ms);
  t->due_us = MonotonicUs() + t->interval_us;
  t->fn = std::move(fn);
  timers_.push_back(std::move(t));
  return timers_.back()->id;
}

void TimerList::SetInterval(uint64_t id, int64_t interval_ms) {
  for (auto& t : timers_) {
    if (t->id == id) {
      t->interval_us = IntervalUs(interval_ms);
      t->due_us = MonotonicUs() + t->interval_us;
      return;
    }
  }
}

void TimerList::RunDue() {
  if (timers_.empty()) return;
  int64_t now = MonotonicUs();
  // Index loop: a callback may append to timers_ (the new timer is not due yet).
  for (size_t i = 0; i < timers_.size(); ++i) {
    Timer* t = timers_[i].get();
    if (t->due_us > now) continue;
    t->due_us = now + t->interval_us;
    t->fn();
  }
}

int64_t TimerList::UsUntilNext() const {
  if (timers_.empty()) return -1;
  int64_t next = INT64_MAX;
  for (const auto& t : timers_) next = t->due_us < next ? t->due_us : next;
  int64_t left = next - MonotonicUs();
  return left > 0 ? left : 0;
}

SignalChannel::~SignalChannel() {
  if (fd_ < 0) return;
  close(fd_);
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

Status SignalChannel::Open() {
  if (fd_ >= 0) return Status::Ok();
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  int rc = pthread_sigmask(SIG_BLOCK, &mask, &old_mask_);
  if (rc != 0) {
    return Status::IoError(std::string("cannot block SIGTERM/SIGINT: ") + strerror(rc), rc);
  }
  fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    return Status::IoError(std::string("cannot create a signalfd: ") + strerror(err), err);
  }
  return Status::Ok();
}

void IgnoreSigpipe() { signal(SIGPIPE, SIG_IGN); }

}  // namespace keel::io::internal

namespace keel::io::internal {

void LoopBase::SubmitFileWrite(int fd, uint64_t offset, const char* data, size_t len, bool sync,
                               std::function<void(int64_t, int)> done) {
  // Like write(2) and io_uring: once some bytes are written, a later error makes the result a
  // short count (the caller continues and meets the error itself), never -errno, so the caller
  // always learns how much reached the file.
  size_t written = 0;
  int err = 0;
  while (written < len) {
    ssize_t n = pwrite(fd, data + written, len - written, static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    written += static_cast<size_t>(n);
  }
  int64_t write_res = written > 0 || err == 0 ? static_cast<int64_t>(written) : -err;
  int sync_res = 1;
  if (sync) {
    sync_res = written == len ? (fdatasync(fd) == 0 ? 0 : -errno) : -ECANCELED;
  }
  deferred_file_done_.push_back(
      [done = std::move(done), write_res, sync_res] { done(write_res, sync_res); });
}

void LoopBase::SubmitFileSync(int fd, std::function<void(int)> done) {
  int res = fdatasync(fd) == 0 ? 0 : -errno;
  deferred_file_done_.push_back([done = std::move(done), res] { done(res); });
}

bool LoopBase::RunFileCompletions() {
  if (deferred_file_done_.empty()) return false;
  // Swapped out first: a `done` that submits again queues for the next iteration.
  file_done_work_.swap(deferred_file_done_);
  for (auto& fn : file_done_work_) fn();
  file_done_work_.clear();
  return true;
}

}  // namespace keel::io::internal
