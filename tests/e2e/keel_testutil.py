"""Helpers for Keel's end-to-end suites: start keel-server or Debian's redis-server on a free
loopback port, wait until it answers, and stop it. Suites run with /usr/bin/python3 and redis-py."""

import os
import signal
import socket
import subprocess
import tempfile
import time

import redis

KEEL_SERVER = os.environ.get("KEEL_SERVER", "keel-server")
REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server child process on 127.0.0.1:<port> with its own temporary directory."""

    def __init__(self, binary, args=(), port=None, config_text=None, env=None):
        self.binary = binary
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="keel-e2e-")
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
        self.wait_ready()

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
