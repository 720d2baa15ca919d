// Fork, non-blocking reaping and copy-on-write measurement for background jobs.
#include "io/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace keel::io {

Result<pid_t> ForkChild() {
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    return Status::IoError(std::string("fork: ") + std::strerror(err), err);
  }
  if (pid == 0) {
    // The parent takes SIGTERM and SIGINT through a signalfd with them blocked; the child must be
    // stoppable by plain signals again.
    for (int signo : {SIGTERM, SIGINT, SIGUSR1}) signal(signo, SIG_DFL);
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &all, nullptr);
  }
  return pid;
}

Result<ChildExit> TryReap(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int err = errno;
    return Status::IoError(std::string("waitpid: ") + std::strerror(err), err);
  }
  ChildExit out;
  if (r == 0) return out;
  out.exited = true;
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

uint64_t PrivateDirtyBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned long long v = 0;
    if (std::sscanf(line, "Private_Dirty: %llu kB", &v) == 1) {
      kb = v;
      break;
    }
  }
  std::fclose(f);
  return kb * 1024;
}

Result<ReportingChild> ForkReportingChild() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fds[0] = fds[1] = -1;
  auto pid = ForkChild();
  if (!pid.has_value()) {
    if (fds[0] >= 0) {
      close(fds[0]);
      close(fds[1]);
    }
    return pid.error();
  }
  ReportingChild child;
  child.pid = *pid;
  if (*pid == 0) {
    if (fds[0] >= 0) close(fds[0]);
    child.fd = fds[1];
  } else {
    if (fds[1] >= 0) close(fds[1]);
    child.fd = fds[0];
  }
  return child;
}

void SendChildReport(int fd, uint64_t value) {
  if (fd < 0) return;
  ssize_t ignored = write(fd, &value, sizeof(value));
  (void)ignored;
}

uint64_t TakeChildReport(int* fd) {
  uint64_t value = 0;
  if (*fd < 0) return 0;
  if (read(*fd, &value, sizeof(value)) != static_cast<ssize_t>(sizeof(value))) value = 0;
  close(*fd);
  *fd = -1;
  return value;
}

}  // namespace keel::io
