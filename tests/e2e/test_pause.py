#!/usr/bin/python3
"""End-to-end CLIENT PAUSE suite: WRITE postpones commands that may write (reads go on), ALL
postpones everything (CLIENT UNPAUSE included, as in Redis 7.0), postponed commands run in order
with the rest of their client's pipeline when the pause ends or CLIENT UNPAUSE is sent, MULTI/EXEC
under a write pause, active expiry held during a pause, INFO's count of postponed clients, and
the argument errors. Every case runs against keel-server and against Debian's redis-server."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

OK = ("+", b"OK")
QUEUED = ("+", b"QUEUED")


class PauseCases:
    """Mixed into one TestCase per server; `cls.server` is set by the subclass."""

    server = None

    def setUp(self):
        self.admin = self.conn()
        self.assertEqual(self.admin.call("CLIENT", "UNPAUSE"), OK)
        self.assertEqual(self.admin.call("FLUSHALL"), OK)

    def blocked_clients(self, c):
        kind, text = c.call("INFO", "clients")
        for line in text.decode().split("\r\n"):
            if line.startswith("blocked_clients:"):
                return int(line.split(":")[1])
        raise AssertionError("no blocked_clients")

    def assertQuiet(self, c, wait=0.2):
        c.sock.settimeout(wait)
        try:
            data = c.sock.recv(1)
        except TimeoutError:
            data = None
        finally:
            c.sock.settimeout(30)
        self.assertIsNone(data, "unexpected reply while paused")

    def test_write_pause_postpones_writes_not_reads(self):
        a, b = self.conn(), self.conn()
        a.call("SET", "k", "old")
        self.assertEqual(a.call("CLIENT", "PAUSE", "600", "WRITE"), OK)
        start = time.monotonic()
        self.assertEqual(b.call("GET", "k"), ("$", b"old"))
        self.assertLess(time.monotonic() - start, 0.4)
        self.assertEqual(b.call("SET", "k", "new"), OK)
        self.assertGreaterEqual(time.monotonic() - start, 0.55)
        self.assertEqual(b.call("GET", "k"), ("$", b"new"))

    def test_postponed_command_keeps_its_pipeline_in_order(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("CLIENT", "PAUSE", "100000", "WRITE"), OK)
        b.send(tu.encode_command("SET", "k", "1") + tu.encode_command("GET", "k") +
               tu.encode_command("INCR", "k"))
        self.assertQuiet(b)
        # The read behind the write waits with it.
        self.assertEqual(a.call("GET", "k"), ("$", None))
        self.assertEqual(self.blocked_clients(a), 1)
        self.assertEqual(a.call("CLIENT", "UNPAUSE"), OK)
        self.assertEqual([b.read_reply() for _ in range(3)], [OK, ("$", b"1"), (":", 2)])
        self.assertEqual(self.blocked_clients(a), 0)

    def test_all_pause_postpones_everything_until_it_ends(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("CLIENT", "PAUSE", "500"), OK)
        start = time.monotonic()
        self.assertEqual(b.call("PING"), ("+", b"PONG"))
        self.assertGreaterEqual(time.monotonic() - start, 0.4)

    def test_all_pause_postpones_unpause_too(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("CLIENT", "PAUSE", "700", "ALL"), OK)
        start = time.monotonic()
        self.assertEqual(b.call("CLIENT", "UNPAUSE"), OK)
        self.assertGreaterEqual(time.monotonic() - start, 0.6)

    def test_pause_widens_and_extends(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("CLIENT", "PAUSE", "600", "ALL"), OK)
        # Postponed itself, since ALL covers it; it cannot shorten or narrow the pause.
        a.send(tu.encode_command("CLIENT", "PAUSE", "10", "WRITE"))
        start = time.monotonic()
        self.assertEqual(b.call("GET", "x"), ("$", None))
        self.assertGreaterEqual(time.monotonic() - start, 0.5)
        self.assertEqual(a.read_reply(), OK)

    def test_write_pause_and_transactions(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(b.call("MULTI"), OK)
        self.assertEqual(b.call("SET", "k", "1"), QUEUED)
        self.assertEqual(a.call("CLIENT", "PAUSE", "100000", "WRITE"), OK)
        # EXEC of a transaction that writes waits; one that only reads does not.
        b.send(tu.encode_command("EXEC"))
        self.assertQuiet(b)
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("GET", "k"), QUEUED)
        self.assertEqual(c.call("EXEC"), ("*", [("$", None)]))
        # A write is postponed even before it would only be queued.
        self.assertEqual(c.call("MULTI"), OK)
        c.send(tu.encode_command("SET", "j", "1"))
        self.assertQuiet(c)
        self.assertEqual(a.call("CLIENT", "UNPAUSE"), OK)
        self.assertEqual(b.read_reply(), ("*", [OK]))
        self.assertEqual(c.read_reply(), QUEUED)
        self.assertEqual(c.call("EXEC"), ("*", [OK]))

    def test_may_replicate_commands_are_postponed_by_write_pause(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("CLIENT", "PAUSE", "100000", "WRITE"), OK)
        b.send(tu.encode_command("PUBLISH", "ch", "m"))
        self.assertQuiet(b)
        self.assertEqual(a.call("CLIENT", "UNPAUSE"), OK)
        self.assertEqual(b.read_reply(), (":", 0))

    def test_expiry_waits_during_a_pause(self):
        a = self.conn()
        a.call("SET", "k", "v", "PX", "50")
        self.assertEqual(a.call("CLIENT", "PAUSE", "100000", "WRITE"), OK)
        time.sleep(0.4)
        # Active expiry would have removed it by now.
        self.assertEqual(a.call("DBSIZE"), (":", 1))
        # A read finds it expired but leaves it in place; so do SCAN and RANDOMKEY.
        self.assertEqual(a.call("GET", "k"), ("$", None))
        self.assertEqual(a.call("EXISTS", "k"), (":", 0))
        self.assertEqual(a.call("SCAN", "0"), ("*", [("$", b"0"), ("*", [])]))
        self.assertEqual(a.call("DBSIZE"), (":", 1))
        self.assertEqual(a.call("CLIENT", "UNPAUSE"), OK)
        self.assertTrue(tu.wait_until(lambda: a.call("DBSIZE") == (":", 0), 5))

    def test_pause_errors(self):
        a = self.admin
        self.assertEqual(a.call("CLIENT", "PAUSE", "abc"), (
            "-", b"ERR timeout is not an integer or out of range"))
        self.assertEqual(a.call("CLIENT", "PAUSE", "1.5"), (
            "-", b"ERR timeout is not an integer or out of range"))
        self.assertEqual(a.call("CLIENT", "PAUSE", "-1"), ("-", b"ERR timeout is negative"))
        self.assertEqual(a.call("CLIENT", "PAUSE", "10", "foo"), (
            "-", b"ERR CLIENT PAUSE mode must be WRITE or ALL"))
        self.assertEqual(a.call("CLIENT", "PAUSE", "abc", "foo"), (
            "-", b"ERR CLIENT PAUSE mode must be WRITE or ALL"))
        self.assertEqual(a.call("client", "pause", "10", "write", "x"), (
            "-", b"ERR unknown subcommand or wrong number of arguments for 'pause'. "
                 b"Try CLIENT HELP."))
        self.assertEqual(a.call("CLIENT", "UNPAUSE", "x"), (
            "-", b"ERR wrong number of arguments for 'client|unpause' command"))
        # A timeout past the end of time wraps into the past in Redis 7.0: no pause at all.
        self.assertEqual(a.call("CLIENT", "PAUSE", "9223372036854775807"), OK)
        time.sleep(0.2)
        self.assertEqual(self.conn().call("PING"), ("+", b"PONG"))


class KeelPause(tu.KeelServerCase, PauseCases, unittest.TestCase):
    pass


class RedisPause(tu.RedisServerCase, PauseCases, unittest.TestCase):
    """The same cases against redis-server: proof that the expectations are Redis's."""


if __name__ == "__main__":
    unittest.main()
