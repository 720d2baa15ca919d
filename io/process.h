// Child processes for background jobs (BGSAVE, later the AOF rewrite): fork, reap without
// blocking, and measure the copy-on-write a child caused. The parent polls TryReap from its cron,
// as Redis's checkChildrenDone does, so the loop never waits for a child.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "formats/status.h"

namespace keel::io {

// fork(2). In the child (return 0) the signals the server blocked for its signalfd are unblocked
// and reset to their defaults, so SIGTERM and SIGUSR1 stop a child as usual. The child must leave
// the event loop alone and end with _exit.
Result<pid_t> ForkChild();

// fork(2) with a pipe the child reports one number through (its copy-on-write) before it
// exits. In the parent: `pid` > 0 and `fd` the read end (-1 when no pipe could be made); in the
// child: `pid` == 0 and `fd` the write end.
struct ReportingChild {
  pid_t pid = -1;
  int fd = -1;
};
Result<ReportingChild> ForkReportingChild();
// The child's side: writes `value` to `fd` (best effort; -1 is ignored).
void SendChildReport(int fd, uint64_t value);
// The parent's side, once the child is gone: its report (0 when none), and the pipe closed.
uint64_t TakeChildReport(int* fd);

struct ChildExit {
  bool exited = false;    // the child is gone (the fields below are valid)
  int exit_code = 0;      // when it exited normally
  int signal = 0;         // when a signal ended it, else 0
};
// waitpid(pid, WNOHANG): whether `pid` ended, and how.
Result<ChildExit> TryReap(pid_t pid);

// Bytes of private dirty memory of the calling process (/proc/self/smaps_rollup's
// Private_Dirty): in a fork child, what copy-on-write has duplicated so far. 0 when unknown.
uint64_t PrivateDirtyBytes();

}  // namespace keel::io
