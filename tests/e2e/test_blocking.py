#!/usr/bin/python3
"""End-to-end blocking suite: clients blocked on BLPOP/BLMOVE/BZPOPMIN are served in arrival
order, BLMOVE chains wake the next waiter in the same round, a push inside MULTI/EXEC or a SWAPDB
wakes waiters, sub-second timeouts, disconnection while blocked, pipelined commands queued behind
a blocked one, BLPOP inside MULTI, CLIENT UNBLOCK and INFO's blocked_clients. Every case runs
against keel-server and against Debian's redis-server, so the expected bytes are Redis's."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

OK = ("+", b"OK")


class BlockingCases:
    """Mixed into one TestCase per server; `cls.server` is set by the subclass."""

    server = None

    def setUp(self):
        self.admin = self.conn()
        self.assertEqual(self.admin.call("FLUSHALL"), OK)
        self.assertEqual(self.admin.call("CONFIG", "SET", "timeout", "0"), OK)

    def info_field(self, section, field):
        kind, text = self.admin.call("INFO", section)
        for line in text.decode().split("\r\n"):
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
        raise AssertionError("no %s in INFO %s" % (field, section))

    def wait_blocked(self, n):
        """Waits until exactly n clients are blocked (so arrival order is known)."""
        ok = tu.wait_until(lambda: self.info_field("clients", "blocked_clients") == n, 10)
        self.assertTrue(ok, "blocked_clients never reached %d" % n)

    def block(self, *cmd, expect_blocked):
        c = self.conn()
        c.send(tu.encode_command(*cmd))
        self.wait_blocked(expect_blocked)
        return c

    def assertQuiet(self, c, wait=0.2):
        """Nothing arrives on `c` for `wait` seconds."""
        c.sock.settimeout(wait)
        try:
            data = c.sock.recv(1)
        except TimeoutError:
            data = None
        finally:
            c.sock.settimeout(30)
        self.assertIsNone(data, "unexpected reply while blocked")

    # ---- Serving ----

    def test_waiters_are_served_in_arrival_order(self):
        waiters = [self.block("BLPOP", "q", "5", expect_blocked=i + 1) for i in range(3)]
        self.assertEqual(self.admin.call("RPUSH", "q", "a", "b", "c", "d"), (":", 4))
        self.assertEqual([w.read_reply() for w in waiters], [
            ("*", [("$", b"q"), ("$", v)]) for v in (b"a", b"b", b"c")])
        self.assertEqual(self.admin.call("LRANGE", "q", "0", "-1"), ("*", [("$", b"d")]))
        self.wait_blocked(0)

    def test_one_element_serves_only_the_first_waiter(self):
        first = self.block("BRPOP", "q", "0", expect_blocked=1)
        second = self.block("BRPOP", "q", "0", expect_blocked=2)
        self.assertEqual(self.admin.call("LPUSH", "q", "x"), (":", 1))
        self.assertEqual(first.read_reply(), ("*", [("$", b"q"), ("$", b"x")]))
        self.assertQuiet(second)
        self.wait_blocked(1)
        self.assertEqual(self.admin.call("LPUSH", "q", "y"), (":", 1))
        self.assertEqual(second.read_reply(), ("*", [("$", b"q"), ("$", b"y")]))

    def test_multi_key_wait_served_by_any_key(self):
        w = self.block("BLPOP", "k1", "k2", "k3", "0", expect_blocked=1)
        self.admin.call("RPUSH", "k3", "v")
        self.assertEqual(w.read_reply(), ("*", [("$", b"k3"), ("$", b"v")]))
        self.wait_blocked(0)

    def test_multi_key_wait_served_by_the_key_that_became_ready_first(self):
        # k2 gets a value before k1 in the same transaction: the waiter is served from k2 even
        # though k1 comes first in its arguments. The same for the other blocking pops.
        cases = [("BLPOP", "k1", "k2", "0"),
                 ("BLMPOP", "0", "2", "k1", "k2", "LEFT"),
                 ("BZPOPMIN", "k1", "k2", "0"),
                 ("BZMPOP", "0", "2", "k1", "k2", "MIN")]
        for cmd in cases:
            with self.subTest(cmd=cmd[0]):
                self.admin.call("DEL", "k1", "k2")
                w = self.block(*cmd, expect_blocked=1)
                push = ("RPUSH", "{}", "v") if cmd[0].startswith("BL") else ("ZADD", "{}", "1", "v")
                self.assertEqual(self.admin.call("MULTI"), OK)
                for key in ("k2", "k1"):
                    self.admin.call(*[a.replace("{}", key) for a in push])
                self.assertEqual(self.admin.call("EXEC")[0], "*")
                kind, reply = w.read_reply()
                self.assertEqual((kind, reply[0]), ("*", ("$", b"k2")), reply)
                self.wait_blocked(0)

    def test_blmove_chain_serves_every_link_in_one_round(self):
        first = self.block("BLMOVE", "a", "b", "RIGHT", "LEFT", "0", expect_blocked=1)
        second = self.block("BLMOVE", "b", "c", "RIGHT", "LEFT", "0", expect_blocked=2)
        last = self.block("BLPOP", "c", "0", expect_blocked=3)
        self.assertEqual(self.admin.call("RPUSH", "a", "v"), (":", 1))
        self.assertEqual(first.read_reply(), ("$", b"v"))
        self.assertEqual(second.read_reply(), ("$", b"v"))
        self.assertEqual(last.read_reply(), ("*", [("$", b"c"), ("$", b"v")]))
        self.assertEqual(self.admin.call("EXISTS", "a", "b", "c"), (":", 0))

    def test_push_inside_exec_wakes_a_waiter(self):
        w = self.block("BLPOP", "k", "0", expect_blocked=1)
        self.assertEqual(self.admin.call("MULTI"), OK)
        self.assertEqual(self.admin.call("RPUSH", "k", "x", "y"), ("+", b"QUEUED"))
        self.assertEqual(self.admin.call("RPUSH", "k", "z"), ("+", b"QUEUED"))
        self.assertEqual(self.admin.call("EXEC"), ("*", [(":", 2), (":", 3)]))
        self.assertEqual(w.read_reply(), ("*", [("$", b"k"), ("$", b"x")]))
        self.assertEqual(self.admin.call("LRANGE", "k", "0", "-1"),
                         ("*", [("$", b"y"), ("$", b"z")]))

    def test_swapdb_wakes_a_waiter(self):
        w = self.block("BLPOP", "k", "0", expect_blocked=1)
        self.admin.call("SELECT", "1")
        self.admin.call("RPUSH", "k", "from-db1")
        self.assertQuiet(w)
        self.assertEqual(self.admin.call("SWAPDB", "0", "1"), OK)
        self.assertEqual(w.read_reply(), ("*", [("$", b"k"), ("$", b"from-db1")]))
        self.admin.call("SELECT", "0")

    def test_waiter_for_another_type_keeps_waiting(self):
        zwait = self.block("BZPOPMIN", "k", "0", expect_blocked=1)
        lwait = self.block("BLPOP", "k", "0", expect_blocked=2)
        self.admin.call("RPUSH", "k", "v")
        self.assertEqual(lwait.read_reply(), ("*", [("$", b"k"), ("$", b"v")]))
        self.assertQuiet(zwait)
        self.admin.call("ZADD", "k", "1", "m")
        self.assertEqual(zwait.read_reply(), ("*", [("$", b"k"), ("$", b"m"), ("$", b"1")]))

    # ---- Timeouts ----

    def test_sub_second_timeouts(self):
        c = self.conn()
        for cmd, null in ((("BLPOP", "none", "0.1"), ("*", None)),
                          # BLMOVE too times out with a null array in Redis 7.0.
                          (("BLMOVE", "none", "dst", "LEFT", "LEFT", "0.2"), ("*", None)),
                          (("BRPOPLPUSH", "none", "dst", "0.1"), ("*", None)),
                          (("BZPOPMIN", "none", "0.1"), ("*", None))):
            start = time.monotonic()
            self.assertEqual(c.call(*cmd), null)
            elapsed = time.monotonic() - start
            self.assertGreaterEqual(elapsed, float(cmd[-1]) - 0.01)
            self.assertLess(elapsed, 1.5)
        self.assertEqual(self.info_field("clients", "blocked_clients"), 0)

    def test_blocked_client_is_exempt_from_idle_timeout(self):
        w = self.block("BLPOP", "k", "0", expect_blocked=1)
        self.assertEqual(self.admin.call("CONFIG", "SET", "timeout", "1"), OK)
        time.sleep(2.5)
        self.admin = self.conn()  # the admin connection itself went idle
        self.assertEqual(self.admin.call("RPUSH", "k", "v"), (":", 1))
        self.assertEqual(w.read_reply(), ("*", [("$", b"k"), ("$", b"v")]))
        self.assertEqual(self.admin.call("CONFIG", "SET", "timeout", "0"), OK)

    # ---- Connection life ----

    def test_disconnect_while_blocked(self):
        w = self.block("BLPOP", "k", "0", expect_blocked=1)
        w.close()
        self.wait_blocked(0)
        self.assertEqual(self.admin.call("RPUSH", "k", "v"), (":", 1))
        self.assertEqual(self.admin.call("LLEN", "k"), (":", 1))

    def test_pipelined_commands_run_after_the_blocked_one(self):
        c = self.conn()
        c.send(tu.encode_command("BLPOP", "k", "0") + tu.encode_command("SET", "after", "1") +
               tu.encode_command("INCR", "after"))
        self.wait_blocked(1)
        self.assertEqual(self.admin.call("GET", "after"), ("$", None))
        # More input while blocked is kept too, in order.
        c.send(tu.encode_command("GET", "after"))
        self.assertQuiet(c)
        self.assertEqual(self.admin.call("RPUSH", "k", "v"), (":", 1))
        self.assertEqual(c.read_reply(), ("*", [("$", b"k"), ("$", b"v")]))
        self.assertEqual(c.read_reply(), OK)
        self.assertEqual(c.read_reply(), (":", 2))
        self.assertEqual(c.read_reply(), ("$", b"2"))

    def test_blocking_command_inside_multi_does_not_block(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("BLPOP", "k", "0"), ("+", b"QUEUED"))
        self.assertEqual(c.call("BLMOVE", "k", "d", "LEFT", "LEFT", "0"), ("+", b"QUEUED"))
        self.assertEqual(c.call("EXEC"), ("*", [("*", None), ("$", None)]))

    # ---- CLIENT UNBLOCK ----

    def test_client_unblock(self):
        w = self.block("BLPOP", "k", "0", expect_blocked=1)
        wid = self.info_id(w)
        self.assertEqual(self.admin.call("CLIENT", "UNBLOCK", str(wid)), (":", 1))
        self.assertEqual(w.read_reply(), ("*", None))
        self.assertEqual(self.admin.call("CLIENT", "UNBLOCK", str(wid)), (":", 0))
        w.send(tu.encode_command("BLMOVE", "k", "d", "LEFT", "LEFT", "0"))
        self.wait_blocked(1)
        self.assertEqual(self.admin.call("CLIENT", "UNBLOCK", str(wid), "TIMEOUT"), (":", 1))
        self.assertEqual(w.read_reply(), ("*", None))
        w.send(tu.encode_command("BLPOP", "k", "0"))
        self.wait_blocked(1)
        self.assertEqual(self.admin.call("CLIENT", "UNBLOCK", str(wid), "error"), (":", 1))
        self.assertEqual(w.read_reply(), ("-", b"UNBLOCKED client unblocked via CLIENT UNBLOCK"))
        self.assertEqual(w.call("PING"), ("+", b"PONG"))

    def test_client_unblock_errors(self):
        a = self.admin
        self.assertEqual(a.call("CLIENT", "UNBLOCK", "abc"), (
            "-", b"ERR value is not an integer or out of range"))
        self.assertEqual(a.call("CLIENT", "UNBLOCK", "abc", "foo"), (
            "-", b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"))
        self.assertEqual(a.call("CLIENT", "UNBLOCK", "99999"), (":", 0))
        self.assertEqual(a.call("client", "unblock", "1", "timeout", "x"), (
            "-", b"ERR unknown subcommand or wrong number of arguments for 'unblock'. "
                 b"Try CLIENT HELP."))

    def info_id(self, c):
        # The waiter cannot answer CLIENT ID while blocked: find it as the client running blpop.
        kind, text = self.admin.call("CLIENT", "LIST")
        for line in text.decode().splitlines():
            fields = dict(f.split("=", 1) for f in line.split(" "))
            if fields["cmd"] in ("blpop", "blmove"):
                return int(fields["id"])
        raise AssertionError("no blocked client in CLIENT LIST:\n" + text.decode())

    def test_info_counts_blocked_clients_and_timeouts(self):
        self.block("BLPOP", "k", "0", expect_blocked=1)
        self.block("BLPOP", "k", "100", expect_blocked=2)
        self.assertEqual(self.info_field("clients", "clients_in_timeout_table"), 1)
        self.admin.call("RPUSH", "k", "a", "b")
        self.wait_blocked(0)
        self.assertEqual(self.info_field("clients", "clients_in_timeout_table"), 0)


class KeelBlocking(tu.KeelServerCase, BlockingCases, unittest.TestCase):
    pass


class RedisBlocking(tu.RedisServerCase, BlockingCases, unittest.TestCase):
    """The same cases against redis-server: proof that the expectations are Redis's."""


if __name__ == "__main__":
    unittest.main()
