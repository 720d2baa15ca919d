"""Helpers for Keel's end-to-end suites: start keel-server or Debian's redis-server on a free
loopback port, wait until it answers, and stop it. Suites run with /usr/bin/python3 and redis-py."""

import os
import signal
import socket
import subprocess
import tempfile
import time

import redis

from difftest import resp

KEEL_SERVER = os.environ.get("KEEL_SERVER", "keel-server")
REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server child process on 127.0.0.1:<port> with its own temporary directory."""

    def __init__(self, binary, args=(), port=None, config_text=None, env=None, data_dir=None):
        """data_dir: the --dir to run in (and where server.log goes); a new temporary directory
        when None."""
        self.binary = binary
        self.port = port or free_port()
        self.dir = data_dir or tempfile.mkdtemp(prefix="keel-e2e-")
        self.log_path = os.path.join(self.dir, "server.log")
        cmd = [binary]
        if config_text is not None:
            conf = os.path.join(self.dir, "server.conf")
            with open(conf, "w") as f:
                f.write(config_text)
            cmd.append(conf)
        cmd += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no"]
        cmd += list(args)
        self.cmd = cmd
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env or os.environ.copy())
        try:
            self.wait_ready()
        except RuntimeError:
            self.proc.kill()  # one that never answered must not outlive the test
            self.proc.wait()
            self.log.close()
            raise

    def wait_ready(self, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    data = s.recv(64)
                    if data:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.read_log())

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=30, **kw)

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def start_keel(args=(), **kw):
    return ServerProcess(KEEL_SERVER, args=args, **kw)


def start_redis(args=(), **kw):
    return ServerProcess(REDIS_SERVER, args=list(args) + ["--enable-debug-command", "yes"], **kw)


def stop_keel(server):
    """Stops a keel-server; an exit status other than 0 (a crash, a sanitizer report) fails the
    caller with the end of the server's log."""
    code = server.stop()
    if code != 0:
        raise AssertionError("keel-server exited with %s:\n%s"
                             % (code, server.read_log()[-4000:]))


class ServerCase:
    """What KeelServerCase and RedisServerCase share: connections to `cls.server`."""

    def conn(self):
        """A raw connection to the server, closed when the test ends."""
        c = RawClient(self.server.port)
        self.addCleanup(c.close)
        return c


class KeelServerCase(ServerCase):
    """Mixin for a TestCase whose cases run against one keel-server, `cls.server`, started with
    KEEL_ARGS for the class and checked for a clean exit at its end."""

    KEEL_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.server = start_keel(args=list(cls.KEEL_ARGS))

    @classmethod
    def tearDownClass(cls):
        stop_keel(cls.server)


class RedisServerCase(ServerCase):
    """The same for redis-server: the cases run against it prove the expectations are Redis's."""

    @classmethod
    def setUpClass(cls):
        cls.server = start_redis()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


class PairCase:
    """Mixin for a TestCase comparing keel-server with redis-server: `cls.keel` and `cls.redis`,
    started for the class with the same arguments (start_pair) and stopped at its end, Keel
    checked for a clean exit."""

    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = start_pair()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        stop_keel(cls.keel)


def raw_exchange(port, payload, read_timeout=2.0):
    """Sends raw bytes and returns everything the server sends back until it closes the
    connection or goes quiet for read_timeout seconds."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(payload)
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
    return out


# ---- Raw RESP helpers for the protocol, client and lifecycle suites ----


def encode_command(*args):
    """One command as a RESP multibulk request; str arguments are UTF-8 encoded."""
    return resp.encode([a.encode() if isinstance(a, str) else b"%d" % a if isinstance(a, int)
                        else a for a in args])


def _int_replies(reply):
    kind, value = reply
    if kind == ":":
        return (":", int(value))
    if kind == "*" and value is not None:
        return ("*", [_int_replies(r) for r in value])
    return reply


class RawClient(resp.Connection):
    """A plain socket speaking RESP2. Replies are typed tuples so that they compare exactly:
    ('+', b'OK'), ('-', b'ERR ...'), (':', 42), ('$', b'v') or ('$', None),
    ('*', [reply, ...]) or ('*', None)."""

    def __init__(self, port, host="127.0.0.1", timeout=30.0):
        super().__init__(port, host=host, timeout=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        """Sends raw bytes (unlike resp.Connection.send, which takes commands)."""
        self.sock.sendall(data)

    def call(self, *args):
        self.send(encode_command(*args))
        return self.read_reply()

    def read_reply(self):
        return _int_replies(self.read())

    def read_until_closed(self, timeout=10.0):
        """Returns (unparsed bytes, closed): everything the server sends until it closes the
        connection (True) or stays quiet for `timeout` seconds (False)."""
        data = bytes(self.buf[self.pos:])
        self.buf, self.pos = bytearray(), 0
        more, closed = read_until_closed(self.sock, timeout)
        return data + more, closed


def read_until_closed(sock, timeout=10.0):
    """Reads from `sock` until the peer closes it (returns (data, True)) or it stays quiet for
    `timeout` seconds (returns (data, False)). A reset counts as closed."""
    out = b""
    sock.settimeout(timeout)
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return out, False
        except (ConnectionResetError, BrokenPipeError):
            return out, True
        if not chunk:
            return out, True
        out += chunk


def exchange_until_closed(port, payload, timeout=10.0, host="127.0.0.1"):
    """Sends `payload` on a new connection and returns (reply bytes, closed) as
    read_until_closed does."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (ConnectionResetError, BrokenPipeError):
            pass
        return read_until_closed(s, timeout)


def wait_until(predicate, timeout=20.0, interval=0.05):
    """Polls `predicate` until it returns a true value (returned) or `timeout` passes (None)."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() >= deadline:
            return None
        time.sleep(interval)


def start_pair(keel_args=(), redis_args=None):
    """Starts keel-server and redis-server with the same arguments (or redis_args for Redis);
    if Redis fails to start, Keel is stopped before the error propagates."""
    keel = start_keel(args=list(keel_args))
    try:
        other = start_redis(args=list(keel_args if redis_args is None else redis_args))
    except Exception:
        keel.stop()
        raise
    return keel, other
