// Socket helpers shared by both event-loop backends and the server: listening sockets (TCP over
// IPv4/IPv6 and Unix), per-connection options (TCP_NODELAY, keepalive) and peer addresses. Every
// failure is a Status carrying the errno of the system call that failed.
#pragma once

#include <string_view>

#include "formats/status.h"
#include "io/event_loop.h"

namespace keel::io {

// Creates a non-blocking listening TCP socket bound to `addr`:`port` with SO_REUSEADDR. `addr` is a
// numeric address or a host name; "*" means 0.0.0.0 and "::*" means :: (Redis's bind syntax). IPv6
// sockets set IPV6_V6ONLY so "*" and "::*" can be bound side by side. Port 0 picks a free port
// (see LocalPort).
Result<int> ListenTcp(std::string_view addr, int port, int backlog);

// Creates a non-blocking listening Unix stream socket at `path` (an existing socket file there is
// replaced) and chmods it to `perm` when `perm` is not 0.
Result<int> ListenUnix(std::string_view path, unsigned perm, int backlog);

// The local port of a bound socket, or -1 when it has none.
int LocalPort(int fd);

Status SetNonBlocking(int fd);

// Disables Nagle's algorithm. Sockets that are not TCP (Unix sockets) are left alone and OK is
// returned, so callers need not know the socket's family.
Status SetNoDelay(int fd);

// Enables SO_KEEPALIVE. On Linux also sets the idle time to `interval_s`, the probe interval to a
// third of it and the probe count to 3, so a dead peer is noticed after about twice `interval_s`
// (what Redis's tcp-keepalive does).
Status SetKeepAlive(int fd, int interval_s);

// Fills `*peer` with the remote address of a connected socket. 127.0.0.0/8, ::1 and
// ::ffff:127.0.0.0/104 count as loopback. For Unix sockets `ip` holds the listening socket's path
// and both `is_unix` and `is_loopback` are set (the peer is on this host, as protected mode needs).
Status GetPeerAddress(int fd, PeerAddress* peer);

}  // namespace keel::io
