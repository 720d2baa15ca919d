// The epoll event loop: the fallback when io_uring cannot be used. Level-triggered reads into one
// reusable buffer, sendmsg of each connection's gathered output right after before-sleep, and
// EPOLLOUT interest only while a socket is full. Same contract and semantics as the io_uring loop.
#pragma once

#include <sys/epoll.h>
#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "io/event_loop.h"
#include "io/loop_common.h"

namespace keel::io {

class EpollLoop final : public internal::LoopBase {
 public:
  struct Options {
    size_t read_buffer_size = 16 * 1024;
    // Reads per readable connection per iteration; data left over is reported again by the
    // level-triggered epoll, so one busy client cannot starve the rest.
    int max_reads_per_event = 16;
    // Bytes sent to one connection per iteration before waiting for EPOLLOUT (fairness).
    size_t max_send_per_iteration = 4 * 1024 * 1024;
  };

  static Result<std::unique_ptr<EpollLoop>> Create(const Options& options);
  static Result<std::unique_ptr<EpollLoop>> Create() { return Create(Options{}); }
  // Closes the fds of connections still open without calling their OnClosed().
  ~EpollLoop() override;

  const char* BackendName() const override { return "epoll"; }
  Status AddListener(int listen_fd,
                     std::function<void(int fd, const PeerAddress&)> on_accept) override;
  ConnId AddConnection(int fd, Connection* conn) override;
  void WantWrite(ConnId id) override;
  void Close(ConnId id, bool flush) override;
  Status HandleSignals(std::function<void(int signo)> fn) override;
  Status Run() override;

 private:
  static constexpr size_t kMaxIov = 64;
  static constexpr int kMaxEvents = 256;

  struct Slot : internal::SlotBase {
    uint32_t interest = 0;  // the epoll events currently registered
    struct iovec iov[kMaxIov];
  };

  struct Listener {
    int fd;
    std::function<void(int, const PeerAddress&)> on_accept;
  };

  EpollLoop() = default;
  Status Init(const Options& options);

  void UpdateInterest(Slot* s, uint32_t index, bool want_out);
  void BeginClose(Slot* s, uint32_t index, bool flush, int err);
  void FinishClose(Slot* s, uint32_t index);
  void OnReadable(Slot* s, uint32_t index);
  void OnListenerReady(uint32_t listener);
  void OnSignalReady();
  void Send(Slot* s, uint32_t index);
  void FlushSends();

  Options options_;
  int epfd_ = -1;
  Status fatal_;
  std::vector<char> read_buf_;
  std::vector<struct epoll_event> events_;
  internal::SlotTable<Slot> slots_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

}  // namespace keel::io
