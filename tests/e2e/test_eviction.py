#!/usr/bin/python3
"""End-to-end maxmemory suite: for each of the eight policies, fill the server past a limit a
little above its current memory with redis-py and check that keys were evicted, of the right kind
(idle keys under LRU, rarely read keys under LFU, the soonest to expire under volatile-ttl, never a
persistent key under volatile-*), that used_memory stays within maxmemory plus a small margin and
that INFO's evicted_keys grows; under noeviction, commands that may grow memory get -OOM while
reads and DEL still work. Also: CONFIG SET maxmemory below used memory evicts at once, INFO's
maxmemory fields, OBJECT FREQ / IDLETIME / REFCOUNT and DEBUG OBJECT. Every case runs against
keel-server and against Debian's redis-server."""

import os
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

HEADROOM = 512 * 1024  # the limit is this far above the memory in use before filling
MARGIN = 16 * 1024     # how far over the limit used_memory may be seen (client buffers)
OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "x" * 100

ALLKEYS = ["allkeys-lru", "allkeys-lfu", "allkeys-random"]
VOLATILE = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]


class EvictionCases:
    """Mixed into one TestCase per server; `cls.server` is set by the subclass."""

    server = None

    def setUp(self):
        self.r = self.server.client()
        self.r.config_set("maxmemory", 0)
        self.r.config_set("maxmemory-policy", "noeviction")
        self.r.config_set("lfu-log-factor", 10)
        self.r.flushall()
        self.r.config_resetstat()
        self.addCleanup(self.r.close)

    def info(self, field):
        return self.r.info()[field]

    def limit_above_used(self, policy, headroom=HEADROOM):
        self.r.config_set("maxmemory-policy", policy)
        limit = self.info("used_memory") + headroom
        self.r.config_set("maxmemory", limit)
        return limit

    def write(self, prefix, n, ttl=None, batch=100):
        p = self.r.pipeline(transaction=False)
        for i in range(n):
            if ttl is None:
                p.set("%s:%d" % (prefix, i), VALUE)
            else:
                p.setex("%s:%d" % (prefix, i), ttl, VALUE)
            if i % batch == batch - 1:
                p.execute()
        p.execute()

    def present(self, prefix, n):
        p = self.r.pipeline(transaction=False)
        for i in range(n):
            p.exists("%s:%d" % (prefix, i))
        return sum(p.execute())

    def read(self, prefix, n, times=1):
        # One pipeline per round: large replies held at once would count against the limit.
        for _ in range(times):
            p = self.r.pipeline(transaction=False)
            for i in range(n):
                p.get("%s:%d" % (prefix, i))
            p.execute()

    def assertWithinLimit(self, limit):
        self.assertLessEqual(self.info("used_memory"), limit + MARGIN)

    # ---- Every policy honours the limit and evicts only what it may ----

    def check_policy(self, policy):
        evicted_before = self.info("evicted_keys")
        limit = self.limit_above_used(policy)
        # Persistent keys take a fifth of the headroom; volatile keys then fill it three times.
        self.write("persistent", 600)
        self.write("volatile", 9000, ttl=100000)
        self.assertWithinLimit(limit)
        evicted = self.info("evicted_keys") - evicted_before
        self.assertGreater(evicted, 1000)
        persistent = self.present("persistent", 600)
        volatile = self.present("volatile", 9000)
        self.assertLess(volatile, 9000)
        if policy in VOLATILE:
            self.assertEqual(persistent, 600, "a volatile policy evicted a persistent key")
        else:
            self.assertLess(persistent, 600, "allkeys never chose a persistent key")
        self.assertEqual(self.info("maxmemory_policy"), policy)

    def test_allkeys_lru(self):
        self.check_policy("allkeys-lru")

    def test_allkeys_lfu(self):
        self.check_policy("allkeys-lfu")

    def test_allkeys_random(self):
        self.check_policy("allkeys-random")

    def test_volatile_lru(self):
        self.check_policy("volatile-lru")

    def test_volatile_lfu(self):
        self.check_policy("volatile-lfu")

    def test_volatile_random(self):
        self.check_policy("volatile-random")

    def test_volatile_ttl(self):
        self.check_policy("volatile-ttl")

    # ---- The right keys ----

    def test_lru_keeps_recently_read_keys(self):
        self.write("hot", 200)
        self.write("cold", 1800)
        # The LRU clock counts seconds: make the cold keys visibly idle. The hot keys are read
        # between every batch of new keys, so they stay the most recently used.
        time.sleep(2.2)
        # The limit is set once the old keys are in, so the new ones (about 250 KB in Keel, 310 KB
        # in Redis) must evict a few hundred keys, whatever the memory in use before.
        limit = self.limit_above_used("allkeys-lru", headroom=150 * 1024)
        for batch in range(15):
            self.read("hot", 200)
            p = self.r.pipeline(transaction=False)
            for i in range(batch * 100, batch * 100 + 100):
                p.set("new:%d" % i, VALUE)
            p.execute()
        self.assertWithinLimit(limit)
        self.assertGreater(self.info("evicted_keys"), 0)
        self.assertEqual(self.present("hot", 200), 200)
        self.assertGreaterEqual(self.present("new", 1500), 1450)
        self.assertLess(self.present("cold", 1800), 1800)

    def test_lfu_keeps_frequently_read_keys(self):
        limit = self.limit_above_used("allkeys-lfu")
        self.r.config_set("lfu-log-factor", 0)  # every read counts
        self.write("hot", 200)
        self.write("cold", 1800)
        self.read("hot", 200, times=10)
        self.assertEqual(self.r.object("freq", "hot:0"), 15)
        cold = next(k for k in ("cold:%d" % i for i in range(1800)) if self.r.exists(k))
        self.assertEqual(self.r.object("freq", cold), 5)
        self.write("new", 3000)
        self.assertWithinLimit(limit)
        self.assertGreater(self.info("evicted_keys"), 0)
        self.assertEqual(self.present("hot", 200), 200)

    def test_volatile_ttl_evicts_the_soonest_to_expire(self):
        limit = self.limit_above_used("volatile-ttl")
        self.write("persistent", 300)
        # 4,500 keys: well over the headroom in Keel (about 170 bytes a key) and Redis (250).
        self.write("soon", 3000, ttl=1000)
        self.write("late", 1200, ttl=100000)
        self.assertWithinLimit(limit)
        self.assertGreater(self.info("evicted_keys"), 0)
        self.assertEqual(self.present("persistent", 300), 300)
        soon = self.present("soon", 3000) / 3000
        late = self.present("late", 1200) / 1200
        # Sampling makes it approximate: a few late keys may go while soon ones remain.
        self.assertLess(soon, 0.8)
        self.assertGreater(late, 0.9)

    def test_volatile_policies_fail_when_only_persistent_keys_are_left(self):
        for policy in VOLATILE:
            with self.subTest(policy=policy):
                self.r.flushall()
                self.r.config_set("maxmemory", 0)
                self.limit_above_used(policy, headroom=64 * 1024)
                with self.assertRaisesRegex(redis.exceptions.ResponseError, OOM):
                    self.write("persistent", 5000)
                self.assertEqual(self.info("evicted_keys"), 0)

    # ---- noeviction ----

    def test_noeviction_refuses_writes_but_serves_reads_and_del(self):
        # Client buffers come and go by tens of KiB: leave the keys room enough to matter.
        limit = self.limit_above_used("noeviction", headroom=256 * 1024)
        written = 0
        with self.assertRaises(redis.exceptions.ResponseError) as ctx:
            for i in range(100000):
                self.r.set("k:%d" % i, VALUE)
                written += 1
        self.assertEqual(str(ctx.exception), OOM)
        self.assertGreater(written, 100)
        self.assertWithinLimit(limit)
        # Reads and deletions still work; commands that may grow memory do not.
        self.assertEqual(self.r.get("k:0"), VALUE.encode())
        self.assertEqual(self.r.strlen("k:1"), 100)
        with self.assertRaisesRegex(redis.exceptions.ResponseError, OOM):
            self.r.append("k:2", "y")
        with self.assertRaisesRegex(redis.exceptions.ResponseError, OOM):
            self.r.set("brand-new", "v")
        deleted = written * 9 // 10
        self.assertEqual(self.r.delete(*["k:%d" % i for i in range(deleted)]), deleted)
        self.assertTrue(self.r.set("brand-new", "v"))
        self.assertEqual(self.info("evicted_keys"), 0)
        errorstats = self.r.info("errorstats")
        self.assertIn("errorstat_OOM", errorstats)

    def test_oom_inside_multi_fails_the_transaction(self):
        self.write("k", 10)
        self.r.config_set("maxmemory", 1)  # noeviction: over the limit whatever happens
        conn = tu.RawClient(self.server.port)
        self.addCleanup(conn.close)
        self.assertEqual(conn.call("MULTI"), ("+", b"OK"))
        # Inside MULTI even a read is refused while memory is over the limit (queueing costs too).
        kind, text = conn.call("GET", "k:0")
        self.assertEqual(kind, "-")
        self.assertTrue(text.startswith(b"OOM "))
        kind, text = conn.call("EXEC")
        self.assertEqual((kind, text[:9]), ("-", b"EXECABORT"))
        # Outside MULTI a read is served and a write is not.
        self.assertEqual(conn.call("GET", "k:0"), ("$", VALUE.encode()))
        self.assertEqual(conn.call("SET", "k:0", "v"), ("-", OOM.encode()))
        self.r.config_set("maxmemory", 0)

    # ---- CONFIG SET maxmemory and INFO ----

    def test_config_set_below_used_memory_evicts_at_once(self):
        self.r.config_set("maxmemory-policy", "allkeys-random")
        self.write("k", 5000)
        used = self.info("used_memory")
        target = used - 256 * 1024
        self.r.config_set("maxmemory", target)
        self.assertGreater(self.info("evicted_keys"), 0)
        deadline = time.time() + 10
        while self.info("used_memory") > target + MARGIN and time.time() < deadline:
            time.sleep(0.05)
        self.assertWithinLimit(target)
        self.assertIn("is smaller than the current memory usage", self.server.read_log())

    def test_info_reports_the_limit_and_policy(self):
        self.r.config_set("maxmemory", 3 * 1024 * 1024)
        self.r.config_set("maxmemory-policy", "volatile-lfu")
        memory = self.r.info("memory")
        self.assertEqual(memory["maxmemory"], 3 * 1024 * 1024)
        self.assertEqual(memory["maxmemory_human"], "3.00M")
        self.assertEqual(memory["maxmemory_policy"], "volatile-lfu")
        stats = self.r.info("stats")
        for field in ("evicted_keys", "total_eviction_exceeded_time",
                      "current_eviction_exceeded_time"):
            self.assertIn(field, stats)

    # ---- OBJECT and DEBUG OBJECT ----

    def test_object_freq_and_idletime_follow_the_policy(self):
        self.r.set("k", "hello")
        self.assertIsNone(self.r.object("freq", "missing"))
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "An LFU maxmemory policy is "
                                    "not selected, access frequency not tracked"):
            self.r.object("freq", "k")
        self.assertEqual(self.r.object("idletime", "k"), 0)
        self.r.config_set("maxmemory-policy", "allkeys-lfu")
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "An LFU maxmemory policy is "
                                    "selected, idle time not tracked"):
            self.r.object("idletime", "k")
        self.r.set("n", "hello")
        self.assertEqual(self.r.object("freq", "n"), 5)
        self.assertEqual(self.r.object("refcount", "n"), 1)
        self.assertEqual(self.r.object("encoding", "n"), b"embstr")

    def test_debug_object_line(self):
        self.r.set("k", "hello")
        conn = tu.RawClient(self.server.port)
        self.addCleanup(conn.close)
        kind, line = conn.call("DEBUG", "OBJECT", "k")
        self.assertEqual(kind, "+")
        self.assertRegex(line.decode(), r"^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr "
                                        r"serializedlength:6 lru:\d+ lru_seconds_idle:\d+$")
        self.assertEqual(conn.call("DEBUG", "OBJECT", "missing"), ("-", b"ERR no such key"))

    def test_memory_usage(self):
        self.r.set("k", "x" * 1000)
        self.assertGreater(self.r.memory_usage("k"), 1000)
        self.assertLess(self.r.memory_usage("k"), 1200)
        self.assertIsNone(self.r.memory_usage("missing"))


class KeelEviction(tu.KeelServerCase, EvictionCases, unittest.TestCase):
    KEEL_ARGS = ["--enable-debug-command", "yes"]


class RedisEviction(tu.RedisServerCase, EvictionCases, unittest.TestCase):
    """The same cases against redis-server."""


if __name__ == "__main__":
    unittest.main(verbosity=2)
