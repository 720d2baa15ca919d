"""AOF compatibility with Redis 7.0, both ways: an appendonlydir Redis wrote (RDB base or command
base, with incr files after a rewrite) loads in Keel with identical data, and the one Keel wrote
(batch marks included) passes redis-check-aof and loads in Redis with identical data. The dataset
has every type and encoding (the RDB fixtures' populate), TTLs and several databases."""

import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "testdata", "rdb")))

import keel_testutil as tu  # noqa: E402
import make_fixtures as mf  # noqa: E402
import rdb_dataset as ds  # noqa: E402
from aof_util import AofCase, read_manifest  # noqa: E402

REDIS_CHECK_AOF = os.environ.get("REDIS_CHECK_AOF", "/usr/bin/redis-check-aof")


def write_everything(server, rewrite):
    """Every type and encoding, some before a rewrite (in the base) and some after (incr)."""
    with tu.RawClient(server.port) as c:
        mf.populate(mf.make_call(c))
        if rewrite:
            c.call("BGREWRITEAOF")
            tu.wait_until(lambda: b"aof_rewrite_in_progress:0" in c.call("INFO", "persistence")[1]
                          and b"aof_rewrites:1" in c.call("INFO", "persistence")[1], timeout=30)
        for i in range(50):
            c.call("SET", "after:%d" % i, "v%d" % i)
            c.call("RPUSH", "after:list", i)
            c.call("PEXPIRE", "after:%d" % i, 10000000 + i)
        c.call("SELECT", 2)
        c.call("HSET", "db2:hash", "f", "v")
        c.call("INCRBYFLOAT", "db2:float", "1.25")
        c.call("SADD", "db2:set", "a", "b", "c")
        c.call("SPOP", "db2:set")


class Compat(AofCase):
    def write_with(self, redis, *args, rewrite=True):
        s = self.start(*args, redis=redis)
        write_everything(s, rewrite)
        live = ds.snapshot(s.port)
        digest = ds.debug_digest(s.port)
        self.stop(s)
        return live, digest

    def load_with(self, redis, expected_live, expected_digest, *args):
        s = self.start(*args, redis=redis)
        live = ds.snapshot(s.port)
        diffs = ds.differences(expected_live, live, encodings=False, expire_tolerance_ms=0)
        self.assertEqual(diffs, [], ds.format_differences(diffs))
        self.assertEqual(ds.debug_digest(s.port), expected_digest)
        self.stop(s)

    def check_aof(self):
        manifest = os.path.join(self.dir, "appendonlydir", "appendonly.aof.manifest")
        p = subprocess.run([REDIS_CHECK_AOF, manifest], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("is valid", p.stdout)

    def test_redis_rdb_base_loads_in_keel(self):
        live, digest = self.write_with(True)
        self.assertEqual(read_manifest(self.dir)[0][2], "b")
        self.load_with(False, live, digest)

    def test_redis_command_base_loads_in_keel(self):
        live, digest = self.write_with(True, "--aof-use-rdb-preamble", "no")
        self.assertTrue(read_manifest(self.dir)[0][0].endswith(".base.aof"))
        self.load_with(False, live, digest, "--aof-use-rdb-preamble", "no")

    def test_keel_rdb_base_loads_in_redis(self):
        live, digest = self.write_with(False)
        self.check_aof()
        self.load_with(True, live, digest)

    def test_keel_command_base_loads_in_redis(self):
        live, digest = self.write_with(False, "--aof-use-rdb-preamble", "no")
        self.check_aof()
        self.load_with(True, live, digest, "--aof-use-rdb-preamble", "no")

    def test_keel_without_rewrite_loads_in_redis(self):
        live, digest = self.write_with(False, rewrite=False)
        self.check_aof()
        self.load_with(True, live, digest)

    def test_round_trip_keel_redis_keel(self):
        live, digest = self.write_with(False)
        s = self.start(redis=True)
        with tu.RawClient(s.port) as c:
            c.call("SET", "from-redis", "1")
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().get("from-redis"), b"1")
        self.stop(s)


if __name__ == "__main__":
    unittest.main()
