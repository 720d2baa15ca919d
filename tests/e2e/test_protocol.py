#!/usr/bin/python3
"""End-to-end protocol suite: bad network input (fault checklist 6.6, N1-N8 and N10) gets the
same bytes back from keel-server as from redis-server 7.0, and the connection is closed
afterwards; inline commands, large pipelines, requests split into pieces, a 20 MB value and a
client that vanishes mid-request all work, and the server stays up throughout."""

import os
import random
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

INLINE_MAX = 64 * 1024  # Redis's PROTO_INLINE_MAX_SIZE


class ProtocolErrorsMatchRedis(unittest.TestCase):
    """Each malformed request is sent to both servers on a fresh connection; the reply bytes must
    be identical, equal to the documented text, and followed by the server closing the
    connection."""

    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = tu.start_pair()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        code = cls.keel.stop()
        if code != 0:
            raise AssertionError("keel-server exited with %s:\n%s"
                                 % (code, cls.keel.read_log()[-4000:]))

    def tearDown(self):
        # Whatever a test sent, the server must still serve everyone else.
        with tu.RawClient(self.keel.port) as c:
            self.assertEqual(c.call("PING"), ("+", b"PONG"))

    def assert_closes_like_redis(self, payload, expected):
        keel, keel_closed = tu.exchange_until_closed(self.keel.port, payload)
        redis, redis_closed = tu.exchange_until_closed(self.redis.port, payload)
        self.assertEqual(redis, expected, "redis-server's reply changed; update the test")
        self.assertTrue(redis_closed)
        self.assertEqual(keel, redis)
        self.assertTrue(keel_closed, "keel-server left the connection open after %r" % keel)

    def assert_open_like_redis(self, payload, expected):
        """The reply matches and the connection stays usable (a PING afterwards is answered)."""
        for server in (self.keel, self.redis):
            with tu.RawClient(server.port) as c:
                c.send(payload)
                got = [c.read_reply() for _ in expected]
                self.assertEqual(got, expected, server.binary)
                self.assertEqual(c.call("PING"), ("+", b"PONG"), server.binary)

    # ---- N1: ignored input ----

    def test_n1_negative_multibulk_count_is_ignored(self):
        self.assert_open_like_redis(b"*-10\r\nPING\r\n", [("+", b"PONG")])
        self.assert_open_like_redis(b"*-1\r\n*0\r\nPING\r\n", [("+", b"PONG")])

    def test_n1_empty_lines_are_ignored(self):
        self.assert_open_like_redis(b"\r\n\r\n\n   \r\nPING\r\n", [("+", b"PONG")])

    # ---- N2-N5: malformed multibulk and inline requests ----

    def test_n2_huge_multibulk_count_is_refused_and_closed(self):
        self.assert_closes_like_redis(b"*3000000000\r\n",
                                      b"-ERR Protocol error: invalid multibulk length\r\n")
        self.assert_closes_like_redis(b"*12a\r\n",
                                      b"-ERR Protocol error: invalid multibulk length\r\n")

    def test_n3_invalid_bulk_lengths_are_refused_and_closed(self):
        for header in (b"$-10", b"$-1", b"$2000000000", b"$blabla"):
            with self.subTest(header=header):
                self.assert_closes_like_redis(b"*1\r\n" + header + b"\r\n",
                                              b"-ERR Protocol error: invalid bulk length\r\n")

    def test_n4_missing_dollar_is_refused_and_closed(self):
        expected = b"-ERR Protocol error: expected '$', got 'f'\r\n"
        self.assert_closes_like_redis(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", expected)
        self.assert_closes_like_redis(b"*1\r\nfoo\r\n", expected)

    def test_n4_commands_before_the_error_are_answered(self):
        self.assert_closes_like_redis(
            b"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\n*1\r\n$4\r\nPING\r\n",
            b"+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n")

    def test_n5_unbalanced_quotes_are_refused_and_closed(self):
        expected = b"-ERR Protocol error: unbalanced quotes in request\r\n"
        self.assert_closes_like_redis(b'set """test-key""" test-value\r\n', expected)
        self.assert_closes_like_redis(b"ECHO 'abc\r\n", expected)

    # ---- N6: a NUL byte followed by an endless stream ----

    def stream_until_closed(self, port, prefix, chunk, limit=64 << 20, seconds=60):
        """Sends prefix then chunk after chunk while reading; returns (reply, bytes sent, closed).
        Stops when the server closes the connection, or after `limit` bytes or `seconds`."""
        s = socket.create_connection(("127.0.0.1", port), timeout=seconds)
        replies = []
        closed = threading.Event()

        def reader():
            data, was_closed = tu.read_until_closed(s, seconds)
            replies.append(data)
            if was_closed:
                closed.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        sent = 0
        deadline = time.time() + seconds
        try:
            s.sendall(prefix)
            while sent < limit and time.time() < deadline and not closed.is_set():
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        t.join(seconds)
        s.close()
        return (replies[0] if replies else b""), sent, closed.is_set()

    def test_n6_nul_then_endless_stream_is_closed_with_protocol_error(self):
        cases = [
            (b"\x00", b"-ERR Protocol error: too big inline request\r\n"),
            (b"*\x00", b"-ERR Protocol error: too big mbulk count string\r\n"),
            (b"$\x00", b"-ERR Protocol error: too big inline request\r\n"),
        ]
        chunks = [b"payload" * 1170, (b"A" * 1024 + b"\n") * 8, (b"A" * 1024 + b"\r\n") * 8]
        for prefix, expected in cases:
            for chunk in chunks:
                with self.subTest(prefix=prefix, chunk=chunk[:12]):
                    for server in (self.redis, self.keel):
                        reply, sent, closed = self.stream_until_closed(server.port, prefix, chunk)
                        self.assertTrue(closed, "%s kept reading an endless stream (%d bytes)"
                                        % (server.binary, sent))
                        self.assertEqual(reply, expected, server.binary)
                        # Bounded: the server gave up long before the 64 MiB the test would send
                        # (what is counted includes what sat in socket buffers).
                        self.assertLess(sent, 32 << 20, server.binary)

    # ---- N7: over-long lines ----

    def test_n7_inline_request_over_64k_without_newline(self):
        self.assert_closes_like_redis(b"A" * (INLINE_MAX + 1000),
                                      b"-ERR Protocol error: too big inline request\r\n")

    def test_n7_inline_request_just_under_64k_is_a_command(self):
        payload = b"ECHO " + b"x" * (INLINE_MAX - 100) + b"\r\n"
        self.assert_open_like_redis(payload, [("$", b"x" * (INLINE_MAX - 100))])

    def test_n7_mbulk_count_string_over_64k(self):
        self.assert_closes_like_redis(b"*" + b"1" * (INLINE_MAX + 1000),
                                      b"-ERR Protocol error: too big mbulk count string\r\n")

    def test_n7_bulk_count_string_over_64k(self):
        self.assert_closes_like_redis(b"*1\r\n$" + b"1" * (INLINE_MAX + 1000),
                                      b"-ERR Protocol error: too big bulk count string\r\n")

    # ---- N10: cross-protocol scripting ----

    def test_n10_http_post_closes_connection_and_logs_security_attack(self):
        self.assert_closes_like_redis(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", b"")
        log = tu.wait_until(lambda: "Possible SECURITY ATTACK" in self.keel.read_log(), 10)
        self.assertTrue(log, "no security warning in keel-server's log")

    def test_n10_http_get_then_host_header_closes_connection(self):
        # GET with three words is a wrong-arity GET; the Host: line then aborts the connection,
        # and the reply still waiting to be written is dropped with it.
        self.assert_closes_like_redis(
            b"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n", b"")

    # ---- Error texts of the dispatcher ----

    def test_unknown_command_text_matches_redis(self):
        self.assert_open_like_redis(
            b"FOO a b c\r\n",
            [("-", b"ERR unknown command 'FOO', with args beginning with: 'a' 'b' 'c' ")])
        self.assert_open_like_redis(
            b"*1\r\n$0\r\n\r\n", [("-", b"ERR unknown command '', with args beginning with: ")])
        long_args = [b"x" * 100, b"y" * 100, b"z" * 10]
        payload = tu.encode_command(b"nosuchcommand", *long_args)
        with tu.RawClient(self.redis.port) as c:
            c.send(payload)
            expected = [c.read_reply()]
        self.assert_open_like_redis(payload, expected)
        payload = tu.encode_command(b"no\x00such", b"a\x00b")
        with tu.RawClient(self.redis.port) as c:
            c.send(payload)
            expected = [c.read_reply()]
        self.assert_open_like_redis(payload, expected)

    def test_wrong_arity_texts_match_redis(self):
        self.assert_open_like_redis(b"GET\r\n",
                                    [("-", b"ERR wrong number of arguments for 'get' command")])
        self.assert_open_like_redis(b"set a\r\n",
                                    [("-", b"ERR wrong number of arguments for 'set' command")])
        self.assert_open_like_redis(
            b"CONFIG GET\r\n",
            [("-", b"ERR wrong number of arguments for 'config|get' command")])
        self.assert_open_like_redis(
            b"CLIENT nosuch\r\n", [("-", b"ERR unknown subcommand 'nosuch'. Try CLIENT HELP.")])


class ProtocolErrorsUnauthenticated(unittest.TestCase):
    """N8 (CVE-2021-32675): before AUTH, large multibulk and bulk headers are refused so that an
    unauthenticated client cannot make the server allocate."""

    @classmethod
    def setUpClass(cls):
        args = ["--requirepass", "s3cret"]
        cls.keel, cls.redis = tu.start_pair(args)

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        code = cls.keel.stop()
        if code != 0:
            raise AssertionError("keel-server exited with %s" % code)

    def assert_closes_like_redis(self, payload, expected):
        for server in (self.redis, self.keel):
            got, closed = tu.exchange_until_closed(server.port, payload)
            self.assertEqual(got, expected, server.binary)
            self.assertTrue(closed, server.binary)

    def test_n8_unauthenticated_multibulk_length(self):
        self.assert_closes_like_redis(
            b"*100\r\n", b"-ERR Protocol error: unauthenticated multibulk length\r\n")

    def test_n8_unauthenticated_bulk_length(self):
        self.assert_closes_like_redis(
            b"*1\r\n$100000000\r\n", b"-ERR Protocol error: unauthenticated bulk length\r\n")

    def test_n8_small_requests_get_noauth_and_stay_open(self):
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                c.send(tu.encode_command("GET", "k") + b"PING\r\n")
                self.assertEqual(c.read_reply(), ("-", b"NOAUTH Authentication required."))
                self.assertEqual(c.read_reply(), ("-", b"NOAUTH Authentication required."))

    def test_n8_limits_are_lifted_after_auth(self):
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                self.assertEqual(c.call("AUTH", "s3cret"), ("+", b"OK"))
                keys = ["k%d" % i for i in range(99)]
                self.assertEqual(c.call("DEL", *keys), (":", 0), server.binary)
                value = b"v" * 100000
                self.assertEqual(c.call("SET", "big", value), ("+", b"OK"))
                self.assertEqual(c.call("STRLEN", "big"), (":", len(value)))


class InlineAndPipelining(unittest.TestCase):
    """Requests in every shape a client may send them, against keel-server only."""

    @classmethod
    def setUpClass(cls):
        cls.keel = tu.start_keel()

    @classmethod
    def tearDownClass(cls):
        code = cls.keel.stop()
        if code != 0:
            raise AssertionError("keel-server exited with %s:\n%s"
                                 % (code, cls.keel.read_log()[-4000:]))

    def setUp(self):
        self.keel.client().flushall()

    def test_inline_commands_work(self):
        with tu.RawClient(self.keel.port) as c:
            c.send(b"PING\r\n")
            self.assertEqual(c.read_reply(), ("+", b"PONG"))
            c.send(b"SET a b\n")
            self.assertEqual(c.read_reply(), ("+", b"OK"))
            c.send(b"GET a\r\n")
            self.assertEqual(c.read_reply(), ("$", b"b"))
            c.send(b'SET "with space" "x\\ty\\x41"\r\nGET "with space"\n')
            self.assertEqual(c.read_reply(), ("+", b"OK"))
            self.assertEqual(c.read_reply(), ("$", b"x\tyA"))
            c.send(b"ECHO 'single quoted'\r\n")
            self.assertEqual(c.read_reply(), ("$", b"single quoted"))

    def pipeline(self, n):
        """n commands cycling through SET, GET and INCR, with the replies each must get."""
        payload, expected = [], []
        for i in range(n):
            k = i // 3
            if i % 3 == 0:
                payload.append(tu.encode_command("SET", "key:%d" % k, "value:%d" % k))
                expected.append(("+", b"OK"))
            elif i % 3 == 1:
                payload.append(tu.encode_command("GET", "key:%d" % k))
                expected.append(("$", b"value:%d" % k))
            else:
                payload.append(tu.encode_command("INCR", "counter"))
                expected.append((":", k + 1))
        return b"".join(payload), expected

    def read_replies(self, c, n):
        return [c.read_reply() for _ in range(n)]

    def test_pipeline_of_10000_commands_in_one_write(self):
        payload, expected = self.pipeline(10000)
        with tu.RawClient(self.keel.port, timeout=120) as c:
            sender = threading.Thread(target=c.send, args=(payload,))
            sender.start()
            got = self.read_replies(c, len(expected))
            sender.join()
            self.assertEqual(got, expected)
            self.assertEqual(c.call("PING"), ("+", b"PONG"))

    def test_pipeline_of_10000_commands_in_random_chunks(self):
        payload, expected = self.pipeline(10000)
        rng = random.Random(1234)
        with tu.RawClient(self.keel.port, timeout=120) as c:
            def send_chunks():
                pos = 0
                while pos < len(payload):
                    n = rng.choice([1, 2, 3, 7, 50, 500, 4096, 65536, 200000])
                    c.send(payload[pos:pos + n])
                    pos += n
            sender = threading.Thread(target=send_chunks)
            sender.start()
            got = self.read_replies(c, len(expected))
            sender.join()
            self.assertEqual(got, expected)

    def test_request_split_byte_by_byte(self):
        payload = (tu.encode_command("SET", "split", "v" * 40) + b"GET split\r\n" +
                   tu.encode_command("APPEND", "split", "\r\n\x00") + b"*-1\r\n\r\n" +
                   tu.encode_command("GET", "split"))
        with tu.RawClient(self.keel.port) as c:
            for i in range(len(payload)):
                c.send(payload[i:i + 1])
            self.assertEqual(c.read_reply(), ("+", b"OK"))
            self.assertEqual(c.read_reply(), ("$", b"v" * 40))
            self.assertEqual(c.read_reply(), (":", 43))
            self.assertEqual(c.read_reply(), ("$", b"v" * 40 + b"\r\n\x00"))

    def test_20mb_value_round_trips(self):
        value = os.urandom(1024) * (20 * 1024)
        r = self.keel.client()
        self.assertTrue(r.set("big", value))
        self.assertEqual(r.strlen("big"), len(value))
        self.assertEqual(r.get("big"), value)
        # The same through a raw socket in one write, pipelined with a small command.
        with tu.RawClient(self.keel.port, timeout=120) as c:
            data = tu.encode_command("SET", "big2", value) + tu.encode_command("GET", "big2")
            sender = threading.Thread(target=c.send, args=(data,))
            sender.start()
            self.assertEqual(c.read_reply(), ("+", b"OK"))
            self.assertEqual(c.read_reply(), ("$", value))
            sender.join()

    def test_client_disconnecting_mid_command_does_not_disturb_others(self):
        r = self.keel.client()
        r.set("stable", "1")
        halves = [
            b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\n" + b"x" * 50,  # half a bulk
            b"*3\r\n$3\r\nSET\r\n$4\r\nhalf",                          # half a header
            b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10000000\r\n" + b"y" * 3000000,
            b"SET half inline-without-newline",
            b"*2\r\n$3\r\nGET\r\n$6\r\nstable\r\n*1\r",
        ]
        for payload in halves:
            with self.subTest(payload=payload[:40]):
                s = socket.create_connection(("127.0.0.1", self.keel.port))
                s.sendall(payload)
                s.close()
                self.assertEqual(r.ping(), True)
                self.assertIsNone(r.get("half"))
                self.assertEqual(r.get("stable"), b"1")
        # A client that sends a command producing a large reply and vanishes without reading.
        r.set("large", b"z" * (8 << 20))
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.keel.port))
            s.sendall(tu.encode_command("GET", "large") * 4)
            s.close()
        self.assertEqual(r.strlen("large"), 8 << 20)
        # The half-finished connections are gone from CLIENT LIST.
        self.assertTrue(tu.wait_until(lambda: len(r.client_list()) == 1, 20),
                        r.client_list())


if __name__ == "__main__":
    unittest.main()
