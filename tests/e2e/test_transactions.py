#!/usr/bin/python3
"""End-to-end transactions suite: MULTI/EXEC/DISCARD/WATCH/UNWATCH byte for byte as redis-server
7.0 replies them (queueing, EXECABORT after a rejected command, nesting and misuse errors), and
WATCH invalidation by another client's write, by expiry, FLUSHDB, FLUSHALL and SWAPDB. Every case
runs against keel-server and against Debian's redis-server, so the expected bytes are Redis's."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

OK = ("+", b"OK")
QUEUED = ("+", b"QUEUED")
NULL_ARRAY = ("*", None)
EXECABORT = ("-", b"EXECABORT Transaction discarded because of previous errors.")


class TransactionCases:
    """Mixed into one TestCase per server; `cls.server` is set by the subclass."""

    server = None

    def setUp(self):
        c = self.conn()
        self.assertEqual(c.call("FLUSHALL"), OK)
        self.assertEqual(c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1"), OK)

    # ---- Queueing and errors ----

    def test_commands_are_queued_and_run_by_exec(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("INCR", "a"), QUEUED)
        self.assertEqual(c.call("GET", "a"), QUEUED)
        self.assertEqual(c.call("HSET", "a", "f", "v"), QUEUED)
        # Nothing ran yet.
        self.assertEqual(self.conn().call("GET", "a"), ("$", None))
        self.assertEqual(c.call("EXEC"), ("*", [OK, (":", 2), ("$", b"2"), (
            "-", b"WRONGTYPE Operation against a key holding the wrong kind of value")]))
        self.assertEqual(c.call("GET", "a"), ("$", b"2"))

    def test_empty_transaction(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("EXEC"), ("*", []))

    def test_misuse_errors(self):
        c = self.conn()
        self.assertEqual(c.call("EXEC"), ("-", b"ERR EXEC without MULTI"))
        self.assertEqual(c.call("DISCARD"), ("-", b"ERR DISCARD without MULTI"))
        self.assertEqual(c.call("MULTI"), OK)
        # Neither error aborts the transaction.
        self.assertEqual(c.call("MULTI"), ("-", b"ERR MULTI calls can not be nested"))
        self.assertEqual(c.call("WATCH", "a"), ("-", b"ERR WATCH inside MULTI is not allowed"))
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("EXEC"), ("*", [OK]))

    def test_unknown_command_aborts_exec(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("NOSUCH", "x"), (
            "-", b"ERR unknown command 'NOSUCH', with args beginning with: 'x' "))
        self.assertEqual(c.call("SET", "b", "1"), QUEUED)
        self.assertEqual(c.call("EXEC"), ("-", EXECABORT[1]))
        self.assertEqual(c.call("EXISTS", "a", "b"), (":", 0))
        # The transaction is over.
        self.assertEqual(c.call("EXEC"), ("-", b"ERR EXEC without MULTI"))

    def test_arity_error_aborts_exec(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a"), (
            "-", b"ERR wrong number of arguments for 'set' command"))
        self.assertEqual(c.call("EXEC"), ("-", EXECABORT[1]))

    def test_no_multi_command_is_refused_and_aborts(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SHUTDOWN"), (
            "-", b"ERR Command not allowed inside a transaction"))
        self.assertEqual(c.call("EXEC"), ("-", EXECABORT[1]))
        self.assertEqual(c.call("PING"), ("+", b"PONG"))  # still up

    def test_exec_with_arguments_discards_the_transaction(self):
        c = self.conn()
        self.assertEqual(c.call("EXEC", "x"), ("-", (
            b"EXECABORT Transaction discarded because of: wrong number of arguments for "
            b"'exec' command")))
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("EXEC", "x"), ("-", (
            b"EXECABORT Transaction discarded because of: wrong number of arguments for "
            b"'exec' command")))
        self.assertEqual(c.call("EXEC"), ("-", b"ERR EXEC without MULTI"))
        self.assertEqual(c.call("GET", "a"), ("$", None))

    def test_runtime_error_does_not_abort_the_rest(self):
        c = self.conn()
        c.call("SET", "s", "x")
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("INCR", "s"), QUEUED)
        self.assertEqual(c.call("SET", "t", "1"), QUEUED)
        self.assertEqual(c.call("EXEC"), ("*", [
            ("-", b"ERR value is not an integer or out of range"), OK]))

    def test_select_inside_exec_changes_the_db_for_later_commands(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SELECT", "2"), QUEUED)
        self.assertEqual(c.call("SET", "z", "1"), QUEUED)
        self.assertEqual(c.call("EXEC"), ("*", [OK, OK]))
        self.assertEqual(c.call("GET", "z"), ("$", b"1"))
        self.assertEqual(c.call("SELECT", "0"), OK)
        self.assertEqual(c.call("GET", "z"), ("$", None))

    def test_pipelined_transaction(self):
        c = self.conn()
        c.send(b"".join(tu.encode_command(*cmd) for cmd in [
            ("MULTI",), ("SET", "p", "1"), ("NOPE",), ("GET", "p"), ("EXEC",), ("GET", "p")]))
        replies = [c.read_reply() for _ in range(6)]
        self.assertEqual(replies, [
            OK, QUEUED, ("-", b"ERR unknown command 'NOPE', with args beginning with: "),
            QUEUED, EXECABORT, ("$", None)])

    def test_discard(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("DISCARD"), OK)
        self.assertEqual(c.call("GET", "a"), ("$", None))
        self.assertEqual(c.call("EXEC"), ("-", b"ERR EXEC without MULTI"))

    # ---- WATCH ----

    def test_watched_key_written_by_another_client_fails_exec(self):
        a, b = self.conn(), self.conn()
        a.call("SET", "k", "1")
        self.assertEqual(a.call("WATCH", "k", "other"), OK)
        self.assertEqual(b.call("INCR", "k"), (":", 2))
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("SET", "k", "100"), QUEUED)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)
        self.assertEqual(a.call("GET", "k"), ("$", b"2"))
        # EXEC unwatched everything: the next transaction succeeds.
        self.assertEqual(b.call("INCR", "k"), (":", 3))
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))

    def test_write_to_an_unwatched_key_or_other_db_does_not_fail_exec(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("WATCH", "k"), OK)
        b.call("SET", "unrelated", "1")
        b.call("SELECT", "1")
        b.call("SET", "k", "1")  # same name, other db
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("SET", "k", "mine"), QUEUED)
        self.assertEqual(a.call("EXEC"), ("*", [OK]))

    def test_watch_race_between_two_clients(self):
        # The classic check-and-set: both read, both try to write; exactly one wins.
        a, b = self.conn(), self.conn()
        a.call("SET", "counter", "10")
        for c in (a, b):
            self.assertEqual(c.call("WATCH", "counter"), OK)
            self.assertEqual(c.call("GET", "counter"), ("$", b"10"))
        for c in (a, b):
            self.assertEqual(c.call("MULTI"), OK)
            self.assertEqual(c.call("SET", "counter", "11"), QUEUED)
        self.assertEqual(a.call("EXEC"), ("*", [OK]))
        self.assertEqual(b.call("EXEC"), NULL_ARRAY)

    def test_own_write_before_multi_fails_exec(self):
        a = self.conn()
        self.assertEqual(a.call("WATCH", "k"), OK)
        a.call("SET", "k", "x")
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)

    def test_unwatch_and_discard_forget_watched_keys(self):
        a, b = self.conn(), self.conn()
        self.assertEqual(a.call("WATCH", "k"), OK)
        b.call("SET", "k", "1")
        # UNWATCH also clears the failure already recorded.
        self.assertEqual(a.call("UNWATCH"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))
        self.assertEqual(a.call("WATCH", "k"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("DISCARD"), OK)
        b.call("SET", "k", "2")
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))

    def test_watched_key_expiring_before_exec_fails_it(self):
        a = self.conn()
        a.call("SET", "k", "1", "PX", "100")
        self.assertEqual(a.call("WATCH", "k"), OK)
        time.sleep(0.25)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("GET", "other"), QUEUED)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)

    def test_expired_at_watch_time_then_deleted_is_no_change(self):
        a = self.conn()
        self.assertEqual(a.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), OK)
        a.call("SET", "k", "1", "PX", "1")
        time.sleep(0.05)
        # Logically gone already when watched; deleting it lazily changes nothing.
        self.assertEqual(a.call("WATCH", "k"), OK)
        self.assertEqual(a.call("EXISTS", "k"), (":", 0))
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))
        # But creating it is a change.
        a.call("SET", "j", "1", "PX", "1")
        time.sleep(0.05)
        self.assertEqual(a.call("WATCH", "j"), OK)
        self.assertEqual(self.conn().call("SET", "j", "2"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)

    def test_flushdb_fails_exec_when_the_watched_key_exists(self):
        a, b = self.conn(), self.conn()
        a.call("SET", "k", "1")
        self.assertEqual(a.call("WATCH", "k"), OK)
        self.assertEqual(b.call("FLUSHDB"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)
        # Watching a missing key: a flush changes nothing.
        self.assertEqual(a.call("WATCH", "missing"), OK)
        self.assertEqual(b.call("FLUSHDB"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))

    def test_flushall_fails_exec_for_keys_of_any_db(self):
        a, b = self.conn(), self.conn()
        a.call("SELECT", "3")
        a.call("SET", "k", "1")
        self.assertEqual(a.call("WATCH", "k"), OK)
        self.assertEqual(b.call("FLUSHALL"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)

    def test_swapdb_fails_exec_when_the_key_exists_on_either_side(self):
        a, b = self.conn(), self.conn()
        b.call("SELECT", "1")
        b.call("SET", "k", "from-db1")
        self.assertEqual(a.call("WATCH", "k"), OK)  # absent in db 0
        self.assertEqual(b.call("SWAPDB", "0", "1"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("GET", "k"), QUEUED)
        self.assertEqual(a.call("EXEC"), NULL_ARRAY)
        # Absent on both sides: no change.
        self.assertEqual(a.call("WATCH", "nowhere"), OK)
        self.assertEqual(b.call("SWAPDB", "0", "1"), OK)
        self.assertEqual(a.call("MULTI"), OK)
        self.assertEqual(a.call("EXEC"), ("*", []))

    def test_client_list_shows_the_transaction(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), OK)
        self.assertEqual(c.call("SET", "a", "1"), QUEUED)
        self.assertEqual(c.call("CLIENT", "INFO"), QUEUED)
        kind, replies = c.call("EXEC")
        line = replies[1][1].decode()
        self.assertIn(" flags=x ", line)
        self.assertIn(" multi=2 ", line)
        self.assertIn(" cmd=exec ", line)


class KeelTransactions(tu.KeelServerCase, TransactionCases, unittest.TestCase):
    KEEL_ARGS = ["--enable-debug-command", "yes"]


class RedisTransactions(tu.RedisServerCase, TransactionCases, unittest.TestCase):
    """The same cases against redis-server: proof that the expectations are Redis's."""


if __name__ == "__main__":
    unittest.main()
