// Connection semantics of both event-loop backends: echo, accept, many connections, large replies
// with short sends, every way a connection ends, and receive-buffer exhaustion. Each test case runs
// once per backend.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "io/socket.h"
#include "tests/io/loop_test_support.h"

namespace keel::io {
namespace {

using testing::Kind;
using testing::MakeLoop;
using testing::Pattern;
using testing::ReadN;
using testing::ReadToEof;
using testing::RunUntil;
using testing::SocketPair;
using testing::TestConn;
using testing::WriteAll;

int ConnectTcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa {};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  struct timeval tv {
    20, 0
  };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Waits (bounded) for a flag set by the loop thread; for client threads only.
bool AwaitFlag(const std::atomic<bool>& flag) {
  for (int i = 0; i < 20'000 && !flag.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return flag.load();
}

TEST_CASE("echo over a socketpair, twice on the same connection", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  TestConn conn(loop.get());
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  REQUIRE(conn.id != 0);

  REQUIRE(WriteAll(sp.client_fd, "hello\n"));
  REQUIRE(RunUntil(*loop, [&] { return conn.sent_total == 6; }));
  CHECK(ReadN(sp.client_fd, 6) == "hello\n");

  REQUIRE(WriteAll(sp.client_fd, "world"));
  REQUIRE(RunUntil(*loop, [&] { return conn.sent_total == 11; }));
  CHECK(ReadN(sp.client_fd, 5) == "world");
  CHECK(conn.received == "hello\nworld");
  CHECK(conn.closed_count == 0);
}

TEST_CASE("accepted TCP connections are non-blocking, no-delay and see a loopback peer",
          "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  auto lfd = ListenTcp("127.0.0.1", 0, 128);
  REQUIRE(lfd.has_value());
  int port = LocalPort(*lfd);
  REQUIRE(port > 0);

  std::vector<std::unique_ptr<TestConn>> conns;
  PeerAddress peer;
  bool nonblocking = false;
  int nodelay = 0;
  REQUIRE(loop->AddListener(*lfd,
                            [&](int fd, const PeerAddress& p) {
                              peer = p;
                              nonblocking = (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
                              socklen_t len = sizeof(nodelay);
                              getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
                              conns.push_back(std::make_unique<TestConn>(loop.get()));
                              conns.back()->id = loop->AddConnection(fd, conns.back().get());
                            })
              .ok());

  std::string reply;
  int client_port = 0;
  std::thread client([&] {
    int fd = ConnectTcp(port);
    if (fd < 0) return;
    client_port = LocalPort(fd);
    WriteAll(fd, "ping");
    reply = ReadN(fd, 4);
    close(fd);
  });
  bool ok = RunUntil(*loop, [&] { return conns.size() == 1 && conns[0]->closed_count == 1; });
  client.join();
  close(*lfd);
  REQUIRE(ok);
  CHECK(reply == "ping");
  CHECK(std::string(peer.ip) == "127.0.0.1");
  CHECK(peer.port == client_port);
  CHECK(peer.is_loopback);
  CHECK_FALSE(peer.is_unix);
  CHECK(nonblocking);
  CHECK(nodelay != 0);
  CHECK(conns[0]->close_err == 0);
}

TEST_CASE("200 concurrent TCP connections each get exactly their own bytes back", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  auto lfd = ListenTcp("127.0.0.1", 0, 512);
  REQUIRE(lfd.has_value());
  int port = LocalPort(*lfd);
  std::vector<std::unique_ptr<TestConn>> conns;
  REQUIRE(loop->AddListener(*lfd,
                            [&](int fd, const PeerAddress&) {
                              conns.push_back(std::make_unique<TestConn>(loop.get()));
                              conns.back()->id = loop->AddConnection(fd, conns.back().get());
                            })
              .ok());

  constexpr int kClients = 200;
  constexpr size_t kBytes = 3000;
  std::vector<int> matched(kClients, 0);
  std::thread client([&] {
    std::vector<int> fds;
    for (int i = 0; i < kClients; ++i) fds.push_back(ConnectTcp(port));
    for (int i = 0; i < kClients; ++i) {
      if (fds[i] >= 0) WriteAll(fds[i], Pattern(kBytes, i));
    }
    for (int i = 0; i < kClients; ++i) {
      if (fds[i] >= 0) matched[i] = ReadN(fds[i], kBytes) == Pattern(kBytes, i);
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  });
  auto all_closed = [&] {
    if (conns.size() != kClients) return false;
    for (auto& c : conns) {
      if (c->closed_count != 1) return false;
    }
    return true;
  };
  bool ok = RunUntil(*loop, all_closed);
  client.join();
  close(*lfd);
  REQUIRE(ok);
  int good = 0;
  for (int m : matched) good += m;
  CHECK(good == kClients);
}

TEST_CASE("a multi-megabyte reply gathered from many chunks survives short sends", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  constexpr size_t kChunk = 4096;
  constexpr size_t kChunks = 2048;  // 8 MiB, far more than a socket buffer
  const std::string expected = Pattern(kChunk * kChunks, 7);
  std::atomic<bool> short_send_seen{false};
  TestConn conn(loop.get());
  conn.on_data = [&](TestConn* c, std::string_view) {
    for (size_t i = 0; i < kChunks; ++i) c->Send(expected.substr(i * kChunk, kChunk));
  };
  conn.on_sent = [&](TestConn* c) {
    if (c->short_sends > 0) short_send_seen = true;
  };
  conn.id = loop->AddConnection(sp.loop_fd, &conn);

  std::string got;
  bool saw_short = false;
  std::thread client([&] {
    WriteAll(sp.client_fd, "GO");
    // Not reading until the loop has hit a full socket makes the short send certain.
    saw_short = AwaitFlag(short_send_seen);
    got = ReadN(sp.client_fd, expected.size());
  });
  bool ok = RunUntil(*loop, [&] { return conn.sent_total == expected.size(); });
  client.join();
  REQUIRE(ok);
  CHECK(saw_short);
  CHECK(conn.short_sends > 0);
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
}

TEST_CASE("peer close reaches OnClosed exactly once, after the data it sent", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  TestConn conn(loop.get());
  conn.on_data = [](TestConn*, std::string_view) {};  // no reply: the peer is gone
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  REQUIRE(WriteAll(sp.client_fd, "abc"));
  close(sp.client_fd);
  sp.client_fd = -1;

  REQUIRE(RunUntil(*loop, [&] { return conn.closed_count > 0; }));
  // A few more iterations must not report it again.
  int iterations = 0;
  REQUIRE(RunUntil(*loop, [&] { return ++iterations == 3; }));
  CHECK(conn.closed_count == 1);
  CHECK(conn.close_err == 0);
  CHECK(conn.received == "abc");
  // Ids of closed connections are inert.
  loop->WantWrite(conn.id);
  loop->Close(conn.id, false);
  REQUIRE(RunUntil(*loop, [&] { return true; }));
  CHECK(conn.closed_count == 1);
}

TEST_CASE("a half-closed peer still receives the replies to what it sent", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  TestConn conn(loop.get());
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  REQUIRE(WriteAll(sp.client_fd, "last words"));
  REQUIRE(shutdown(sp.client_fd, SHUT_WR) == 0);
  REQUIRE(RunUntil(*loop, [&] { return conn.closed_count > 0; }));
  CHECK(ReadToEof(sp.client_fd) == "last words");
  CHECK(conn.closed_count == 1);
  CHECK(conn.close_err == 0);
}

TEST_CASE("a reset connection reports ECONNRESET", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  auto lfd = ListenTcp("127.0.0.1", 0, 16);
  REQUIRE(lfd.has_value());
  int port = LocalPort(*lfd);
  std::unique_ptr<TestConn> conn;
  REQUIRE(loop->AddListener(*lfd,
                            [&](int fd, const PeerAddress&) {
                              conn = std::make_unique<TestConn>(loop.get());
                              conn->id = loop->AddConnection(fd, conn.get());
                              conn->Send("hi");
                            })
              .ok());
  std::thread client([&] {
    int fd = ConnectTcp(port);
    if (fd < 0) return;
    ReadN(fd, 2);  // the server has accepted: now reset, not refuse
    struct linger lg {
      1, 0
    };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
  });
  bool ok = RunUntil(*loop, [&] { return conn && conn->closed_count > 0; });
  client.join();
  close(*lfd);
  REQUIRE(ok);
  CHECK(conn->closed_count == 1);
  CHECK(conn->close_err == ECONNRESET);
}

TEST_CASE("Close with flush from inside OnData delivers all pending output, then EOF",
          "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  const std::string expected = "+OK\r\n" + Pattern(1 << 20, 3);
  TestConn conn(loop.get());
  bool closed_inside = false;
  conn.on_data = [&](TestConn* c, std::string_view) {
    c->Send(expected.substr(0, 5));
    for (size_t off = 5; off < expected.size(); off += 8192) c->Send(expected.substr(off, 8192));
    c->Close(/*flush=*/true);
    closed_inside = c->closed_count > 0;
  };
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  std::string got;
  std::thread client([&] {
    WriteAll(sp.client_fd, "QUIT\r\n");
    got = ReadToEof(sp.client_fd);
  });
  bool ok = RunUntil(*loop, [&] { return conn.closed_count > 0; });
  client.join();
  REQUIRE(ok);
  CHECK_FALSE(closed_inside);  // OnClosed never runs inside Close()
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
  CHECK(conn.closed_count == 1);
  CHECK(conn.close_err == 0);
}

TEST_CASE("Close without flush from inside OnData drops output and stops delivery", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  TestConn conn(loop.get());
  bool closed_inside = false;
  conn.on_data = [&](TestConn* c, std::string_view) {
    c->Send("never sent");
    c->Close(/*flush=*/false);
    closed_inside = c->closed_count > 0;
  };
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  REQUIRE(WriteAll(sp.client_fd, "X"));
  REQUIRE(RunUntil(*loop, [&] { return conn.closed_count > 0; }));
  CHECK_FALSE(closed_inside);
  CHECK(ReadToEof(sp.client_fd).empty());
  CHECK(conn.data_calls == 1);
  CHECK(conn.data_after_close == 0);
  CHECK(conn.closed_count == 1);
  CHECK(conn.close_err == 0);
}

TEST_CASE("Close without flush cancels a send stuck on a full socket", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair sp;
  TestConn conn(loop.get());
  conn.on_data = [](TestConn* c, std::string_view) {
    for (int i = 0; i < 256; ++i) c->Send(Pattern(32768, i));
  };
  conn.id = loop->AddConnection(sp.loop_fd, &conn);
  // The client never reads. Once a send came back short, the next one is parked on the full
  // socket; a timer (a later iteration) gives up on the connection while it is in flight.
  loop->AddTimer(1, [&] {
    if (conn.short_sends > 0 && !conn.close_requested) conn.Close(/*flush=*/false);
  });
  REQUIRE(WriteAll(sp.client_fd, "GO"));
  REQUIRE(RunUntil(*loop, [&] { return conn.closed_count > 0; }));
  CHECK(conn.closed_count == 1);
  CHECK(conn.sent_total < conn.queued_total);
}

TEST_CASE("a slot reused after a close ignores the old connection's id", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  SocketPair first;
  TestConn a(loop.get());
  a.id = loop->AddConnection(first.loop_fd, &a);
  a.Close(/*flush=*/false);
  REQUIRE(RunUntil(*loop, [&] { return a.closed_count > 0; }));

  SocketPair second;
  TestConn b(loop.get());
  b.id = loop->AddConnection(second.loop_fd, &b);
  CHECK(b.id != a.id);
  loop->Close(a.id, false);  // stale: must not close b
  loop->WantWrite(a.id);
  REQUIRE(WriteAll(second.client_fd, "still here"));
  REQUIRE(RunUntil(*loop, [&] { return b.sent_total == 10; }));
  CHECK(ReadN(second.client_fd, 10) == "still here");
  CHECK(b.closed_count == 0);
  CHECK(a.closed_count == 1);
}

TEST_CASE("receive-buffer exhaustion with many senders recovers and loses no bytes", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind, /*tiny=*/true);
  if (!loop) return;
  constexpr int kConns = 64;
  constexpr size_t kBytes = 40 * 1024;  // 40 tiny buffers' worth per connection
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<std::unique_ptr<TestConn>> conns;
  for (int i = 0; i < kConns; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    conns.push_back(std::make_unique<TestConn>(loop.get()));
    conns.back()->id = loop->AddConnection(pairs.back()->loop_fd, conns.back().get());
    // Everything is written before the loop runs, so all receives race for 8 buffers at once.
    REQUIRE(WriteAll(pairs.back()->client_fd, Pattern(kBytes, 100 + i)));
  }
  REQUIRE(RunUntil(*loop, [&] {
    for (auto& c : conns) {
      if (c->sent_total != kBytes) return false;
    }
    return true;
  }));
  for (int i = 0; i < kConns; ++i) {
    INFO("connection " << i);
    CHECK(conns[i]->received == Pattern(kBytes, 100 + i));
    CHECK(ReadN(pairs[i]->client_fd, kBytes) == Pattern(kBytes, 100 + i));
  }
  if (kind == Kind::kUring) {
    CHECK(static_cast<UringLoop*>(loop.get())->stats().recv_enobufs > 0);
    CHECK(static_cast<UringLoop*>(loop.get())->stats().stale_cqes == 0);
  }
}

}  // namespace
}  // namespace keel::io
