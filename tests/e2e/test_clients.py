#!/usr/bin/python3
"""End-to-end client suite: many concurrent clients get correct results; CLIENT ID / SETNAME /
GETNAME / LIST / INFO / KILL answer in redis-server 7.0's shapes and KILL really closes the
victim's connection; the idle `timeout`, `maxclients` and QUIT close connections as Redis does;
and the real redis-benchmark and redis-cli (one-shot and --pipe) work against keel-server."""

import os
import re
import socket
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

import keel_testutil as tu  # noqa: E402


def raw(client, *args):
    """Sends a command through redis-py and returns the reply without response callbacks."""
    conn = client.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        try:
            return conn.read_response()
        except redis.ResponseError as e:
            return e
    finally:
        client.connection_pool.release(conn)


def client_fields(line):
    """The field names of one CLIENT LIST / CLIENT INFO line, in order."""
    return [item.split("=", 1)[0] for item in line.split(" ")]


class ConcurrentClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = tu.start_keel()

    @classmethod
    def tearDownClass(cls):
        tu.stop_keel(cls.keel)

    def test_200_concurrent_clients_get_correct_results(self):
        clients, rounds = 200, 75  # four commands a round
        barrier = threading.Barrier(clients)
        errors = []

        def work(n):
            try:
                r = self.keel.client()
                r.ping()
                barrier.wait(60)  # every client is connected before anyone starts
                for i in range(rounds):
                    value = "client-%d-round-%d" % (n, i)
                    if not r.set("key:%d" % n, value):
                        raise AssertionError("SET failed")
                    got = r.get("key:%d" % n)
                    if got != value.encode():
                        raise AssertionError("GET key:%d returned %r, not %r" % (n, got, value))
                    if r.incr("own:%d" % n) != i + 1:
                        raise AssertionError("INCR own:%d out of step" % n)
                    r.incr("shared")
                r.close()
            except Exception as e:  # reported by the main thread
                errors.append("client %d: %r" % (n, e))
                barrier.abort()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        r = self.keel.client()
        self.assertEqual(int(r.get("shared")), clients * rounds)
        self.assertEqual([int(v) for v in r.mget(["own:%d" % n for n in range(clients)])],
                         [rounds] * clients)
        self.assertEqual(r.dbsize(), 2 * clients + 1)
        info = r.info("stats")
        self.assertGreaterEqual(info["total_connections_received"], clients)


class ClientCommand(unittest.TestCase):
    """CLIENT subcommands, compared with redis-server where the reply's shape is fixed."""

    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = tu.start_pair()
        cls.servers = (cls.keel, cls.redis)

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        tu.stop_keel(cls.keel)

    def test_client_id_setname_getname(self):
        for server in self.servers:
            a, b = server.client(), server.client()
            id_a, id_b = a.client_id(), b.client_id()
            self.assertIsInstance(id_a, int)
            self.assertGreater(id_b, id_a, "ids grow with each connection")
            self.assertEqual(a.client_id(), id_a, "the id is stable")
            self.assertIsNone(a.client_getname())
            self.assertTrue(a.client_setname("worker-1"))
            self.assertEqual(a.client_getname(), "worker-1")
            self.assertIsNone(b.client_getname())
            self.assertTrue(a.client_setname(""))  # an empty name clears it
            self.assertIsNone(a.client_getname())
            with self.assertRaisesRegex(redis.ResponseError, "^Client names cannot contain "
                                        "spaces, newlines or special characters.$"):
                a.client_setname("has space")
            a.close()
            b.close()

    def test_client_list_and_info_have_redis_fields_in_order(self):
        shapes = {}
        for server in self.servers:
            a, b = server.client(), server.client()
            a.client_setname("lister")
            b.ping()
            listing = raw(a, "CLIENT", "LIST").decode()
            self.assertTrue(listing.endswith("\n"))
            lines = listing.rstrip("\n").split("\n")
            self.assertEqual(len(lines), 2, listing)
            own = [line for line in lines if " name=lister " in line]
            self.assertEqual(len(own), 1, listing)
            self.assertIn("id=%d " % a.client_id(), own[0] + " ")
            info = raw(a, "CLIENT", "INFO").decode()
            self.assertTrue(info.endswith("\n"))
            self.assertIn(" cmd=client|info ", info)
            self.assertIn(" name=lister ", info)
            by_type = raw(a, "CLIENT", "LIST", "TYPE", "normal").decode()
            self.assertEqual(len(by_type.rstrip("\n").split("\n")), 2)
            by_id = raw(a, "CLIENT", "LIST", "ID", str(b.client_id()), "999999").decode()
            self.assertEqual(len(by_id.rstrip("\n").split("\n")), 1)
            self.assertIn("id=%d " % b.client_id(), by_id)
            shapes[server.binary] = (client_fields(lines[0]), client_fields(info.rstrip("\n")))
            a.close()
            b.close()
        keel, redis_ = shapes[self.keel.binary], shapes[self.redis.binary]
        self.assertEqual(keel[0], redis_[0], "CLIENT LIST fields")
        self.assertEqual(keel[1], redis_[1], "CLIENT INFO fields")

    def test_client_errors_match_redis(self):
        cases = [
            ("CLIENT", "KILL", "1.2.3.4:5"),
            ("CLIENT", "KILL", "ID", "0"),
            ("CLIENT", "KILL", "ID", "abc"),
            ("CLIENT", "KILL", "SKIPME", "maybe"),
            ("CLIENT", "KILL", "TYPE", "bogus"),
            ("CLIENT", "KILL", "USER", "nobody"),
            ("CLIENT", "KILL", "ID"),
            ("CLIENT", "KILL", "NOSUCHFILTER", "x"),
            ("CLIENT", "LIST", "TYPE", "bogus"),
            ("CLIENT", "LIST", "ID", "abc"),
            ("CLIENT", "LIST", "BOGUS"),
            ("CLIENT", "SETNAME", "a\nb"),
            ("CLIENT", "NOSUCH"),
            ("CLIENT", "ID", "extra"),
            ("CLIENT", "KILL", "ID", "999999"),
        ]
        for args in cases:
            with self.subTest(args=args):
                with tu.RawClient(self.redis.port) as c:
                    expected = c.call(*args)
                with tu.RawClient(self.keel.port) as c:
                    self.assertEqual(c.call(*args), expected)

    def assert_killed(self, victim, timeout=10):
        data, closed = tu.read_until_closed(victim.sock, timeout)
        self.assertEqual(data, b"")
        self.assertTrue(closed, "the killed client's connection is still open")

    def test_client_kill_old_form_closes_that_connection(self):
        for server in self.servers:
            with tu.RawClient(server.port) as killer, tu.RawClient(server.port) as victim:
                info = victim.call("CLIENT", "INFO")[1].decode()
                addr = re.search(r"\baddr=(\S+)", info).group(1)
                self.assertEqual(killer.call("CLIENT", "KILL", addr), ("+", b"OK"))
                self.assert_killed(victim)
                self.assertEqual(killer.call("CLIENT", "KILL", addr),
                                 ("-", b"ERR No such client"))
                self.assertEqual(killer.call("PING"), ("+", b"PONG"))

    def test_client_kill_new_form_by_id_addr_and_laddr(self):
        for server in self.servers:
            with tu.RawClient(server.port) as killer:
                victims = [tu.RawClient(server.port) for _ in range(3)]
                infos = [v.call("CLIENT", "INFO")[1].decode() for v in victims]
                field = lambda info, name: re.search(r"\b%s=(\S+)" % name, info).group(1)
                self.assertEqual(killer.call("CLIENT", "KILL", "ID", field(infos[0], "id")),
                                 (":", 1))
                self.assert_killed(victims[0])
                self.assertEqual(killer.call("CLIENT", "KILL", "ADDR", field(infos[1], "addr"),
                                             "SKIPME", "yes"), (":", 1))
                self.assert_killed(victims[1])
                # LADDR matches every client of this listener except the caller (SKIPME yes).
                self.assertEqual(killer.call("CLIENT", "KILL", "LADDR", field(infos[2], "laddr")),
                                 (":", 1))
                self.assert_killed(victims[2])
                self.assertEqual(killer.call("PING"), ("+", b"PONG"))
                for v in victims:
                    v.close()

    def test_client_kill_skipme_no_kills_the_caller_after_replying(self):
        for server in self.servers:
            with tu.RawClient(server.port) as me, tu.RawClient(server.port) as other:
                my_id = me.call("CLIENT", "ID")[1]
                self.assertEqual(me.call("CLIENT", "KILL", "ID", str(my_id), "SKIPME", "yes"),
                                 (":", 0))
                self.assertEqual(me.call("CLIENT", "KILL", "ID", str(my_id), "SKIPME", "no"),
                                 (":", 1))
                self.assert_killed(me)
                self.assertEqual(other.call("PING"), ("+", b"PONG"))

    def test_client_kill_type_normal_kills_everyone_but_the_caller(self):
        for server in self.servers:
            with tu.RawClient(server.port) as me:
                # Connections other tests closed may still be on their way out.
                alone = lambda: me.call("CLIENT", "LIST")[1].count(b"\n") == 1
                self.assertTrue(tu.wait_until(alone, 20), server.binary)
                others = [tu.RawClient(server.port) for _ in range(4)]
                for o in others:
                    o.call("PING")
                self.assertEqual(me.call("CLIENT", "KILL", "TYPE", "normal"), (":", 4))
                for o in others:
                    self.assert_killed(o)
                    o.close()
                self.assertEqual(me.call("PING"), ("+", b"PONG"))


class ConnectionLimits(unittest.TestCase):
    def test_timeout_closes_idle_clients(self):
        keel = tu.start_keel()
        try:
            r = keel.client()
            self.assertTrue(r.config_set("timeout", 1))
            self.assertEqual(r.config_get("timeout"), {"timeout": "1"})
            idle = tu.RawClient(keel.port)
            self.assertEqual(idle.call("PING"), ("+", b"PONG"))
            busy = tu.RawClient(keel.port)
            stop = threading.Event()
            busy_errors = []

            def keep_busy():
                try:
                    while not stop.wait(0.2):
                        busy.call("PING")
                except Exception as e:
                    busy_errors.append(e)

            t = threading.Thread(target=keep_busy)
            t.start()
            # The idle client is closed within a few cron runs (Redis closes after more than
            # `timeout` seconds of idleness).
            data, closed = tu.read_until_closed(idle.sock, 15)
            stop.set()
            t.join()
            self.assertTrue(closed, "an idle client outlived `timeout 1` by 15 seconds")
            self.assertEqual(data, b"")
            self.assertEqual(busy_errors, [], "a client sending a PING every 0.2 s was closed")
            self.assertEqual(busy.call("PING"), ("+", b"PONG"))
            busy.close()
            idle.close()
            # timeout 0 means never.
            self.assertTrue(r.config_set("timeout", 0))
            idle = tu.RawClient(keel.port)
            idle.call("PING")
            data, closed = tu.read_until_closed(idle.sock, 3)
            self.assertFalse(closed)
            idle.close()
        finally:
            tu.stop_keel(keel)

    def test_maxclients_refuses_the_extra_connection(self):
        keel, redis_ = tu.start_pair(["--maxclients", "5"])
        try:
            for server in (redis_, keel):
                conns = [tu.RawClient(server.port) for _ in range(5)]
                for c in conns:
                    self.assertEqual(c.call("PING"), ("+", b"PONG"), server.binary)
                extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                data, closed = tu.read_until_closed(extra, 10)
                extra.close()
                self.assertEqual(data, b"-ERR max number of clients reached\r\n", server.binary)
                self.assertTrue(closed, server.binary)
                for c in conns:
                    self.assertEqual(c.call("PING"), ("+", b"PONG"), server.binary)
                # Once a client leaves, a new one is accepted.
                conns.pop().close()

                def reconnects():
                    with tu.RawClient(server.port) as c:
                        try:
                            return c.call("PING") == ("+", b"PONG")
                        except (ConnectionError, OSError, ValueError):
                            return False
                self.assertTrue(tu.wait_until(reconnects, 20), server.binary)
                info = conns[0].call("INFO", "stats")[1].decode()
                self.assertRegex(info, r"rejected_connections:[1-9]")
                for c in conns:
                    c.close()
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_quit_replies_ok_then_closes(self):
        keel = tu.start_keel()
        redis_ = tu.start_redis()
        try:
            for server in (redis_, keel):
                for payload in (b"QUIT\r\nPING\r\n", tu.encode_command("QUIT"),
                                b"PING\r\nQUIT\r\n"):
                    data, closed = tu.exchange_until_closed(server.port, payload)
                    expected = b"+PONG\r\n+OK\r\n" if payload.startswith(b"PING") else b"+OK\r\n"
                    self.assertEqual(data, expected, server.binary)
                    self.assertTrue(closed, server.binary)
        finally:
            redis_.stop()
            tu.stop_keel(keel)


class RealTools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = tu.start_keel()

    @classmethod
    def tearDownClass(cls):
        tu.stop_keel(cls.keel)

    def test_redis_benchmark_runs_every_test(self):
        cmd = ["redis-benchmark", "-p", str(self.keel.port), "-t", "set,get,incr,mset",
               "-n", "20000", "-c", "20", "-P", "16", "-q"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = [line.strip() for line in re.split(r"[\r\n]", p.stdout) if line.strip()]
        results = {}
        for line in lines:
            m = re.match(r"^(SET|GET|INCR|MSET \(10 keys\)): ([0-9.]+) requests per second", line)
            if m:
                results[m.group(1)] = float(m.group(2))
        self.assertEqual(sorted(results), ["GET", "INCR", "MSET (10 keys)", "SET"], p.stdout)
        for name, rps in results.items():
            self.assertGreater(rps, 0, name)
        self.assertNotIn("ERR", p.stdout + p.stderr)
        r = self.keel.client()
        self.assertEqual(int(r.get("counter:__rand_int__")), 20000)
        self.assertEqual(len(r.get("key:__rand_int__")), 3)

    def cli(self, *args, stdin=None):
        p = subprocess.run(["redis-cli", "-p", str(self.keel.port)] + list(args),
                           input=stdin, capture_output=True, timeout=120)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_redis_cli_one_shot(self):
        self.assertEqual(self.cli("SET", "cli:key", "hello world"), (0, "OK\n", ""))
        self.assertEqual(self.cli("GET", "cli:key"), (0, "hello world\n", ""))
        self.assertEqual(self.cli("--no-raw", "GET", "cli:key"), (0, '"hello world"\n', ""))
        self.assertEqual(self.cli("--no-raw", "INCR", "cli:n"), (0, "(integer) 1\n", ""))
        self.assertEqual(self.cli("--no-raw", "GET", "cli:missing"), (0, "(nil)\n", ""))
        self.assertEqual(self.cli("PING"), (0, "PONG\n", ""))
        code, out, _ = self.cli("NOSUCHCMD", "x")
        self.assertIn("ERR unknown command 'NOSUCHCMD', with args beginning with: 'x'", out)
        code, out, _ = self.cli("--no-raw", "MGET", "cli:key", "cli:missing", "cli:n")
        self.assertEqual(out, '1) "hello world"\n2) (nil)\n3) "1"\n')
        # -x reads the last argument from stdin.
        self.assertEqual(self.cli("-x", "SET", "cli:stdin", stdin=b"from stdin")[0], 0)
        self.assertEqual(self.keel.client().get("cli:stdin"), b"from stdin")
        # Interactive-style commands from a non-tty stdin, one per line.
        code, out, _ = self.cli(stdin=b"SET cli:a 1\nINCR cli:a\nGET cli:a\n")
        self.assertEqual((code, out), (0, "OK\n2\n2\n"))

    def test_redis_cli_pipe_mode(self):
        n = 5000
        payload = b"".join(tu.encode_command("SET", "pipe:%d" % i, "v%d" % i) for i in range(n))
        payload += tu.encode_command("INCRBY", "pipe:counter", n)
        code, out, err = self.cli("--pipe", stdin=payload)
        self.assertEqual(code, 0, out + err)
        self.assertIn("errors: 0, replies: %d" % (n + 1), out)
        r = self.keel.client()
        self.assertEqual(r.get("pipe:0"), b"v0")
        self.assertEqual(r.get("pipe:%d" % (n - 1)), b"v%d" % (n - 1))
        self.assertEqual(int(r.get("pipe:counter")), n)
        # Errors are counted, not fatal.
        code, out, err = self.cli("--pipe", stdin=b"SET a b\r\nNOSUCH\r\nGET a\r\n")
        self.assertIn("errors: 1, replies: 3", out)


if __name__ == "__main__":
    unittest.main()
