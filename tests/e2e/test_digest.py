#!/usr/bin/python3
"""DEBUG DIGEST and DEBUG DIGEST-VALUE against redis-server 7.0: the differential stream (every
data type, expiry included) goes to both servers with every reply checked, and then both must
report the same dataset digest and the same per-key digests. Keel computes Redis's digest bit for
bit, so one 40-digit string compares two whole datasets whatever encodings each server chose.

KEEL_DIGEST_COMMANDS (default 6000) sets the length of each stream."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil  # noqa: E402
from difftest.gen import ALL_DBS  # noqa: E402
from difftest.runner import Mismatch, Runner  # noqa: E402

COMMANDS = int(os.environ.get("KEEL_DIGEST_COMMANDS", 6000))
ZERO = b"0" * 40
DEBUG_FLAGS = ["--enable-debug-command", "yes"]


class DigestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = keel_testutil.start_pair(keel_args=DEBUG_FLAGS)

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        keel_testutil.stop_keel(cls.keel)

    def setUp(self):
        self.k = keel_testutil.RawClient(self.keel.port)
        self.r = keel_testutil.RawClient(self.redis.port)
        self.addCleanup(self.k.close)
        self.addCleanup(self.r.close)
        for c in (self.k, self.r):
            self.assertEqual(c.call("FLUSHALL"), ("+", b"OK"))
            self.assertEqual(c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("+", b"OK"))

    def both(self, *args):
        """The same command on both servers; the replies must be equal. Returns Redis's."""
        rk, rr = self.k.call(*args), self.r.call(*args)
        self.assertEqual(rk, rr, "reply to %r" % (args,))
        return rr

    def assert_digests_equal(self):
        """DIGEST over everything, and DIGEST-VALUE of every key of every database in one call
        per database (plus a missing key). Returns the dataset digest."""
        digest = self.both("DEBUG", "DIGEST")
        self.assertEqual(digest[0], "+")  # a status reply, as Redis sends it
        self.assertEqual(len(digest[1]), 40)
        for db in range(ALL_DBS):
            self.both("SELECT", db)
            kind, keys = self.r.call("KEYS", "*")
            self.assertEqual(kind, "*")
            names = sorted(v for _, v in keys)
            self.assertEqual(sorted(v for _, v in self.k.call("KEYS", "*")[1]), names)
            values = self.both("DEBUG", "DIGEST-VALUE", *names, b"no-such-key\xff")
            self.assertEqual(len(values[1]), len(names) + 1)
            self.assertEqual(values[1][-1], ("+", ZERO))
        self.both("SELECT", 0)
        return digest[1]

    def run_stream(self, seed, families=None):
        runner = Runner(self.keel.port, self.redis.port, seed, COMMANDS, families=families)
        try:
            runner.run()
        except Mismatch as e:
            self.fail("\n" + str(e))
        finally:
            runner.close()

    def test_empty_dataset_is_forty_zeros(self):
        self.assertEqual(self.both("DEBUG", "DIGEST"), ("+", ZERO))
        self.assertEqual(self.both("DEBUG", "DIGEST-VALUE", "a", "b"),
                         ("*", [("+", ZERO), ("+", ZERO)]))
        self.assertEqual(self.both("DEBUG", "DIGEST-VALUE"), ("*", []))

    def test_wrong_arity_is_the_subcommand_error(self):
        reply = self.both("DEBUG", "digest", "extra")
        self.assertEqual(reply[0], "-")
        self.assertIn(b"'digest'. Try DEBUG HELP.", reply[1])

    def test_help_lists_both_subcommands_as_redis(self):
        lines = {}
        for name, c in (("keel", self.k), ("redis", self.r)):
            kind, items = c.call("DEBUG", "HELP")
            self.assertEqual(kind, "*")
            text = [v for _, v in items]
            i = text.index(b"DIGEST")
            lines[name] = text[i:i + 4]
        self.assertEqual(lines["keel"], lines["redis"])
        self.assertEqual(lines["keel"][2], b"DIGEST-VALUE <key> [<key> ...]")

    def test_mixed_random_stream(self):
        self.run_stream(seed=4242)
        digest = self.assert_digests_equal()
        self.assertNotEqual(digest, ZERO)  # the stream left data: the comparison meant something

    def test_each_type_alone(self):
        # One family at a time builds bigger values of that type (and converts encodings).
        for i, family in enumerate(("strings", "lists", "hashes", "sets", "zsets")):
            with self.subTest(family=family):
                for c in (self.k, self.r):
                    c.call("FLUSHALL")
                self.run_stream(seed=700 + i, families={family, "expire", "keys"})
                self.assertNotEqual(self.assert_digests_equal(), ZERO)

    def test_expired_keys_not_yet_reclaimed_still_count(self):
        # Redis reads its raw tables: a key past its expiry time that nothing touched is in the
        # digest, with the expire marker, in Keel too.
        self.both("SET", "past", "v", "PXAT", "1000")
        self.both("RPUSH", "live", "a", "b")
        self.both("PEXPIRE", "live", "100000000")
        self.both("SELECT", "3")
        self.both("HSET", "h", "f", "v")
        self.both("SELECT", "0")
        digest = self.both("DEBUG", "DIGEST")
        self.assertNotEqual(digest, ("+", ZERO))
        values = self.both("DEBUG", "DIGEST-VALUE", "past", "live", "h")
        self.assertEqual(values[1][2], ("+", ZERO))  # h is in db 3
        self.assertEqual(self.both("DBSIZE"), (":", 2))  # nothing reclaimed "past"


if __name__ == "__main__":
    unittest.main()
