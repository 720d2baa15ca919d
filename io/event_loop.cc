// Backend selection: io_uring when the kernel allows it, epoll otherwise (or when forced).
#include "io/event_loop.h"

#include <string>

#include "io/epoll_loop.h"
#include "io/uring_loop.h"

namespace keel::io {

Result<std::unique_ptr<EventLoop>> EventLoop::Create(Backend backend,
                                                     std::string* fallback_reason) {
  if (fallback_reason != nullptr) fallback_reason->clear();
  if (backend != Backend::kEpoll) {
    auto uring = UringLoop::Create();
    if (uring.has_value()) return std::unique_ptr<EventLoop>(std::move(uring).value());
    if (backend == Backend::kIoUring) {
      return Status::NotSupported("io_uring was requested but is unavailable: " +
                                  std::string(uring.error().message()));
    }
    if (fallback_reason != nullptr) *fallback_reason = std::string(uring.error().message());
  }
  auto epoll = EpollLoop::Create();
  if (!epoll.has_value()) return epoll.error();
  return std::unique_ptr<EventLoop>(std::move(epoll).value());
}

}  // namespace keel::io
