// Listening sockets, socket options and peer addresses for both event-loop backends.
#include "io/socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace keel::io {

namespace {

Status Errno(std::string what, int err) {
  what += ": ";
  what += strerror(err);
  return Status::IoError(std::move(what), err);
}

std::string Endpoint(std::string_view addr, int port) {
  std::string s(addr);
  if (s.find(':') != std::string::npos) s = "[" + s + "]";
  return s + ":" + std::to_string(port);
}

// Binds and listens on one resolved address; returns the fd or the errno that stopped it.
int TryListen(const struct addrinfo* ai, int backlog, int* err) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  int one = 1;
  bool ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0;
  // Without V6ONLY a "::" socket also takes IPv4, and binding "*" next to it would fail.
  if (ok && ai->ai_family == AF_INET6) {
    ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0;
  }
  ok = ok && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0;
  if (!ok) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<int> ListenTcp(std::string_view addr, int port, int backlog) {
  std::string host(addr);
  int family = AF_UNSPEC;
  if (host == "*") {
    host = "0.0.0.0";
    family = AF_INET;
  } else if (host == "::*") {
    host = "::";
    family = AF_INET6;
  }
  struct addrinfo hints {};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  struct addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return Status::IoError(
        "cannot resolve bind address " + Endpoint(addr, port) + ": " + gai_strerror(rc),
        rc == EAI_SYSTEM ? errno : 0);
  }
  int err = 0;
  int fd = -1;
  for (struct addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = TryListen(ai, backlog, &err);
  }
  freeaddrinfo(res);
  if (fd < 0) return Errno("cannot listen on " + Endpoint(addr, port), err);
  return fd;
}

Result<int> ListenUnix(std::string_view path, unsigned perm, int backlog) {
  struct sockaddr_un sa {};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) {
    return Status::InvalidArgument("unix socket path '" + std::string(path) +
                                   "' is empty or longer than " +
                                   std::to_string(sizeof(sa.sun_path) - 1) + " bytes");
  }
  memcpy(sa.sun_path, path.data(), path.size());
  // A stale socket from a previous run would make bind fail; anything else at the path is the
  // operator's file and is left alone.
  struct stat st;
  if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(sa.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("cannot create unix socket", errno);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa)) != 0 ||
      (perm != 0 && chmod(sa.sun_path, perm) != 0) || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return Errno("cannot listen on unix socket " + std::string(path), err);
  }
  return fd;
}

int LocalPort(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<struct sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<struct sockaddr_in6*>(&ss)->sin6_port);
  }
  return -1;
}

Status SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return Errno("cannot make socket " + std::to_string(fd) + " non-blocking", errno);
  }
  return Status::Ok();
}

Status SetNoDelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0) return Status::Ok();
  // Unix sockets have no Nagle to disable.
  if (errno == EOPNOTSUPP || errno == ENOPROTOOPT) return Status::Ok();
  return Errno("cannot set TCP_NODELAY on socket " + std::to_string(fd), errno);
}

Status SetKeepAlive(int fd, int interval_s) {
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) != 0) {
    return Errno("cannot set SO_KEEPALIVE", errno);
  }
  if (interval_s <= 0) return Status::Ok();
  int idle = interval_s;
  int intvl = interval_s / 3 > 0 ? interval_s / 3 : 1;
  int count = 3;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) != 0) {
    return Errno("cannot set the TCP keepalive interval", errno);
  }
  return Status::Ok();
}

Status GetPeerAddress(int fd, PeerAddress* peer) {
  *peer = PeerAddress{};
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) != 0) {
    return Errno("cannot get the peer address of socket " + std::to_string(fd), errno);
  }
  if (ss.ss_family == AF_INET) {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, peer->ip, sizeof(peer->ip));
    peer->port = ntohs(sin->sin_port);
    peer->is_loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  } else if (ss.ss_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, peer->ip, sizeof(peer->ip));
    peer->port = ntohs(sin6->sin6_port);
    const uint8_t* b = sin6->sin6_addr.s6_addr;
    peer->is_loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
                        (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && b[12] == 127);
  } else if (ss.ss_family == AF_UNIX) {
    // The client end of a Unix socket is unnamed; name the connection by the listening path.
    peer->is_unix = true;
    peer->is_loopback = true;
    struct sockaddr_un sun {};
    socklen_t sun_len = sizeof(sun);
    if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&sun), &sun_len) == 0 &&
        sun_len > offsetof(struct sockaddr_un, sun_path)) {
      // Paths longer than `ip` (63 bytes) are cut; the field names the connection for humans.
      size_t n = strnlen(sun.sun_path, sizeof(sun.sun_path));
      if (n > sizeof(peer->ip) - 1) n = sizeof(peer->ip) - 1;
      memcpy(peer->ip, sun.sun_path, n);
      peer->ip[n] = '\0';
    }
  }
  return Status::Ok();
}

}  // namespace keel::io
