"""Helpers for the AOF suites: reading an appendonlydir (manifest, RESP commands), and starting
keel-server with appendonly yes in a directory of the test's own."""

import os
import shutil
import signal
import tempfile
import unittest

from keel_testutil import start_keel, start_redis, stop_keel


def read_manifest(dirpath, filename="appendonly.aof"):
    """[(name, seq, type)] from <dir>/appendonlydir/<filename>.manifest."""
    path = os.path.join(dirpath, "appendonlydir", filename + ".manifest")
    out = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            d = dict(zip(words[0::2], words[1::2]))
            out.append((d["file"], int(d["seq"]), d["type"]))
    return out


def parse_commands(data):
    """The commands of a RESP command stream (annotation lines skipped), as lists of bytes."""
    cmds, i = [], 0
    while i < len(data):
        if data[i:i + 1] == b"#":
            i = data.index(b"\n", i) + 1
            continue
        assert data[i:i + 1] == b"*", (i, data[i:i + 20])
        end = data.index(b"\r\n", i)
        argc = int(data[i + 1:end])
        i = end + 2
        args = []
        for _ in range(argc):
            end = data.index(b"\r\n", i)
            n = int(data[i + 1:end])
            i = end + 2
            args.append(data[i:i + n])
            i += n + 2
        cmds.append(args)
    return cmds


def incr_files(dirpath, filename="appendonly.aof"):
    return [os.path.join(dirpath, "appendonlydir", name)
            for name, _, t in read_manifest(dirpath, filename) if t == "i"]


def incr_commands(dirpath):
    """Every command of the incr files, SELECTs included, in order."""
    out = []
    for path in incr_files(dirpath):
        with open(path, "rb") as f:
            out += parse_commands(f.read())
    return out


class AofCase(unittest.TestCase):
    """A temporary directory per test and keel-servers started in it with appendonly yes."""

    def setUp(self):
        """Also called again by tests that loop over subTests: servers a failed iteration left
        running are killed first."""
        self.kill_servers()
        self.dir = tempfile.mkdtemp(prefix="keel-aof-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []

    def tearDown(self):
        self.kill_servers()

    def kill_servers(self):
        for s in getattr(self, "servers", []):
            if s.proc.poll() is None:
                s.stop(signal.SIGKILL)

    def start(self, *args, appendonly="yes", redis=False, dir=None):
        base = ["--dir", dir or self.dir, "--appendonly", appendonly, "--enable-debug-command",
                "yes"]
        s = (start_redis if redis else start_keel)(args=base + list(args), data_dir=dir or self.dir)
        self.servers.append(s)
        return s

    def stop(self, server):
        self.servers.remove(server)
        if server.binary.endswith("redis-server"):
            server.stop()
        else:
            stop_keel(server)

    def kill9(self, server):
        self.servers.remove(server)
        server.stop(signal.SIGKILL)

    def aofdir(self, *parts):
        return os.path.join(self.dir, "appendonlydir", *parts)
