// keel-bench-null: a RESP server that does no work. It parses each command and answers with a
// canned reply of the shape the real command would get (GET a 3-byte bulk string, SET +OK,
// LRANGE an array of as many bulk strings, counters :1, ...), with one read and one write per
// readiness event on plain epoll. What redis-benchmark reaches against it shows what the client
// allows on its core when the server costs nothing; the bench scripts print it beside Keel's and
// Redis's numbers (the `null` column). Usage: keel-bench-null PORT, or --port PORT among options
// it ignores (a server's command line).
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct Conn {
  std::string in;
  std::string out;
};

// One complete command at the front of `buf`: its arguments, and how many bytes it took. RESP
// arrays of bulk strings, or an inline command (a line of words, as PING from a health check).
bool ParseCommand(std::string_view buf, std::vector<std::string_view>* args, size_t* used) {
  args->clear();
  size_t eol = buf.find('\n');
  if (eol == std::string_view::npos) return false;
  if (buf[0] != '*') {
    std::string_view line = buf.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (size_t at = 0; at < line.size();) {
      size_t end = std::min(line.find(' ', at), line.size());
      if (end > at) args->push_back(line.substr(at, end - at));
      at = end + 1;
    }
    *used = eol + 1;
    return true;
  }
  long n = 0;
  std::from_chars(buf.data() + 1, buf.data() + eol, n);
  size_t pos = eol + 1;
  for (long i = 0; i < n; ++i) {
    eol = buf.find('\n', pos);
    if (eol == std::string_view::npos) return false;
    long len = 0;
    std::from_chars(buf.data() + pos + 1, buf.data() + eol, len);
    pos = eol + 1;
    if (len < 0 || pos + static_cast<size_t>(len) + 2 > buf.size()) return false;
    args->push_back(buf.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len) + 2;
  }
  *used = pos;
  return true;
}

bool Is(std::string_view arg, std::string_view name) {
  if (arg.size() != name.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(arg[i])) != name[i]) return false;
  }
  return true;
}

void Reply(const std::vector<std::string_view>& args, std::string* out) {
  static constexpr std::string_view kValue = "$3\r\nxxx\r\n";
  if (args.empty()) return;
  std::string_view cmd = args[0];
  if (Is(cmd, "GET") || Is(cmd, "LPOP") || Is(cmd, "RPOP") || Is(cmd, "SPOP")) {
    out->append(kValue);
  } else if (Is(cmd, "SET") || Is(cmd, "MSET")) {
    out->append("+OK\r\n");
  } else if (Is(cmd, "PING")) {
    out->append("+PONG\r\n");
  } else if (Is(cmd, "LRANGE") && args.size() == 4) {
    long start = 0;
    long stop = 0;
    std::from_chars(args[2].data(), args[2].data() + args[2].size(), start);
    std::from_chars(args[3].data(), args[3].data() + args[3].size(), stop);
    long n = start >= 0 && stop >= start ? std::min(stop - start + 1, 1000L) : 0;
    out->append("*" + std::to_string(n) + "\r\n");
    for (long i = 0; i < n; ++i) out->append(kValue);
  } else if (Is(cmd, "CONFIG") && args.size() >= 3) {
    // redis-benchmark asks for `save` and `appendonly` before it starts.
    out->append("*2\r\n$" + std::to_string(args[2].size()) + "\r\n");
    out->append(args[2]);
    out->append("\r\n$0\r\n\r\n");
  } else {
    out->append(":1\r\n");
  }
}

int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 511) != 0) {
    perror("keel-bench-null: bind/listen");
    exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  // `--port N` among other options (ignored, so that the scripts can start it as they start a
  // server), or the port alone.
  int port = argc == 2 ? atoi(argv[1]) : 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--port") port = atoi(argv[i + 1]);
  }
  if (port <= 0) {
    fprintf(stderr, "usage: keel-bench-null PORT | keel-bench-null --port PORT [ignored...]\n");
    return 2;
  }
  const int listener = Listen(port);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, Conn> conns;
  std::vector<std::string_view> args;
  std::vector<epoll_event> events(256);
  char buf[1 << 16];
  for (;;) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        epoll_event cev{};
        cev.events = EPOLLIN;
        cev.data.fd = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        conns[c];
        continue;
      }
      Conn& conn = conns[fd];
      ssize_t r = read(fd, buf, sizeof(buf));
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        close(fd);
        conns.erase(fd);
        continue;
      }
      if (r > 0) conn.in.append(buf, static_cast<size_t>(r));
      size_t used = 0;
      size_t consumed = 0;
      while (ParseCommand(std::string_view(conn.in).substr(consumed), &args, &used)) {
        Reply(args, &conn.out);
        consumed += used;
      }
      conn.in.erase(0, consumed);
      while (!conn.out.empty()) {
        ssize_t w = write(fd, conn.out.data(), conn.out.size());
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        conn.out.erase(0, static_cast<size_t>(w));
      }
      // A slow reader: wait until the socket takes more, then flush again.
      epoll_event mev{};
      mev.events = conn.out.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT;
      mev.data.fd = fd;
      if (!conn.out.empty() || (events[i].events & EPOLLOUT))
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mev);
    }
  }
}
