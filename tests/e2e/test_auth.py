#!/usr/bin/python3
"""End-to-end authentication suite (fault checklist N11, N12): requirepass from the command line
and from CONFIG SET, AUTH and HELLO ... AUTH with redis-server 7.0's replies byte for byte, and
protected mode seen from a real non-loopback client in a private network namespace."""

import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

PASSWORD = "correct horse"
NOAUTH = ("-", b"NOAUTH Authentication required.")
WRONGPASS = ("-", b"WRONGPASS invalid username-password pair or user is disabled.")
OK = ("+", b"OK")


class RequirePass(unittest.TestCase):
    """The same conversation with keel-server and redis-server, both started with requirepass
    on the command line; replies must be identical."""

    @classmethod
    def setUpClass(cls):
        args = ["--requirepass", PASSWORD]
        cls.keel, cls.redis = tu.start_pair(args)

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        tu.stop_keel(cls.keel)

    def converse(self, *commands):
        """Runs the commands on a fresh connection to each server; returns Keel's replies after
        checking that they equal Redis's."""
        replies = []
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                replies.append([c.call(*cmd) for cmd in commands])
        self.assertEqual(replies[1], replies[0])
        return replies[1]

    def test_n12_commands_before_auth_get_noauth(self):
        got = self.converse(("GET", "k"), ("SET", "k", "v"), ("CONFIG", "GET", "port"),
                            ("CLIENT", "ID"), ("PING",))
        self.assertEqual(got, [NOAUTH] * 5)

    def test_n12_wrong_password_gets_wrongpass(self):
        got = self.converse(("AUTH", "wrong"), ("AUTH", "default", "wrong"),
                            ("AUTH", "nosuchuser", PASSWORD), ("GET", "k"))
        self.assertEqual(got, [WRONGPASS, WRONGPASS, WRONGPASS, NOAUTH])

    def test_auth_with_the_right_password(self):
        got = self.converse(("AUTH", PASSWORD), ("SET", "auth:k", "v"), ("GET", "auth:k"))
        self.assertEqual(got, [OK, OK, ("$", b"v")])

    def test_auth_default_user_and_password(self):
        got = self.converse(("AUTH", "default", PASSWORD), ("PING",))
        self.assertEqual(got, [OK, ("+", b"PONG")])

    def test_failed_auth_keeps_an_authenticated_connection_authenticated(self):
        got = self.converse(("AUTH", PASSWORD), ("AUTH", "wrong"), ("PING",))
        self.assertEqual(got, [OK, WRONGPASS, ("+", b"PONG")])

    def test_auth_syntax_errors(self):
        got = self.converse(("AUTH", "a", "b", "c"), ("AUTH",))
        self.assertEqual(got, [("-", b"ERR syntax error"),
                               ("-", b"ERR wrong number of arguments for 'auth' command")])

    def test_hello_2_auth_default_password(self):
        for server, name in ((self.redis, b"redis"), (self.keel, b"keel")):
            with tu.RawClient(server.port) as c:
                kind, items = c.call("HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "h")
                self.assertEqual(kind, "*", items)
                fields = dict(zip([v for _, v in items[0::2]], items[1::2]))
                self.assertEqual(list(fields), [b"server", b"version", b"proto", b"id", b"mode",
                                                b"role", b"modules"])
                self.assertEqual(fields[b"server"], ("$", name))
                self.assertEqual(fields[b"proto"], (":", 2))
                self.assertEqual(fields[b"id"], c.call("CLIENT", "ID"))
                self.assertEqual(c.call("CLIENT", "GETNAME"), ("$", b"h"))
                self.assertEqual(c.call("PING"), ("+", b"PONG"))

    def test_n12_hello_with_a_wrong_password(self):
        got = self.converse(("HELLO", "2", "AUTH", "default", "wrong"),
                            ("HELLO", "2", "AUTH", "default"), ("GET", "k"))
        self.assertEqual(got, [WRONGPASS, ("-", b"ERR Syntax error in HELLO option 'AUTH'"),
                               NOAUTH])

    def test_n12_hello_before_auth_gets_redis_noauth_text(self):
        got = self.converse(("HELLO",), ("HELLO", "2"), ("HELLO", "2", "SETNAME", "x"))
        self.assertEqual(len(set(got)), 1)
        self.assertEqual(got[0][0], "-")
        self.assertTrue(got[0][1].startswith(b"NOAUTH HELLO must be called"), got[0])

    def test_hello_3_is_refused_with_noproto(self):
        # Keel speaks RESP2 only and answers HELLO 3 as redis-server answers a protocol version
        # it does not know; the handshake's AUTH is then not applied, as in Redis.
        with tu.RawClient(self.redis.port) as c:
            expected = [c.call("HELLO", "4", "AUTH", "default", PASSWORD), c.call("GET", "k")]
        self.assertEqual(expected, [("-", b"NOPROTO unsupported protocol version"), NOAUTH])
        with tu.RawClient(self.keel.port) as c:
            self.assertEqual([c.call("HELLO", "3", "AUTH", "default", PASSWORD),
                              c.call("GET", "k")], expected)
            self.assertEqual(c.call("HELLO", "3"), expected[0])
            self.assertEqual(c.call("AUTH", PASSWORD), OK)
            self.assertEqual(c.call("HELLO", "3"), expected[0])
            self.assertEqual(c.call("HELLO", "x"),
                             ("-", b"ERR Protocol version is not an integer or out of range"))


class RequirePassAtRuntime(unittest.TestCase):
    def test_requirepass_via_config_set(self):
        keel, redis_ = tu.start_pair()
        try:
            for server in (redis_, keel):
                with tu.RawClient(server.port) as admin:
                    self.assertEqual(admin.call("CONFIG", "SET", "requirepass", PASSWORD), OK)
                    self.assertEqual(admin.call("CONFIG", "GET", "requirepass"),
                                     ("*", [("$", b"requirepass"), ("$", PASSWORD.encode())]))
                    # The connection that set it stays authenticated; new ones must AUTH.
                    self.assertEqual(admin.call("PING"), ("+", b"PONG"), server.binary)
                    with tu.RawClient(server.port) as c:
                        self.assertEqual(c.call("PING"), NOAUTH, server.binary)
                        self.assertEqual(c.call("AUTH", "wrong"), WRONGPASS)
                        self.assertEqual(c.call("AUTH", PASSWORD), OK)
                        self.assertEqual(c.call("PING"), ("+", b"PONG"))
                    # Changing it again: the new password works, the old one does not.
                    self.assertEqual(admin.call("CONFIG", "SET", "requirepass", "other"), OK)
                    with tu.RawClient(server.port) as c:
                        self.assertEqual(c.call("AUTH", PASSWORD), WRONGPASS, server.binary)
                        self.assertEqual(c.call("AUTH", "other"), OK, server.binary)
                    # Clearing it lets new connections in without AUTH.
                    self.assertEqual(admin.call("CONFIG", "SET", "requirepass", ""), OK)
                    with tu.RawClient(server.port) as c:
                        self.assertEqual(c.call("PING"), ("+", b"PONG"), server.binary)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_auth_without_a_configured_password_gets_redis_error(self):
        keel, redis_ = tu.start_pair()
        try:
            replies = []
            for server in (redis_, keel):
                with tu.RawClient(server.port) as c:
                    replies.append([c.call("AUTH", "anything"), c.call("AUTH", "default", "x"),
                                    c.call("AUTH", "someone", "x"), c.call("PING")])
            self.assertEqual(replies[1], replies[0])
            self.assertEqual(replies[1][0], (
                "-", b"ERR AUTH <password> called without any password configured for the "
                b"default user. Are you sure your configuration is correct?"))
            # The default user has no password: any password is accepted for it.
            self.assertEqual(replies[1][1:], [OK, WRONGPASS, ("+", b"PONG")])
        finally:
            redis_.stop()
            tu.stop_keel(keel)


# ---- N11: protected mode, from a client that is not on the loopback interface ----

CLIENT_SCRIPT = r"""
import json, socket, sys
host, port, payload = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
s = socket.create_connection((host, port), timeout=20)
if payload:
    s.sendall(payload)
out, closed = b"", False
s.settimeout(float(sys.argv[4]))
while True:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    except ConnectionResetError:
        closed = True
        break
    if not chunk:
        closed = True
        break
    out += chunk
print(json.dumps({"data": out.hex(), "closed": closed}))
"""


def find_ip():
    for path in (shutil.which("ip"), "/usr/sbin/ip", "/sbin/ip", "/bin/ip"):
        if path and os.access(path, os.X_OK):
            return path
    return None


class NetworkNamespace:
    """A network namespace joined to this one by a veth pair: this side has 10.231.N.1/30, the
    namespace 10.231.N.2/30. Nothing leaves the machine."""

    def __init__(self, ip):
        self.ip = ip
        n = os.getpid() % 250 + 1
        self.name = "keel-e2e-%d" % os.getpid()
        self.host_if = "kv%da" % os.getpid()
        self.ns_if = "kv%db" % os.getpid()
        self.server_addr = "10.231.%d.1" % n
        self.client_addr = "10.231.%d.2" % n

    def run(self, *args, check=True):
        p = subprocess.run([self.ip] + list(args), capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise RuntimeError("ip %s failed: %s" % (" ".join(args), p.stderr.strip()))
        return p

    def create(self):
        self.run("netns", "add", self.name)
        try:
            self.run("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            self.run("link", "set", self.ns_if, "netns", self.name)
            self.run("addr", "add", self.server_addr + "/30", "dev", self.host_if)
            self.run("link", "set", self.host_if, "up")
            self.run("netns", "exec", self.name, self.ip, "addr", "add",
                     self.client_addr + "/30", "dev", self.ns_if)
            self.run("netns", "exec", self.name, self.ip, "link", "set", self.ns_if, "up")
            self.run("netns", "exec", self.name, self.ip, "link", "set", "lo", "up")
        except Exception:
            self.destroy()
            raise

    def destroy(self):
        # Deleting the namespace deletes its end of the pair, which deletes the pair.
        self.run("netns", "del", self.name, check=False)
        if self.run("link", "show", self.host_if, check=False).returncode == 0:
            self.run("link", "del", self.host_if, check=False)

    def talk(self, port, payload=b"", quiet_timeout=5.0):
        """Connects from inside the namespace, sends payload, and returns (data, closed)."""
        p = subprocess.run(
            [self.ip, "netns", "exec", self.name, "/usr/bin/python3", "-c", CLIENT_SCRIPT,
             self.server_addr, str(port), payload.hex(), str(quiet_timeout)],
            capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("client in the namespace failed: " + p.stderr)
        result = json.loads(p.stdout)
        return bytes.fromhex(result["data"]), result["closed"]


class ProtectedMode(unittest.TestCase):
    """N11. Protected mode refuses non-loopback clients when the default user has no password;
    a password or protected-mode no lets them in. Redis runs the same scenarios, which also
    checks the namespace set-up."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root to create a network namespace and a veth pair")
        ip = find_ip()
        if ip is None:
            raise unittest.SkipTest("the `ip` tool (iproute2) is not installed")
        cls.ns = NetworkNamespace(ip)
        try:
            cls.ns.create()
        except Exception as e:
            raise unittest.SkipTest("cannot create a network namespace here: %s" % e)

    @classmethod
    def tearDownClass(cls):
        cls.ns.destroy()

    def start_pair(self, *args):
        return tu.start_pair(["--bind", "127.0.0.1", self.ns.server_addr] + list(args))

    def assert_denied(self, server):
        data, closed = self.ns.talk(server.port, quiet_timeout=20)
        self.assertTrue(data.startswith(b"-DENIED "), "%s: %r" % (server.binary, data))
        self.assertTrue(data.endswith(b"\r\n"))
        self.assertTrue(closed, server.binary)
        return data

    def assert_allowed(self, server, password=None):
        if password is None:
            data, closed = self.ns.talk(server.port, b"PING\r\nQUIT\r\n")
            self.assertEqual(data, b"+PONG\r\n+OK\r\n", server.binary)
        else:
            payload = (b"PING\r\n" + tu.encode_command("AUTH", password) +
                       b"PING\r\nQUIT\r\n")
            data, closed = self.ns.talk(server.port, payload)
            self.assertEqual(data, b"-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n+OK\r\n",
                             server.binary)
        self.assertTrue(closed, server.binary)

    def test_n11_non_loopback_client_is_denied_without_a_password(self):
        keel, redis_ = self.start_pair("--protected-mode", "yes")
        try:
            denied = {}
            for server in (redis_, keel):
                denied[server.binary] = self.assert_denied(server)
                # Loopback clients are still served.
                self.assertTrue(server.client().ping())
            # Keel's first sentence is Redis's with the product name changed (the advice that
            # follows is Keel's own wording; clients only look at -DENIED).
            first = lambda text: text.split(b". ")[0]
            self.assertEqual(first(denied[keel.binary]),
                             first(denied[redis_.binary]).replace(b"Redis", b"Keel"))
            self.assertIn(b"protected mode", denied[keel.binary])
            self.assertIn(b"'CONFIG SET protected-mode no'", denied[keel.binary])
            info = keel.client().info("stats")
            self.assertGreaterEqual(info["rejected_connections"], 1)
            # A password set at runtime lets the client in (after AUTH); clearing it shuts it
            # out again; protected-mode no lets it in without a password.
            for server in (redis_, keel):
                r = server.client()
                r.config_set("requirepass", PASSWORD)
                self.assert_allowed(server, PASSWORD)
                r.config_set("requirepass", "")
                self.assert_denied(server)
                r.config_set("protected-mode", "no")
                self.assert_allowed(server)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_n11_non_loopback_client_is_allowed_with_a_password(self):
        keel, redis_ = self.start_pair("--protected-mode", "yes", "--requirepass", PASSWORD)
        try:
            for server in (redis_, keel):
                self.assert_allowed(server, PASSWORD)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_n11_non_loopback_client_is_allowed_with_protected_mode_off(self):
        keel, redis_ = self.start_pair("--protected-mode", "no")
        try:
            for server in (redis_, keel):
                self.assert_allowed(server)
        finally:
            redis_.stop()
            tu.stop_keel(keel)


if __name__ == "__main__":
    unittest.main()
