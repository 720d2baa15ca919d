#!/usr/bin/python3
"""End-to-end MONITOR, SLOWLOG and CLIENT LIST suite, each compared with redis-server 7.0 run on
the same commands: MONITOR's lines (format, sdscatrepr escaping, database, redaction of secrets,
which commands are hidden) and what a monitoring client may still do; the slow log's entries
(ids, arguments trimmed to 32 and 128 bytes, redaction, client address and name), its limits
(slowlog-log-slower-than, slowlog-max-len) and SLOWLOG's replies and errors; and the fields of
CLIENT LIST / CLIENT INFO with the flags and counters of MULTI, MONITOR, pub/sub and blocked
clients."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

LINE = re.compile(rb"^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$")


def local_addr(client):
    host, port = client.sock.getsockname()[:2]
    return ("%s:%d" % (host, port)).encode()


def monitor_lines(port, commands):
    """Runs `commands` from one client while another monitors; returns the monitor's lines as
    (db, peer is the driver, quoted arguments), up to the closing ECHO."""
    with tu.RawClient(port) as m, tu.RawClient(port) as d:
        assert m.call("MONITOR") == ("+", b"OK")
        for args in commands:
            d.call(*args)
        d.call("ECHO", "end-of-test")
        lines = []
        while True:
            kind, text = m.read_reply()
            assert kind == "+", (kind, text)
            match = LINE.match(text)
            assert match, text
            now = time.time()
            assert abs(int(match.group(1)) - now) < 60, text
            lines.append((int(match.group(3)), match.group(4) == local_addr(d), match.group(5)))
            if b'"end-of-test"' in text:
                return lines


MONITOR_COMMANDS = [
    ("SET", "k", "v"),
    ("SET", "quote\"back\\slash", "\x01\n\r\t\x07\x08 \x7f\xff\x00é"),
    ("GET", "k"),
    ("SELECT", "3"),
    ("SET", "in-db-3", "x"),
    ("SELECT", "0"),
    ("INCR", "n"),
    ("MSET", "a", "1", "b", "2"),
    ("DEL", "a", "b", "missing"),
    ("EXPIRE", "k", "100"),
    ("PING",),
    ("PING", "hello world"),
    ("ECHO", ""),
    ("AUTH", "password"),
    ("AUTH", "user", "password"),
    ("AUTH", "a", "b", "c"),
    ("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "named"),
    ("HELLO", "x", "AUTH", "default", "secret"),
    ("CLIENT", "SETNAME", "driver"),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "INFO"),
    ("CLIENT", "LIST"),  # admin: hidden
    ("CONFIG", "GET", "port"),  # admin: hidden
    ("CONFIG", "SET", "requirepass", ""),  # admin: hidden
    ("SLOWLOG", "LEN"),  # admin: hidden
    ("MONITOR", "extra"),  # refused by arity: not shown
    ("NOSUCHCOMMAND", "x"),  # unknown: not shown
    ("GET",),  # arity: not shown
    ("DBSIZE",),
    ("MULTI",),
    ("SET", "t", "1"),
    ("INCR", "t"),
    ("EXEC",),
    ("MULTI",),
    ("DISCARD",),
    ("WATCH", "t"),
    ("UNWATCH",),
    ("PUBLISH", "channel", "message"),
    ("PUBSUB", "NUMPAT"),
]


class MonitorMatchesRedis(tu.PairCase, unittest.TestCase):
    def test_lines_match_redis(self):
        keel = monitor_lines(self.keel.port, MONITOR_COMMANDS)
        redis_ = monitor_lines(self.redis.port, MONITOR_COMMANDS)
        self.assertEqual(keel, redis_)
        # Not vacuous: the escaping, the database and the redaction are in there.
        # (The client sends str arguments UTF-8 encoded: U+00FF is \xc3\xbf.)
        self.assertIn((0, True, rb'"SET" "quote\"back\\slash" '
                                rb'"\x01\n\r\t\a\b \x7f\xc3\xbf\x00\xc3\xa9"'), keel)
        self.assertIn((3, True, b'"SELECT" "3"'), keel)
        self.assertIn((0, True, b'"AUTH" "(redacted)" "(redacted)"'), keel)
        self.assertFalse([l for l in keel if b"CONFIG" in l[2] or b"NOSUCH" in l[2]])

    def exchange(self, port, steps):
        """Runs (command, expected reply count) steps on a monitoring client; returns what came
        back, monitor lines reduced to their arguments."""
        out = []
        with tu.RawClient(port) as m:
            out.append(m.call("MONITOR"))
            for args, n in steps:
                m.send(tu.encode_command(*args))
                for _ in range(n):
                    kind, value = m.read_reply()
                    if kind == "+" and LINE.match(value):
                        value = LINE.match(value).group(5)
                    out.append((kind, value))
        return out

    def test_a_monitoring_client_answers_as_redis(self):
        steps = [
            (("GET", "k"), 1),  # "Replica can't interact with the keyspace"
            (("SET", "k", "v"), 1),
            (("PUBLISH", "c", "m"), 1),
            (("PING",), 2),  # PONG, then its own line
            (("MONITOR",), 0),  # already monitoring: no reply at all
            (("ECHO", "x"), 2),
            (("CLIENT", "ID"), 2),
            (("SUBSCRIBE", "c"), 2),
            (("INFO",), 1),  # refused in subscribed mode
            (("RESET",), 1),  # ends both modes; RESET itself is not shown any more
            (("GET", "k"), 1),
        ]
        keel = self.exchange(self.keel.port, steps)
        redis_ = self.exchange(self.redis.port, steps)
        # CLIENT ID differs: compare its shape only.
        for k, r in zip(keel, redis_):
            if k[0] == ":" and r[0] == ":":
                continue
            self.assertEqual(k, r)
        self.assertEqual(len(keel), len(redis_))

    def test_monitor_inside_multi_is_refused_at_exec(self):
        for port in (self.keel.port, self.redis.port):
            with tu.RawClient(port) as c:
                c.call("MULTI")
                self.assertEqual(c.call("MONITOR"), ("+", b"QUEUED"))
                self.assertEqual(c.call("EXEC"), ("*", [
                    ("-", b"ERR MONITOR isn't allowed for DENY BLOCKING client")]))
                self.assertEqual(c.call("GET", "k")[0], "$")

    def test_every_monitor_gets_every_line(self):
        monitors = [tu.RawClient(self.keel.port) for _ in range(3)]
        for m in monitors:
            m.call("MONITOR")
        with tu.RawClient(self.keel.port) as d:
            for i in range(20):
                d.call("SET", "key%d" % i, "v")
        for m in monitors:
            for i in range(20):
                self.assertTrue(m.read_reply()[1].endswith(b'"SET" "key%d" "v"' % i))
            m.close()
        with tu.RawClient(self.keel.port) as c:
            line = [l for l in c.call("CLIENT", "LIST")[1].decode().splitlines()
                    if "cmd=client|list" in l][0]
            self.assertIn(" flags=N ", line)


def slowlog_entries(port, commands, count="-1"):
    """Runs `commands` with every command logged, then returns SLOWLOG GET's entries as (id,
    args, client name), checking time, duration and address on the way."""
    with tu.RawClient(port) as c:
        for args in commands:
            c.call(*args)
        kind, entries = c.call("SLOWLOG", "GET", count)
        assert kind == "*", entries
        out = []
        for _, e in entries:
            (_, eid), (_, when), (_, duration), (_, args), (_, peer), (_, name) = e
            assert abs(when - time.time()) < 60, when
            assert 0 <= duration < 10_000_000, duration
            assert peer == local_addr(c), peer
            out.append((eid, [a for _, a in args], name))
        return out


SLOWLOG_COMMANDS = [
    ("SLOWLOG", "RESET"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "0"),
    ("SET", "long", "x" * 200),
    ("SET", "exact", "y" * 128),
    ("RPUSH", "list") + tuple(str(i) for i in range(40)),
    ("RPUSH", "list32") + tuple(str(i) for i in range(30)),
    ("CLIENT", "SETNAME", "slow-client"),
    ("AUTH", "password"),
    ("AUTH", "a", "b", "c"),
    ("HELLO", "2", "AUTH", "default", "secret"),
    ("CONFIG", "SET", "requirepass", "", "maxmemory", "0"),
    ("NOSUCHCOMMAND",),  # refused: not logged
    ("GET",),  # refused: not logged
    ("MULTI",),
    ("SET", "in-multi", "1"),
    ("EXEC",),  # skip_slowlog: its SET is logged instead
    ("SLOWLOG", "LEN"),
    ("PUBLISH", "c", "\x00binary\xff"),
]


class SlowlogMatchesRedis(unittest.TestCase):
    def setUp(self):
        self.keel, self.redis = tu.start_pair(["--enable-debug-command", "yes"])

    def tearDown(self):
        self.redis.stop()
        tu.stop_keel(self.keel)

    def both(self, *args):
        out = []
        for port in (self.keel.port, self.redis.port):
            with tu.RawClient(port) as c:
                out.append(c.call(*args))
        return out

    def test_entries_match_redis(self):
        keel = slowlog_entries(self.keel.port, SLOWLOG_COMMANDS)
        redis_ = slowlog_entries(self.redis.port, SLOWLOG_COMMANDS)
        self.assertEqual(keel, redis_)
        args = {tuple(a[:2]): a for _, a, _ in keel}
        self.assertEqual(args[(b"SET", b"long")][2], b"x" * 128 + b"... (72 more bytes)")
        self.assertEqual(args[(b"SET", b"exact")][2], b"y" * 128)
        self.assertEqual(len(args[(b"RPUSH", b"list")]), 32)
        self.assertEqual(args[(b"RPUSH", b"list")][31], b"... (11 more arguments)")
        self.assertEqual(len(args[(b"RPUSH", b"list32")]), 32)
        self.assertEqual(args[(b"AUTH", b"(redacted)")], [b"AUTH", b"(redacted)"])
        self.assertIn([b"CONFIG", b"SET", b"requirepass", b"(redacted)", b"maxmemory", b"0"],
                      [a for _, a, _ in keel])
        self.assertNotIn(b"EXEC", [a[0] for _, a, _ in keel])

    def test_get_count_len_reset_and_errors_match_redis(self):
        setup = [("CONFIG", "SET", "slowlog-log-slower-than", "0"), ("PING",), ("PING",)]
        self.assertEqual(slowlog_entries(self.keel.port, setup, "2"),
                         slowlog_entries(self.redis.port, setup, "2"))
        for args in [("SLOWLOG", "GET", "0"), ("SLOWLOG", "GET", "-2"), ("SLOWLOG", "GET", "x"),
                     ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "LEN", "x"), ("SLOWLOG", "FOO"),
                     ("SLOWLOG",), ("SLOWLOG", "HELP"), ("SLOWLOG", "help", "x"),
                     ("SLOWLOG", "RESET"), ("SLOWLOG", "LEN")]:
            with self.subTest(args=args):
                keel, redis_ = self.both(*args)
                self.assertEqual(keel, redis_)

    def test_max_len_and_threshold_match_redis(self):
        steps = [("CONFIG", "SET", "slowlog-log-slower-than", "0"),
                 ("CONFIG", "SET", "slowlog-max-len", "3")] + [("PING", str(i)) for i in range(6)]
        self.assertEqual(slowlog_entries(self.keel.port, steps),
                         slowlog_entries(self.redis.port, steps))
        for args in [("SLOWLOG", "LEN"), ("SLOWLOG", "RESET"), ("SLOWLOG", "LEN"),
                     ("CONFIG", "SET", "slowlog-max-len", "0"), ("SLOWLOG", "LEN"),
                     ("CONFIG", "SET", "slowlog-max-len", "128"),
                     ("CONFIG", "SET", "slowlog-log-slower-than", "-1"), ("PING",),
                     ("SLOWLOG", "LEN"),
                     ("CONFIG", "SET", "slowlog-log-slower-than", "50000"),
                     ("DEBUG", "SLEEP", "0"), ("SLOWLOG", "LEN"),
                     ("DEBUG", "SLEEP", "0.06"), ("SLOWLOG", "LEN")]:
            with self.subTest(args=args):
                keel, redis_ = self.both(*args)
                self.assertEqual(keel, redis_)
        # The slow DEBUG SLEEP is logged with its real duration.
        for port in (self.keel.port, self.redis.port):
            with tu.RawClient(port) as c:
                entry = c.call("SLOWLOG", "GET", "1")[1][0][1]
                self.assertEqual([a for _, a in entry[3][1]], [b"DEBUG", b"SLEEP", b"0.06"])
                self.assertGreaterEqual(entry[2][1], 60000)


class BlockedCommands(unittest.TestCase):
    """A blocking command is shown to MONITOR when it first runs, and enters the slow log when it
    is served (after the command that served it), never when it times out: Redis 7.0's order."""

    def run_blocking(self, port):
        with tu.RawClient(port) as m, tu.RawClient(port) as a, tu.RawClient(port) as b:
            b.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
            m.call("MONITOR")
            a.send(tu.encode_command("BLPOP", "bl", "0.2"))
            self.assertTrue(tu.wait_until(
                lambda: b"blocked_clients:1" in b.call("INFO", "clients")[1], 10))
            b.call("PING")
            self.assertEqual(a.read_reply(), ("*", None))
            a.send(tu.encode_command("BLPOP", "bl", "0"))
            self.assertTrue(tu.wait_until(
                lambda: b"blocked_clients:1" in b.call("INFO", "clients")[1], 10))
            b.call("RPUSH", "bl", "v")
            self.assertEqual(a.read_reply(), ("*", [("$", b"bl"), ("$", b"v")]))
            b.call("ECHO", "end")
            lines = []
            while not lines or lines[-1] != b'"ECHO" "end"':
                lines.append(LINE.match(m.read_reply()[1]).group(5))
            entries = [(e[0][1], [a for _, a in e[3][1]])
                       for _, e in b.call("SLOWLOG", "GET")[1]]
            return lines, entries

    def test_monitor_and_slowlog_order_match_redis(self):
        keel, redis_ = tu.start_pair()
        try:
            got = self.run_blocking(keel.port)
            self.assertEqual(got, self.run_blocking(redis_.port))
            lines, entries = got
            self.assertEqual(lines.count(b'"BLPOP" "bl" "0"'), 1)
            self.assertEqual([a[0] for _, a in entries if a[0] != b"INFO"],
                             [b"ECHO", b"BLPOP", b"RPUSH", b"PING", b"MONITOR", b"CONFIG"])
        finally:
            redis_.stop()
            tu.stop_keel(keel)


def fields(line):
    return dict(item.split("=", 1) for item in line.split(" "))


def names(line):
    return [item.split("=", 1)[0] for item in line.split(" ")]


class ClientListFields(tu.PairCase, unittest.TestCase):
    def info(self, port, *setup):
        with tu.RawClient(port) as c:
            for args in setup:
                c.call(*args)
            return c.call("CLIENT", "INFO")[1].decode()

    def test_field_names_and_order_match_redis(self):
        keel = self.info(self.keel.port).rstrip("\n")
        redis_ = self.info(self.redis.port).rstrip("\n")
        self.assertEqual(names(keel), names(redis_))
        with tu.RawClient(self.keel.port) as c:
            for line in c.call("CLIENT", "LIST")[1].decode().splitlines():
                self.assertEqual(names(line), names(redis_))

    def test_client_info_values_match_redis(self):
        setup = [("SELECT", "5"), ("CLIENT", "SETNAME", "fields")]
        keel = fields(self.info(self.keel.port, *setup).rstrip("\n"))
        redis_ = fields(self.info(self.redis.port, *setup).rstrip("\n"))
        for name in ("name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi",
                     "argv-mem", "multi-mem", "obl", "oll", "omem", "events", "cmd", "user",
                     "redir", "resp"):
            with self.subTest(field=name):
                self.assertEqual(keel[name], redis_[name])

    def line_of(self, port, client_name):
        with tu.RawClient(port) as c:
            for line in c.call("CLIENT", "LIST")[1].decode().splitlines():
                if fields(line)["name"] == client_name:
                    return fields(line)
        self.fail("no client named " + client_name)

    def test_flags_and_counters_of_special_clients_match_redis(self):
        compared = ("flags", "sub", "psub", "ssub", "multi", "cmd", "db")
        for port in (self.keel.port, self.redis.port):
            clients = []
            try:
                def named(name):
                    c = tu.RawClient(port)
                    clients.append(c)
                    c.call("CLIENT", "SETNAME", name)
                    return c
                named("tx").call("MULTI")
                clients[-1].call("SET", "a", "1")
                clients[-1].call("GET", "a")
                named("mon").call("MONITOR")
                sub = named("sub")
                sub.send(tu.encode_command("SUBSCRIBE", "c1", "c2"))
                sub.read_reply(), sub.read_reply()
                sub.call("PSUBSCRIBE", "p*")
                named("ssub").call("SSUBSCRIBE", "s1")
                blocked = named("blocked")
                blocked.send(tu.encode_command("BLPOP", "empty-list", "0"))
                self.assertTrue(tu.wait_until(
                    lambda: "b" in self.line_of(port, "blocked")["flags"], 10))
                got = {n: {f: self.line_of(port, n)[f] for f in compared}
                       for n in ("tx", "mon", "sub", "ssub", "blocked")}
                tx = self.line_of(port, "tx")
                self.assertGreater(int(tx["multi-mem"]), 0)
                if port == self.keel.port:
                    keel = got
                else:
                    self.assertEqual(keel, got)
            finally:
                for c in clients:
                    c.close()
        self.assertEqual(keel["tx"]["flags"], "x")
        self.assertEqual(keel["tx"]["multi"], "2")
        self.assertEqual(keel["mon"]["flags"], "O")
        self.assertEqual(keel["sub"], {"flags": "P", "sub": "2", "psub": "1", "ssub": "0",
                                       "multi": "-1", "cmd": "psubscribe", "db": "0"})
        self.assertEqual(keel["blocked"]["flags"], "b")
        self.assertEqual(keel["blocked"]["cmd"], "blpop")


if __name__ == "__main__":
    unittest.main()
