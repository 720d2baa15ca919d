// Listening sockets, socket options and peer addresses.
#include "io/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace keel::io {
namespace {

// Connects to `addr`:`port` and returns {client fd, accepted fd}.
std::pair<int, int> ConnectAndAccept(int listen_fd, int family, const char* addr, int port) {
  int c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_storage ss {};
  socklen_t len;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, addr, &sin->sin_addr);
    len = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, addr, &sin6->sin6_addr);
    len = sizeof(*sin6);
  }
  REQUIRE(connect(c, reinterpret_cast<struct sockaddr*>(&ss), len) == 0);
  // The listener is non-blocking, but a completed connect is already in its queue.
  int a = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(a >= 0);
  return {c, a};
}

bool Ipv6Available() {
  auto fd = ListenTcp("::1", 0, 1);
  if (!fd.has_value()) return false;
  close(*fd);
  return true;
}

TEST_CASE("ListenTcp on port 0 picks a free port and is non-blocking", "[io][socket]") {
  auto fd = ListenTcp("127.0.0.1", 0, 16);
  REQUIRE(fd.has_value());
  CHECK(LocalPort(*fd) > 0);
  CHECK((fcntl(*fd, F_GETFL) & O_NONBLOCK) != 0);
  int reuse = 0;
  socklen_t len = sizeof(reuse);
  getsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len);
  CHECK(reuse != 0);
  close(*fd);
}

TEST_CASE("a port in use is an IoError naming the address, with EADDRINUSE", "[io][socket]") {
  auto first = ListenTcp("127.0.0.1", 0, 16);
  REQUIRE(first.has_value());
  int port = LocalPort(*first);
  auto second = ListenTcp("127.0.0.1", port, 16);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == StatusCode::kIoError);
  CHECK(second.error().sys_errno() == EADDRINUSE);
  CHECK(second.error().message().find("127.0.0.1:" + std::to_string(port)) !=
        std::string_view::npos);
  close(*first);
}

TEST_CASE("an unparsable bind address is an error, not a crash", "[io][socket]") {
  auto fd = ListenTcp("not an address!", 0, 16);
  REQUIRE_FALSE(fd.has_value());
  CHECK(fd.error().message().find("not an address!") != std::string_view::npos);
}

TEST_CASE("\"*\" and \"::*\" can share a port because v6 sockets are v6-only", "[io][socket]") {
  if (!Ipv6Available()) return;
  auto v4 = ListenTcp("*", 0, 16);
  REQUIRE(v4.has_value());
  int port = LocalPort(*v4);
  auto v6 = ListenTcp("::*", port, 16);
  REQUIRE(v6.has_value());
  int v6only = 0;
  socklen_t len = sizeof(v6only);
  getsockopt(*v6, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len);
  CHECK(v6only == 1);
  close(*v4);
  close(*v6);
}

TEST_CASE("peer addresses: IPv4 loopback", "[io][socket]") {
  auto l = ListenTcp("127.0.0.1", 0, 16);
  REQUIRE(l.has_value());
  auto [c, a] = ConnectAndAccept(*l, AF_INET, "127.0.0.1", LocalPort(*l));
  PeerAddress peer;
  REQUIRE(GetPeerAddress(a, &peer).ok());
  CHECK(std::string(peer.ip) == "127.0.0.1");
  CHECK(peer.port == LocalPort(c));
  CHECK(peer.is_loopback);
  CHECK_FALSE(peer.is_unix);
  close(c);
  close(a);
  close(*l);
}

TEST_CASE("peer addresses: IPv6 ::1 and v4-mapped 127.x are loopback", "[io][socket]") {
  if (!Ipv6Available()) return;
  SECTION("::1") {
    auto l = ListenTcp("::1", 0, 16);
    REQUIRE(l.has_value());
    auto [c, a] = ConnectAndAccept(*l, AF_INET6, "::1", LocalPort(*l));
    PeerAddress peer;
    REQUIRE(GetPeerAddress(a, &peer).ok());
    CHECK(std::string(peer.ip) == "::1");
    CHECK(peer.is_loopback);
    close(c);
    close(a);
    close(*l);
  }
  SECTION("::ffff:127.0.0.1 on a dual-stack socket") {
    // ListenTcp sets V6ONLY, so build a dual-stack listener by hand to get a v4-mapped peer.
    int l = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int zero = 0;
    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    struct sockaddr_in6 sa {};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    REQUIRE(bind(l, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa)) == 0);
    REQUIRE(listen(l, 16) == 0);
    auto [c, a] = ConnectAndAccept(l, AF_INET, "127.0.0.1", LocalPort(l));
    PeerAddress peer;
    REQUIRE(GetPeerAddress(a, &peer).ok());
    CHECK(std::string(peer.ip) == "::ffff:127.0.0.1");
    CHECK(peer.is_loopback);
    close(c);
    close(a);
    close(l);
  }
}

TEST_CASE("Unix sockets: listen, peer is unix and local, no-delay is a no-op", "[io][socket]") {
  char dir[] = "/tmp/keel-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/keel.sock";
  auto l = ListenUnix(path, 0700, 16);
  REQUIRE(l.has_value());
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  // A second listen on the same path replaces the stale socket file.
  close(*l);
  l = ListenUnix(path, 0, 16);
  REQUIRE(l.has_value());

  int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa {};
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path.data(), path.size());
  REQUIRE(connect(c, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa)) == 0);
  int a = accept4(*l, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(a >= 0);
  PeerAddress peer;
  REQUIRE(GetPeerAddress(a, &peer).ok());
  CHECK(peer.is_unix);
  CHECK(peer.is_loopback);
  CHECK(std::string(peer.ip) == path);
  CHECK(SetNoDelay(a).ok());
  close(c);
  close(a);
  close(*l);
  unlink(path.c_str());
  rmdir(dir);
}

TEST_CASE("a unix socket path that does not fit sun_path is rejected", "[io][socket]") {
  auto l = ListenUnix(std::string(200, 'x'), 0, 16);
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("SetKeepAlive sets idle, interval (a third) and count like Redis", "[io][socket]") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(SetKeepAlive(fd, 300).ok());
  int on = 0, idle = 0, intvl = 0, cnt = 0;
  socklen_t len = sizeof(int);
  getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, &len);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, &len);
  CHECK(on != 0);
  CHECK(idle == 300);
  CHECK(intvl == 100);
  CHECK(cnt == 3);
  close(fd);
}

TEST_CASE("socket option errors carry the errno", "[io][socket]") {
  Status s = SetKeepAlive(-1, 10);
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.sys_errno() == EBADF);
  PeerAddress peer;
  Status p = GetPeerAddress(-1, &peer);
  CHECK(p.sys_errno() == EBADF);
  CHECK(LocalPort(-1) == -1);
}

}  // namespace
}  // namespace keel::io
