#!/usr/bin/python3
"""DUMP and RESTORE against redis-server 7.0.15: the same data of every type and encoding is
built on both servers; Keel's payloads must RESTORE into Redis and Redis's into Keel with the same
value and encoding (checked with DEBUG DIGEST-VALUE and OBJECT ENCODING), payloads of
deterministic encodings must be byte-identical, and every RESTORE reply and error, COMMAND INFO
and COMMAND DOCS must be identical on both."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil  # noqa: E402

ARGS = ["--enable-debug-command", "yes",
        "--list-max-listpack-size", "4", "--list-compress-depth", "1",
        "--zset-max-listpack-entries", "8", "--hash-max-listpack-entries", "8",
        "--set-max-intset-entries", "8"]

PLAIN = b"p" * 150
LONG = b"a" * 100


def populate(c):
    """Every type in every encoding Redis 7.0 has (with ARGS' small thresholds)."""
    cmds = [
        ("SET", "s:int", "12345"), ("SET", "s:neg", "-9223372036854775808"),
        ("SET", "s:big", "9223372036854775807"), ("SET", "s:emb", "hello"),
        ("SET", "s:raw", LONG), ("SET", "s:rand", bytes(range(256))), ("SET", "s:empty", ""),
        ("SET", "s:float", "3.14"),
        ("RPUSH", "l:small", "a", "b", "1", "2", "-300", "70000"),
        ("RPUSH", "l:multi") + tuple("x" * 20 + str(i) for i in range(13)),
        ("SADD", "st:int", "1", "2", "3", "-5", "70000", "5000000000"),
        ("SADD", "st:str", "a", "b", "c"),
        ("SADD", "st:many") + tuple(str(i) for i in range(20)),
        ("ZADD", "z:lp", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0.1", "e"),
        ("ZADD", "z:sl") + tuple(x for i in range(30) for x in (str(i * 1.5), "m%d" % i)),
        ("HSET", "h:lp", "f1", "v1", "f2", "2", "f3", ""),
        ("HSET", "h:ht") + tuple(x for i in range(20) for x in ("f%d" % i, "v%d" % i)),
        ("HSET", "h:long", "f", "v" * 100),
    ]
    for cmd in cmds:
        c.call(*cmd)
    c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    c.call("RPUSH", "l:plain", "small", PLAIN, "tail")
    c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


class DumpRestoreTest(keel_testutil.PairCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = keel_testutil.start_pair(keel_args=ARGS)

    def setUp(self):
        self.k = self.keel_conn = keel_testutil.RawClient(self.keel.port)
        self.r = keel_testutil.RawClient(self.redis.port)
        self.addCleanup(self.k.close)
        self.addCleanup(self.r.close)
        for c in (self.k, self.r):
            self.assertEqual(c.call("FLUSHALL"), ("+", b"OK"))
            populate(c)
        self.keys = sorted(v for _, v in self.r.call("KEYS", "*")[1])
        self.assertEqual(sorted(v for _, v in self.k.call("KEYS", "*")[1]), self.keys)
        self.assertEqual(len(self.keys), 19)

    def both(self, *args):
        rk, rr = self.k.call(*args), self.r.call(*args)
        self.assertEqual(rk, rr, "reply to %r" % (args,))
        return rr

    def test_encodings_match_before_dumping(self):
        for key in self.keys:
            self.both("OBJECT", "ENCODING", key)

    def test_deterministic_payloads_are_byte_identical(self):
        # Hash tables iterate in an order of their own; every other encoding is written as the
        # bytes both servers hold.
        for key in self.keys:
            enc = self.r.call("OBJECT", "ENCODING", key)[1]
            if enc == b"hashtable":
                continue
            self.both("DUMP", key)

    def test_dump_follows_rdbcompression(self):
        value = "compressible " * 20
        self.both("SET", "lzf:candidate", value)
        try:
            self.both("CONFIG", "SET", "rdbcompression", "no")
            kind, raw = self.both("DUMP", "lzf:candidate")
            self.assertIn(value.encode(), raw)  # stored as it is
        finally:
            self.both("CONFIG", "SET", "rdbcompression", "yes")
        kind, packed = self.both("DUMP", "lzf:candidate")
        self.assertLess(len(packed), len(raw))

    def cross(self, source, target):
        for key in self.keys:
            kind, payload = source.call("DUMP", key)
            self.assertEqual(kind, "$", key)
            new = b"copy:" + key
            self.assertEqual(target.call("RESTORE", new, "0", payload), ("+", b"OK"), key)
            self.assertEqual(target.call("OBJECT", "ENCODING", new),
                             target.call("OBJECT", "ENCODING", key), key)
            self.assertEqual(target.call("DEBUG", "DIGEST-VALUE", new),
                             target.call("DEBUG", "DIGEST-VALUE", key), key)
            self.assertEqual(target.call("TYPE", new), target.call("TYPE", key), key)

    def test_keel_payloads_restore_into_redis(self):
        self.cross(self.k, self.r)

    def test_redis_payloads_restore_into_keel(self):
        self.cross(self.r, self.k)

    def test_restore_into_keel_keeps_list_node_layout(self):
        for key in (b"l:multi", b"l:plain"):
            payload = self.r.call("DUMP", key)[1]
            self.both("RESTORE", b"copy:" + key, "0", payload)
            ql = [self.k.call("DEBUG", "OBJECT", b"copy:" + key)[1],
                  self.r.call("DEBUG", "OBJECT", b"copy:" + key)[1]]
            nodes = [s[s.index(b"ql_nodes:"):].split(b" ")[0] for s in ql]
            self.assertEqual(nodes[0], nodes[1], key)

    def test_restore_replies_and_errors(self):
        payload = self.r.call("DUMP", "s:emb")[1]
        self.assertEqual(self.k.call("DUMP", "s:emb")[1], payload)
        self.assertEqual(crc64_jones(payload[:-8]).to_bytes(8, "little"), payload[-8:])
        garbage_crc = payload[:-1] + bytes([payload[-1] ^ 1])
        # A correct footer over a string whose length runs past the value.
        short = self.r.call("DUMP", "s:raw")[1]
        cases = [
            ("RESTORE", "s:emb", "0", payload),
            ("RESTORE", "new", "0", "garbage"),
            ("RESTORE", "new", "0", ""),
            ("RESTORE", "new", "0", garbage_crc),
            ("RESTORE", "new", "-1", payload),
            ("RESTORE", "new", "abc", payload),
            ("RESTORE", "new", "0", payload, "IDLETIME", "-1"),
            ("RESTORE", "new", "0", payload, "IDLETIME", "abc"),
            ("RESTORE", "new", "0", payload, "FREQ", "256"),
            ("RESTORE", "new", "0", payload, "FREQ", "-1"),
            ("RESTORE", "new", "0", payload, "IDLETIME", "1", "FREQ", "1"),
            ("RESTORE", "new", "0", payload, "FREQ", "1", "IDLETIME", "1"),
            ("RESTORE", "new", "0", payload, "IDLETIME"),
            ("RESTORE", "new", "0", payload, "BOGUS"),
            ("RESTORE", "new", "0", payload, "REPLACE", "ABSTTL", "FREQ", "3", "FREQ", "4"),
            ("EXISTS", "new"),
            ("OBJECT", "FREQ", "new"),
            ("RESTORE", "past", "1", payload, "ABSTTL"),
            ("EXISTS", "past"),
            ("RESTORE", "s:emb", "1", payload, "ABSTTL", "REPLACE"),
            ("EXISTS", "s:emb"),
            ("RESTORE", "ttl", "100000", payload),
            ("RESTORE", "abs", "4102444800000", payload, "ABSTTL"),
            ("PEXPIRETIME", "abs"),
            ("RESTORE", "idle", "0", payload, "IDLETIME", "1000"),
            ("OBJECT", "IDLETIME", "idle"),
            # Longer ago than the 24-bit LRU clock's current value: the time wraps back.
            ("RESTORE", "idle2", "0", payload, "IDLETIME", "16000000"),
            ("OBJECT", "IDLETIME", "idle2"),
            ("RESTORE",),
            ("RESTORE", "a", "0"),
            ("DUMP",),
            ("DUMP", "missing"),
            ("DUMP", "a", "b"),
        ]
        for cmd in cases:
            self.both(*cmd)
        self.assertAlmostEqual(self.k.call("PTTL", "ttl")[1], self.r.call("PTTL", "ttl")[1],
                               delta=2000)
        # Malformed values behind a valid footer: Redis's "Bad data format" on both.
        for body in (b"\x00\x3f", b"\x02\x00", b"\x63abc", short[:-10][:-3]):
            bad = self.dump_payload(body)
            self.both("RESTORE", "bad", "0", bad)
        self.both("EXISTS", "bad")

    def dump_payload(self, body):
        """`body` with a version-10 footer and its correct CRC, so RESTORE gets past the
        checksum and judges the value itself."""
        data = body + b"\x0a\x00"
        return data + crc64_jones(data).to_bytes(8, "little")

    def test_command_info_and_docs(self):
        for sub in ("INFO", "DOCS"):
            for name in ("dump", "restore"):
                self.both("COMMAND", sub, name)


def crc64_jones(data):
    """Redis's CRC-64 (Jones polynomial, reflected), bit by bit."""
    poly = 0x95AC9329AC4BC9B5
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


if __name__ == "__main__":
    unittest.main()
