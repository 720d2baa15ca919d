#!/usr/bin/python3
"""Regenerates the AOF fixtures in this directory (see README.md) with Debian's redis-server
7.0.15: starts Redis with appendonly on a free port in a temporary --dir, writes commands, rewrites
the AOF once, writes more, shuts down, checks every file with redis-check-aof and copies the
manifest, the base file and the incr file here. Prints the counts README.md records.

    /usr/bin/python3 tests/testdata/aof/make_fixtures.py
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
REDIS_CHECK_AOF = os.environ.get("REDIS_CHECK_AOF", "/usr/bin/redis-check-aof")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workdir, appendfilename):
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
         "--save", "", "--appendonly", "yes", "--appendfsync", "always",
         "--appendfilename", appendfilename, "--aof-use-rdb-preamble", "no",
         "--aof-timestamp-enabled", "yes", "--aof-disable-auto-gc", "yes",
         "--logfile", os.path.join(workdir, "redis.log")])
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, client
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def rewrite(client):
    client.bgrewriteaof()
    for _ in range(200):
        info = client.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.05)
    raise RuntimeError("BGREWRITEAOF did not finish")


def stop(proc, client):
    client.shutdown(nosave=True)
    proc.wait(timeout=20)


def count_commands(data):
    """Commands and '#' lines of a RESP AOF, by a parser independent of Keel's."""
    commands = annotations = pos = 0
    while pos < len(data):
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            annotations += 1
            continue
        end = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:end])
        pos = end + 2
        for _ in range(argc):
            end = data.index(b"\r\n", pos)
            pos = end + 2 + int(data[pos + 1:end]) + 2
        commands += 1
    assert pos == len(data)
    return commands, annotations


def main():
    work = tempfile.mkdtemp(prefix="keel-aof-fixtures-")
    try:
        proc, c = start(work, "appendonly.aof")
        c.set("greeting", "hello")
        c.rpush("list", *[b"item%d" % i for i in range(100)])
        c.hset("hash", mapping={"f1": "v1", "f2": b"\x00\xff\r\n"})
        c.sadd("set", "a", "b", "c")
        c.zadd("zset", {"x": 1.5, "y": -2})
        c.execute_command("SELECT", 3)
        rewrite(c)
        time.sleep(1.1)  # a new second: another "#TS:" annotation
        c.set(b"bin\r\nkey", b"\r\n*1\r\n$4\r\nPING\r\n")
        c.set("big", b"v" * 70000)  # crosses a 64 KiB read buffer
        with c.pipeline(transaction=True) as p:
            p.incr("counter")
            p.lpush("list", "head")
            p.expire(b"bin\r\nkey", 100000)
            p.execute()
        time.sleep(1.1)
        c.set("ttl", "x", px=5000000)
        c.delete("big")
        with c.pipeline(transaction=True) as p:
            p.hset("hash", "f3", "v3")
            p.execute()
        stop(proc, c)

        adir = os.path.join(work, "appendonlydir")
        for name in sorted(os.listdir(adir)):
            if name.endswith(".aof"):
                out = subprocess.run([REDIS_CHECK_AOF, os.path.join(adir, name)],
                                     capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit("redis-check-aof refused %s:\n%s" % (name, out.stdout))
        copies = {"appendonly.aof.manifest": "appendonly.aof.manifest",
                  "appendonly.aof.2.base.aof": "appendonly.aof.2.base.aof",
                  "appendonly.aof.2.incr.aof": "appendonly.aof.2.incr.aof"}
        for src, dst in copies.items():
            shutil.copyfile(os.path.join(adir, src), os.path.join(HERE, dst))
            data = open(os.path.join(HERE, dst), "rb").read()
            if dst.endswith(".aof"):
                cmds, notes = count_commands(data)
                print("%s: %d bytes, %d commands, %d annotations" % (dst, len(data), cmds, notes))
            else:
                print("%s: %d bytes" % (dst, len(data)))

        # A name that needs quoting: Redis writes it with sdscatrepr's escapes.
        shutil.rmtree(work)
        os.mkdir(work)
        proc, c = start(work, 'my "aof"\t1')
        c.set("k", "v")
        rewrite(c)
        stop(proc, c)
        adir = os.path.join(work, "appendonlydir")
        shutil.copyfile(os.path.join(adir, 'my "aof"\t1.manifest'),
                        os.path.join(HERE, "quoted.manifest"))
        print("quoted.manifest: %r" % open(os.path.join(HERE, "quoted.manifest")).read())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
