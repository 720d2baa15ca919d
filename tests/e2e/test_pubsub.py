#!/usr/bin/python3
"""End-to-end pub/sub suite: SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH
and SPUBLISH with several clients, PUBSUB's subcommands and the subscribed-mode restrictions
replayed on keel-server and redis-server 7.0 and compared reply for reply; then what only one
server needs: the pubsub output buffer limit disconnecting a subscriber that does not read
(hard and soft limits), subscribers exempt from the idle timeout, cleanup on disconnect,
INFO's pubsub fields and CLIENT LIST's sub/psub/flags=P and TYPE pubsub, and redis-py's PubSub."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402


class Session:
    """Named raw clients of one server; each step's replies are recorded for comparison."""

    def __init__(self, port):
        self.port = port
        self.clients = {}
        self.log = []

    def client(self, name):
        if name not in self.clients:
            self.clients[name] = tu.RawClient(self.port, timeout=10)
        return self.clients[name]

    def call(self, name, *args, replies=1, sort=False, sort_items=False):
        """Sends one command from `name` and records `replies` replies (sorted, or the items of
        an array reply sorted, when they come in the server's hash order)."""
        c = self.client(name)
        c.send(tu.encode_command(*args))
        got = [c.read_reply() for _ in range(replies)]
        if sort:
            got = sorted(got, key=repr)
        if sort_items:
            got = [(kind, sorted(items, key=repr)) for kind, items in got]
        self.log.append((name, args, got))
        return got[0] if replies == 1 else got

    def read(self, name, n, sort=False):
        """Records `n` pushed messages waiting for `name`."""
        c = self.client(name)
        got = [c.read_reply() for _ in range(n)]
        if sort:
            got = sorted(got, key=repr)
        self.log.append((name, "read", got))
        return got

    def unsubscribe_all(self, name, command, n):
        """UNSUBSCRIBE / PUNSUBSCRIBE without arguments, answered with `n` confirmations whose
        names come in the server's hash order: the record is the sorted names and the counts in
        order (which do not depend on it)."""
        c = self.client(name)
        c.send(tu.encode_command(command))
        got = [c.read_reply() for _ in range(n)]
        names = sorted(r[1][1][1] for r in got)
        counts = [r[1][2][1] for r in got]
        self.log.append((name, command, names, counts))

    def close(self):
        for c in self.clients.values():
            c.close()


def scenario(port):
    """The comparison scenario; returns the recorded replies."""
    s = Session(port)
    # Not subscribed: UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE still answer, with a null name.
    s.call("idle", "UNSUBSCRIBE")
    s.call("idle", "PUNSUBSCRIBE")
    s.call("idle", "SUNSUBSCRIBE")
    s.call("idle", "PING")
    s.call("idle", "UNSUBSCRIBE", "never")
    # Channels and patterns, counts across both.
    s.call("sub", "SUBSCRIBE", "news", "sport", "news", "extra", replies=4)
    s.call("sub", "PSUBSCRIBE", "n*", "s?ort", "x*", replies=3)
    s.call("sub2", "SUBSCRIBE", "news")
    s.call("psub", "PSUBSCRIBE", "*", replies=1)
    s.call("shard", "SSUBSCRIBE", "orders", "stock", replies=2)
    # Publishing: receivers counted per delivery (a client matching twice counts twice).
    s.call("pub", "PUBLISH", "news", "hello")
    s.read("sub", 2, sort=True)
    s.read("sub2", 1)
    s.read("psub", 1)
    s.call("pub", "PUBLISH", "sport", "goal\r\nbinary\x00")
    s.read("sub", 2, sort=True)
    s.call("pub", "PUBLISH", "xylophone", "x")
    s.read("sub", 1)
    s.read("psub", 1)
    s.read("psub", 1)
    s.call("pub", "PUBLISH", "weather", "")
    s.read("psub", 1)
    s.call("pub", "PUBLISH", "orders", "not to shard")
    s.read("psub", 1)
    s.call("pub", "SPUBLISH", "orders", "o1")
    s.read("shard", 1)
    s.call("pub", "SPUBLISH", "nobody", "x")
    # Introspection.
    s.call("pub", "PUBSUB", "CHANNELS", sort_items=True)
    s.call("pub", "PUBSUB", "CHANNELS", "n*")
    s.call("pub", "PUBSUB", "CHANNELS", "zz*")
    s.call("pub", "PUBSUB", "NUMSUB", "news", "sport", "orders", "none")
    s.call("pub", "PUBSUB", "NUMSUB")
    s.call("pub", "PUBSUB", "NUMPAT")
    s.call("pub", "PUBSUB", "SHARDCHANNELS", sort_items=True)
    s.call("pub", "PUBSUB", "SHARDNUMSUB", "orders", "news")
    s.call("pub", "PUBSUB", "HELP")
    s.call("pub", "PUBSUB", "channels", "a", "b")
    s.call("pub", "PUBSUB", "NUMPAT", "x")
    s.call("pub", "PUBSUB", "HELP", "x")
    s.call("pub", "PUBSUB", "nosuch")
    s.call("pub", "PUBSUB")
    s.call("pub", "PUBLISH", "only-two")
    s.call("pub", "SUBSCRIBE")
    # Subscribed mode: only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET; errors in Redis's order.
    s.call("sub", "GET", "k")
    s.call("sub", "ECHO", "x")
    s.call("sub", "CLIENT", "ID")
    s.call("sub", "CONFIG", "GET", "port")
    s.call("sub", "PUBLISH", "news", "x")
    s.call("sub", "NOSUCHCOMMAND", "a")
    s.call("sub", "GET")
    s.call("sub", "PING")
    s.call("sub", "PING", "payload")
    s.call("sub", "PING", "a", "b")
    s.call("shard", "PING")
    s.call("shard", "GET", "k")
    # Leaving: confirmations count down; the mode ends at zero.
    s.call("sub", "UNSUBSCRIBE", "extra", "nosuch", replies=2)
    s.call("sub", "PUNSUBSCRIBE", "x*")
    s.unsubscribe_all("sub", "UNSUBSCRIBE", 2)
    s.call("sub", "GET", "k")
    s.unsubscribe_all("sub", "PUNSUBSCRIBE", 2)
    s.call("sub", "GET", "k")
    s.call("sub", "PING")
    s.call("shard", "SUNSUBSCRIBE", "orders", replies=1)
    s.call("shard", "SUNSUBSCRIBE", replies=1)
    s.call("shard", "PING")
    # RESET leaves subscribed mode silently.
    s.call("psub", "RESET")
    s.call("psub", "PING")
    s.call("pub", "PUBSUB", "NUMPAT")
    # SUBSCRIBE inside MULTI runs at EXEC and puts the client in subscribed mode.
    s.call("tx", "MULTI")
    s.call("tx", "SUBSCRIBE", "from-multi")
    s.call("tx", "EXEC")
    s.call("tx", "GET", "k")
    s.call("tx", "MULTI")  # refused: subscribed
    s.call("pub", "PUBLISH", "from-multi", "m")
    s.read("tx", 1)
    s.close()
    return s.log


class PubSubMatchesRedis(tu.PairCase, unittest.TestCase):
    def test_scenario_replies_match_redis(self):
        keel_log = scenario(self.keel.port)
        redis_log = scenario(self.redis.port)
        self.assertEqual(len(keel_log), len(redis_log))
        for k, r in zip(keel_log, redis_log):
            self.assertEqual(k, r)


class PubSubKeel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = tu.start_keel()

    @classmethod
    def tearDownClass(cls):
        tu.stop_keel(cls.keel)

    def test_many_subscribers_each_get_every_message_in_order(self):
        subs = [tu.RawClient(self.keel.port) for _ in range(20)]
        for i, c in enumerate(subs):
            if i % 2:
                self.assertEqual(c.call("SUBSCRIBE", "fan")[1][2], (":", 1))
            else:
                self.assertEqual(c.call("PSUBSCRIBE", "f?n")[1][2], (":", 1))
        with tu.RawClient(self.keel.port) as pub:
            for n in range(50):
                self.assertEqual(pub.call("PUBLISH", "fan", "m%d" % n), (":", 20))
        for i, c in enumerate(subs):
            for n in range(50):
                reply = c.read_reply()[1]
                self.assertEqual(reply[-1], ("$", b"m%d" % n))
                self.assertEqual(reply[0][1], b"message" if i % 2 else b"pmessage")
            c.close()

    def test_disconnected_subscriber_is_forgotten(self):
        sub = tu.RawClient(self.keel.port)
        sub.call("SUBSCRIBE", "gone")
        sub.call("PSUBSCRIBE", "gone*")
        sub.close()
        with tu.RawClient(self.keel.port) as c:
            self.assertTrue(tu.wait_until(
                lambda: c.call("PUBSUB", "NUMSUB", "gone")[1][1] == (":", 0), 10))
            self.assertEqual(c.call("PUBSUB", "NUMPAT"), (":", 0))
            self.assertEqual(c.call("PUBLISH", "gone", "x"), (":", 0))

    def test_info_and_client_list_show_subscriptions(self):
        sub = tu.RawClient(self.keel.port)
        sub.call("CLIENT", "SETNAME", "subscriber")
        sub.send(tu.encode_command("SUBSCRIBE", "i1", "i2"))
        sub.read_reply(), sub.read_reply()
        sub.call("PSUBSCRIBE", "i*")
        with tu.RawClient(self.keel.port) as c:
            info = c.call("INFO", "stats")[1].decode()
            self.assertIn("pubsub_channels:2\r\n", info)
            self.assertIn("pubsub_patterns:1\r\n", info)
            self.assertIn("pubsubshard_channels:0\r\n", info)
            listing = c.call("CLIENT", "LIST")[1].decode()
            line = [l for l in listing.splitlines() if "name=subscriber" in l][0]
            self.assertIn(" flags=P ", line)
            self.assertIn(" sub=2 psub=1 ssub=0 ", line)
            self.assertIn(" cmd=psubscribe ", line)
            typed = c.call("CLIENT", "LIST", "TYPE", "pubsub")[1].decode().splitlines()
            self.assertEqual(len(typed), 1)
            self.assertIn("name=subscriber", typed[0])
            normal = c.call("CLIENT", "LIST", "TYPE", "normal")[1].decode()
            self.assertNotIn("name=subscriber", normal)
            # CLIENT KILL TYPE pubsub closes the subscriber only.
            self.assertEqual(c.call("CLIENT", "KILL", "TYPE", "pubsub"), (":", 1))
            _, closed = sub.read_until_closed(5)
            self.assertTrue(closed)
            self.assertTrue(tu.wait_until(
                lambda: "pubsub_channels:0\r\n" in c.call("INFO", "stats")[1].decode(), 10))
        sub.close()

    def test_redis_py_pubsub_works(self):
        r = self.keel.client()
        p = r.pubsub()
        p.subscribe("py")
        p.psubscribe("py*")
        self.assertEqual(p.get_message(timeout=5)["type"], "subscribe")
        self.assertEqual(p.get_message(timeout=5)["type"], "psubscribe")
        self.assertEqual(r.publish("py", "payload"), 2)
        got = [p.get_message(timeout=5) for _ in range(2)]
        self.assertEqual(sorted(m["type"] for m in got), ["message", "pmessage"])
        self.assertTrue(all(m["data"] == b"payload" for m in got))
        self.assertEqual(r.pubsub_numsub("py"), [(b"py", 1)])
        self.assertEqual(r.pubsub_numpat(), 1)
        p.close()
        r.close()


def flood_until_closed(test, port, channel, payload, limit_messages):
    """Publishes `payload` on `channel` until nobody receives it; returns the count sent."""
    with tu.RawClient(port) as pub:
        for n in range(limit_messages):
            if pub.call("PUBLISH", channel, payload) == (":", 0):
                return n
    test.fail("the subscriber was never disconnected")


def lazy_subscriber(port, channel):
    """A subscriber with a tiny receive buffer that never reads after subscribing."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(tu.encode_command("SUBSCRIBE", channel))
    s.settimeout(5)
    got = b""
    while got.count(b"\r\n") < 5:
        got += s.recv(4096)
    return s


class OutputBufferLimit(unittest.TestCase):
    """client-output-buffer-limit pubsub: a subscriber that does not read is disconnected."""

    def check_disconnects(self, server, limit):
        with tu.RawClient(server.port) as c:
            self.assertEqual(c.call("CONFIG", "SET", "client-output-buffer-limit", limit),
                             ("+", b"OK"))
        s = lazy_subscriber(server.port, "flood")
        try:
            sent = flood_until_closed(self, server.port, "flood", "x" * 100000, 2000)
            self.assertGreater(sent, 1)
        finally:
            s.close()
        return sent

    def test_hard_limit_disconnects_on_keel_and_redis(self):
        keel, redis_ = tu.start_pair()
        try:
            self.check_disconnects(redis_, "pubsub 1mb 0 0")
            self.check_disconnects(keel, "pubsub 1mb 0 0")
            self.assertIn("scheduled to be closed ASAP for overcoming of output buffer limits.",
                          keel.read_log())
            self.assertIn("flags=P", [l for l in keel.read_log().splitlines()
                                      if "output buffer limits" in l][0])
            # A normal client is not held to the pubsub class's limit.
            with tu.RawClient(keel.port) as c:
                c.call("SET", "big", "y" * 3000000)
                self.assertEqual(len(c.call("GET", "big")[1]), 3000000)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_soft_limit_disconnects_only_after_its_seconds(self):
        keel, redis_ = tu.start_pair()
        try:
            for server in (redis_, keel):
                with self.subTest(server=server.binary):
                    self.check_soft_limit(server)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def check_soft_limit(self, server):
        with tu.RawClient(server.port) as c:
            c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 1")
        s = lazy_subscriber(server.port, "soft")
        with tu.RawClient(server.port) as pub:
            # Well over the soft limit (and over what the kernel's socket buffers absorb), yet
            # not for long enough to be disconnected; unless this machine is so slow that a
            # second passed meanwhile.
            start = time.time()
            got = [pub.call("PUBLISH", "soft", "x" * 100000)[1] for _ in range(100)]
            if time.time() - start < 0.9:
                self.assertEqual(got, [1] * 100)
            # Nothing more is published: the cron closes the subscriber once the second is up.
            self.assertTrue(tu.wait_until(
                lambda: pub.call("PUBSUB", "NUMSUB", "soft")[1][1] == (":", 0), 10))
            self.assertGreater(time.time() - start, 1.0)
        s.close()


class IdleTimeout(unittest.TestCase):
    def test_subscribers_are_exempt_from_the_idle_timeout(self):
        keel = tu.start_keel(["--timeout", "1"])
        try:
            sub = tu.RawClient(keel.port)
            sub.call("SUBSCRIBE", "quiet")
            plain = tu.RawClient(keel.port)
            plain.call("PING")
            _, closed = plain.read_until_closed(6)
            self.assertTrue(closed, "the idle normal client was not closed")
            with tu.RawClient(keel.port) as pub:
                self.assertEqual(pub.call("PUBLISH", "quiet", "still here"), (":", 1))
            self.assertEqual(sub.read_reply()[1][2], ("$", b"still here"))
            sub.close()
            plain.close()
        finally:
            tu.stop_keel(keel)


if __name__ == "__main__":
    unittest.main()
