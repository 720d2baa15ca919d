#!/usr/bin/python3
"""End-to-end suite for the server's own commands, compared with redis-server 7.0: INFO's
sections and field names, CONFIG GET / SET / RESETSTAT, COMMAND COUNT / INFO / DOCS (also as
redis-cli reads them), TIME, DEBUG (refused by default, allowed with enable-debug-command), and
active expiry removing keys in the background unless DEBUG SET-ACTIVE-EXPIRE 0 turns it off."""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402

DEBUG_ARGS = ["--enable-debug-command", "yes"]
SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
            "Keyspace"]
REQUIRED_FIELDS = {
    "Server": ["redis_version", "tcp_port", "uptime_in_seconds"],
    "Clients": ["connected_clients"],
    "Memory": ["used_memory", "used_memory_human", "used_memory_rss", "mem_allocator"],
    "Persistence": ["rdb_changes_since_last_save"],
    "Stats": ["total_commands_processed", "instantaneous_ops_per_sec", "keyspace_hits",
              "keyspace_misses", "expired_keys"],
    "Replication": ["role"],
    "CPU": ["used_cpu_sys"],
}


def info_sections(port, *sections):
    """INFO's reply as {section title: {field: value}}, fields in reply order."""
    with tu.RawClient(port) as c:
        kind, text = c.call("INFO", *sections)
    assert kind == "$", text
    out, current = {}, None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            current = line[2:]
            out[current] = {}
        elif line:
            name, value = line.split(":", 1)
            out[current][name] = value
    return out


def doc_shape(reply):
    """The structure of a COMMAND DOCS entry with names and versions left out: what redis-cli
    builds its hints from (argument types, tokens, flags, nesting)."""
    kind, value = reply
    if kind != "*":
        return kind
    items = value
    if len(items) % 2 == 0 and all(k == "$" for k, _ in items[0::2]):
        fields = {}
        for (_, key), v in zip(items[0::2], items[1::2]):
            key = key.decode()
            if key in ("name", "since", "history", "display_text"):
                continue
            if key in ("type", "token", "summary", "group", "complexity", "deprecated_since",
                       "replaced_by"):
                fields[key] = v
            elif key in ("flags", "doc_flags"):
                fields[key] = sorted(x[1] for x in v[1])
            else:
                fields[key] = doc_shape(v)
        return fields
    return [doc_shape(v) for v in items]


class InfoCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = tu.start_pair()
        for server in (cls.keel, cls.redis):
            r = server.client()
            r.set("plain", "1")
            r.set("volatile", "2", ex=1000)
            r.get("plain")
            r.get("missing")
            with tu.RawClient(server.port) as c:
                c.call("SET", "nan", "x")
                c.call("INCR", "nan")  # an error, for Errorstats
                c.call("DEL", "nan")

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        tu.stop_keel(cls.keel)

    def test_info_has_every_section(self):
        keel = info_sections(self.keel.port)
        for title in SECTIONS:
            self.assertIn(title, keel)
        self.assertEqual(list(keel), list(info_sections(self.redis.port)))
        for title in SECTIONS:
            only = info_sections(self.keel.port, title.lower())
            self.assertEqual(list(only), [title])
        everything = info_sections(self.keel.port, "everything")
        for title in SECTIONS:
            self.assertIn(title, everything)

    def test_info_has_the_required_fields(self):
        keel = info_sections(self.keel.port)
        for title, fields in REQUIRED_FIELDS.items():
            for field in fields:
                self.assertIn(field, keel[title], "%s missing from # %s" % (field, title))
        self.assertEqual(keel["Server"]["tcp_port"], str(self.keel.port))
        self.assertRegex(keel["Server"]["redis_version"], r"^7\.0\.\d+$")
        self.assertRegex(keel["Memory"]["used_memory_human"], r"^\d+(\.\d\d[KMG])?B?$")
        self.assertEqual(keel["Replication"]["role"], "master")
        self.assertRegex(keel["CPU"]["used_cpu_sys"], r"^\d+\.\d{6}$")
        self.assertGreaterEqual(int(keel["Stats"]["keyspace_hits"]), 1)
        self.assertGreaterEqual(int(keel["Stats"]["keyspace_misses"]), 1)

    def test_info_keyspace_db0_line_matches_redis(self):
        keel = info_sections(self.keel.port, "keyspace")["Keyspace"]
        redis_ = info_sections(self.redis.port, "keyspace")["Keyspace"]
        self.assertRegex(keel["db0"], r"^keys=\d+,expires=\d+,avg_ttl=\d+$")
        strip_ttl = lambda s: re.sub(r"avg_ttl=\d+", "avg_ttl=N", s)
        self.assertEqual(strip_ttl(keel["db0"]), strip_ttl(redis_["db0"]))
        self.assertEqual(strip_ttl(keel["db0"]), "keys=2,expires=1,avg_ttl=N")
        self.assertEqual(list(keel), ["db0"])

    def test_info_field_names_match_redis(self):
        """INFO everything after the same commands on both servers: every section and field
        name redis-server 7.0 shows (per-command fields included) must be there."""
        keel = info_sections(self.keel.port, "everything")
        redis_ = info_sections(self.redis.port, "everything")
        missing = {}
        for title, fields in redis_.items():
            if title == "Keyspace":
                continue
            if title not in keel:
                missing[title] = ["(the whole section)"]
                continue
            absent = [f for f in fields if f not in keel[title]]
            if absent:
                missing[title] = absent
        if missing:
            self.fail("INFO fields redis-server 7.0 has and keel-server lacks (%d):\n"
                      % sum(len(f) for f in missing.values())
                      + "\n".join("# %s: %s" % (t, " ".join(f)) for t, f in missing.items()))


class ConfigCommand(tu.PairCase, unittest.TestCase):
    def test_config_get_star_returns_the_options(self):
        keel = self.keel.client().config_get("*")
        redis_ = self.redis.client().config_get("*")
        for name in ("port", "bind", "timeout", "hz", "maxclients", "requirepass", "loglevel",
                     "dir", "save", "appendonly", "protected-mode", "tcp-keepalive",
                     "databases", "proto-max-bulk-len", "client-query-buffer-limit",
                     "client-output-buffer-limit", "daemonize", "dbfilename", "io-backend",
                     "rdb-zstd-level"):
            self.assertIn(name, keel)
        self.assertEqual(keel["port"], str(self.keel.port))
        self.assertEqual(keel["dir"], self.keel.dir)
        # Options Redis also has start with Redis's values (port and dir aside).
        for name, value in keel.items():
            if name in ("port", "dir", "io-backend", "rdb-zstd-level", "enable-debug-command"):
                continue
            self.assertIn(name, redis_, "option %s is not a Redis option" % name)
            self.assertEqual(value, redis_[name], name)
        with tu.RawClient(self.keel.port) as c:
            kind, items = c.call("CONFIG", "GET", "*")
        self.assertEqual(kind, "*")
        self.assertEqual(len(items), 2 * len(keel), "each option once")

    def test_config_set_hz_timeout_and_loglevel(self):
        for server in (self.redis, self.keel):
            r = server.client()
            self.assertTrue(r.config_set("hz", 50))
            self.assertEqual(r.config_get("hz"), {"hz": "50"})
            self.assertEqual(r.info("server")["hz"], 50)
            self.assertTrue(r.config_set("hz", 100000))  # clamped, as Redis does
            self.assertEqual(r.config_get("hz"), {"hz": "500"})
            self.assertTrue(r.config_set("hz", 10))
            self.assertTrue(r.config_set("timeout", 120))
            self.assertEqual(r.config_get("timeout"), {"timeout": "120"})
            self.assertTrue(r.config_set("timeout", 0))
            for level in ("debug", "verbose", "warning", "notice"):
                self.assertTrue(r.config_set("loglevel", level))
                self.assertEqual(r.config_get("loglevel"), {"loglevel": level})
            # Several options at once.
            self.assertTrue(r.execute_command("CONFIG", "SET", "hz", "20", "timeout", "30"))
            self.assertEqual(r.config_get("hz"), {"hz": "20"})
            self.assertEqual(r.config_get("timeout"), {"timeout": "30"})
            r.execute_command("CONFIG", "SET", "hz", "10", "timeout", "0")

    def test_config_set_loglevel_verbose_takes_effect(self):
        r = self.keel.client()
        r.config_set("loglevel", "verbose")
        try:
            tu.exchange_until_closed(self.keel.port, b"*1\r\nfoo\r\n")
            self.assertTrue(tu.wait_until(lambda: "Protocol error" in self.keel.read_log(), 10),
                            "verbose lines are not logged after CONFIG SET loglevel verbose")
        finally:
            r.config_set("loglevel", "notice")

    def test_config_set_errors_match_redis(self):
        cases = [
            ("CONFIG", "SET", "nosuchoption", "1"),
            ("CONFIG", "SET", "hz", "abc"),
            ("CONFIG", "SET", "timeout", "-1"),
            ("CONFIG", "SET", "loglevel", "loud"),
            ("CONFIG", "SET", "daemonize", "yes"),
            ("CONFIG", "SET", "hz", "5", "hz", "6"),
            ("CONFIG", "SET", "hz", "5", "timeout"),
            ("CONFIG", "SET", "dir", "/tmp"),
            ("CONFIG", "SET", "protected-mode", "maybe"),
        ]
        for args in cases:
            with self.subTest(args=args):
                with tu.RawClient(self.redis.port) as c:
                    expected = c.call(*args)
                with tu.RawClient(self.keel.port) as c:
                    self.assertEqual(c.call(*args), expected)

    def test_n18_config_set_dir_is_refused_at_runtime(self):
        for server in (self.redis, self.keel):
            r = server.client()
            with tu.RawClient(server.port) as c:
                for name, value in (("dir", "/tmp"), ("dbfilename", "authorized_keys")):
                    kind, text = c.call("CONFIG", "SET", name, value)
                    self.assertEqual(kind, "-", server.binary)
                    self.assertIn(b"can't set protected config", text)
            self.assertEqual(r.config_get("dir"), {"dir": server.dir})
            self.assertEqual(r.config_get("dbfilename"), {"dbfilename": "dump.rdb"})

    def test_config_set_failure_changes_nothing(self):
        r = self.keel.client()
        r.config_set("hz", 10)
        with tu.RawClient(self.keel.port) as c:
            kind, _ = c.call("CONFIG", "SET", "hz", "30", "timeout", "-5")
        self.assertEqual(kind, "-")
        self.assertEqual(r.config_get("hz"), {"hz": "10"})
        self.assertEqual(r.config_get("timeout"), {"timeout": "0"})

    def test_config_resetstat_zeroes_stats(self):
        names = ["total_connections_received", "total_commands_processed", "keyspace_hits",
                 "keyspace_misses", "expired_keys", "rejected_connections",
                 "total_error_replies", "total_net_input_bytes", "total_net_output_bytes"]
        results = []
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                c.call("SET", "rs", "1")
                c.call("GET", "rs")
                c.call("GET", "rs:missing")
                c.call("SET", "rs:exp", "1", "PX", "1")
                time.sleep(0.05)
                c.call("GET", "rs:exp")
                c.call("NOSUCHCOMMAND")
                before = info_sections(server.port, "stats")["Stats"]
                for name in ("total_commands_processed", "keyspace_hits", "keyspace_misses",
                             "expired_keys", "total_error_replies"):
                    self.assertGreater(int(before[name]), 0, (server.binary, name))
                self.assertEqual(c.call("CONFIG", "RESETSTAT"), ("+", b"OK"))
                after = info_sections_on(c)["Stats"]
            results.append({n: int(after[n]) for n in names if "net_" not in n})
            # Bytes are counted again from zero: only this conversation's few bytes.
            self.assertLess(int(after["total_net_input_bytes"]), 200, server.binary)
        self.assertEqual(results[1], results[0])
        self.assertEqual(results[1]["keyspace_hits"], 0)
        self.assertEqual(results[1]["total_commands_processed"], 1)  # CONFIG RESETSTAT itself


def info_sections_on(c, *sections):
    kind, text = c.call("INFO", *sections)
    out, current = {}, None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            current = line[2:]
            out[current] = {}
        elif line:
            name, value = line.split(":", 1)
            out[current][name] = value
    return out


class CommandCommand(tu.PairCase, unittest.TestCase):
    def call_both(self, *args):
        with tu.RawClient(self.keel.port) as a, tu.RawClient(self.redis.port) as b:
            return a.call(*args), b.call(*args)

    def test_command_count_is_the_number_of_commands(self):
        with tu.RawClient(self.keel.port) as c:
            kind, count = c.call("COMMAND", "COUNT")
            self.assertEqual(kind, ":")
            self.assertGreater(count, 0)
            self.assertEqual(len(c.call("COMMAND")[1]), count)
            # COMMAND LIST names subcommands too ("config|get"), as Redis's does.
            names = [name for _, name in c.call("COMMAND", "LIST")[1]]
            self.assertEqual(len([n for n in names if b"|" not in n]), count)
            self.assertIn(b"config|get", names)
            self.assertEqual(len(set(names)), len(names))
        self.assertEqual(self.call_both("COMMAND", "COUNT", "extra")[0],
                         self.call_both("COMMAND", "COUNT", "extra")[1])

    def test_command_info_get_matches_redis(self):
        keel, redis_ = self.call_both("COMMAND", "INFO", "get")
        self.assertEqual(keel, redis_)
        keel, redis_ = self.call_both("COMMAND", "INFO", "get", "nosuchcommand", "set")
        self.assertEqual(keel[1][1], redis_[1][1])  # a null for an unknown name
        self.assertEqual(keel[1][0], redis_[1][0])
        # Every command's entry has Redis's ten fields.
        with tu.RawClient(self.keel.port) as c:
            for kind, entry in c.call("COMMAND")[1]:
                self.assertEqual(kind, "*")
                self.assertEqual(len(entry), 10, entry[0])

    def test_command_info_matches_redis_for_every_command(self):
        """Every command and subcommand Keel has: arity, flags, key positions, ACL categories,
        tips and key specs as redis-server 7.0 reports them."""
        with tu.RawClient(self.keel.port) as c:
            names = [n.decode() for _, n in c.call("COMMAND", "LIST")[1]]
        differ = []
        for name in names:
            keel, redis_ = self.call_both("COMMAND", "INFO", name)
            keel, redis_ = keel[1][0][1], redis_[1][0][1]
            # Containers: Redis lists subcommands Keel does not have; those Keel has are
            # compared on their own.
            n = 9 if name in ("client", "config", "command") else 10
            # Redis lists subcommands in its dict order, which its random hash seed changes
            # from run to run: compare them as a set.
            keel, redis_ = list(keel), list(redis_)
            if n == 10:
                keel[9] = (keel[9][0], sorted(keel[9][1], key=repr))
                redis_[9] = (redis_[9][0], sorted(redis_[9][1], key=repr))
            fields = ["name", "arity", "flags", "first key", "last key", "step",
                      "ACL categories", "tips", "key specs", "subcommands"]
            what = [fields[i] for i in range(n) if keel[i] != redis_[i]]
            if what:
                differ.append("%s (%s)" % (name, ", ".join(what)))
        if differ:
            self.fail("COMMAND INFO differs from redis-server's for %d of %d: %s"
                      % (len(differ), len(names), "; ".join(differ)))

    def test_command_docs_set_has_redis_shape(self):
        keel, redis_ = self.call_both("COMMAND", "DOCS", "set")
        self.assertEqual(keel[0], "*")
        self.assertEqual(len(keel[1]), 2)
        self.assertEqual(keel[1][0], ("$", b"set"))
        self.assertEqual(doc_shape(keel[1][1]), doc_shape(redis_[1][1]))
        for name in ("get", "incr", "expire", "setrange", "time"):
            keel, redis_ = self.call_both("COMMAND", "DOCS", name)
            with self.subTest(command=name):
                self.assertEqual(doc_shape(keel), doc_shape(redis_))
        self.assertEqual(*self.call_both("COMMAND", "DOCS", "nosuchcommand"))

    def test_command_docs_match_redis_for_every_command(self):
        """The structure redis-cli reads (argument types, tokens, flags, nesting, doc flags),
        every command and subcommand Keel has; names, versions and history are not compared."""
        with tu.RawClient(self.keel.port) as c:
            names = [n.decode() for _, n in c.call("COMMAND", "LIST")[1] if b"|" not in n]
        differ = []
        for name in names:
            keel, redis_ = self.call_both("COMMAND", "DOCS", name)
            keel, redis_ = doc_shape(keel[1][1]), doc_shape(redis_[1][1])
            keel_subs, redis_subs = keel.pop("subcommands", {}), redis_.pop("subcommands", {})
            if keel != redis_:
                differ.append(name)
            for sub, shape in keel_subs.items():
                if redis_subs.get(sub) != shape:
                    differ.append(sub)
        if differ:
            self.fail("COMMAND DOCS differs from redis-server's for: " + ", ".join(differ))

    def test_redis_cli_parses_command_docs(self):
        for args in (["COMMAND", "DOCS"], ["COMMAND", "DOCS", "set"], ["COMMAND"]):
            p = subprocess.run(["redis-cli", "-p", str(self.keel.port), "--no-raw"] + args,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("(error)", p.stdout)
            self.assertIn('"summary"' if args[1:2] == ["DOCS"] else '"get"', p.stdout)
            self.assertRegex(p.stdout, r'^\s*1\) ')
        # redis-cli fetches COMMAND DOCS at start-up to build its hints; a bad reply would
        # show up as a warning before the command's own output.
        p = subprocess.run(["redis-cli", "-p", str(self.keel.port), "--no-raw", "SET", "a", "1"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "OK\n", ""))

    def test_time_returns_seconds_and_microseconds(self):
        with tu.RawClient(self.keel.port) as c:
            kind, items = c.call("TIME")
        self.assertEqual(kind, "*")
        self.assertEqual([k for k, _ in items], ["$", "$"])
        seconds, micros = int(items[0][1]), int(items[1][1])
        self.assertLess(abs(seconds - time.time()), 60)
        self.assertTrue(0 <= micros < 1000000)
        self.assertEqual(*self.call_both("TIME", "extra"))


class DebugCommand(unittest.TestCase):
    def test_debug_is_refused_by_default_with_redis_text(self):
        keel = tu.start_keel()
        redis_ = tu.ServerProcess(tu.REDIS_SERVER)  # without --enable-debug-command
        try:
            for args in (("DEBUG", "SLEEP", "0"), ("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
                         ("DEBUG", "HELP")):
                with tu.RawClient(keel.port) as a, tu.RawClient(redis_.port) as b:
                    got, expected = a.call(*args), b.call(*args)
                self.assertEqual(got, expected)
                self.assertTrue(got[1].startswith(b"ERR DEBUG command not allowed."), got)
        finally:
            redis_.stop()
            tu.stop_keel(keel)

    def test_debug_sleep_and_set_active_expire_with_enable_debug_command(self):
        keel = tu.start_keel(args=DEBUG_ARGS)
        redis_ = tu.start_redis()
        try:
            for args in (("DEBUG", "SLEEP", "0"), ("DEBUG", "SLEEP", "0.01"),
                         ("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("DEBUG", "SET-ACTIVE-EXPIRE", "1"),
                         ("DEBUG", "NOSUCHSUBCOMMAND"), ("DEBUG",)):
                with tu.RawClient(keel.port) as a, tu.RawClient(redis_.port) as b:
                    self.assertEqual(a.call(*args), b.call(*args), args)
            with tu.RawClient(keel.port) as c:
                self.assertEqual(c.call("DEBUG", "SLEEP", "0"), ("+", b"OK"))
                kind, lines = c.call("DEBUG", "HELP")
                self.assertEqual(kind, "*")
                self.assertTrue(any(b"SET-ACTIVE-EXPIRE" in v for _, v in lines))
        finally:
            redis_.stop()
            tu.stop_keel(keel)


    def test_debug_quicklist_packed_threshold_makes_plain_nodes(self):
        keel = tu.start_keel(args=DEBUG_ARGS)
        redis_ = tu.start_redis()
        try:
            with tu.RawClient(keel.port) as a, tu.RawClient(redis_.port) as b:
                def both(*args):
                    ra, rb = a.call(*args), b.call(*args)
                    self.assertEqual(ra, rb, args)
                    return ra
                for size in ("5000000000", "1x", "-1", "4294967295", "4293918721", "1gb", "0",
                             "4293918720", "1kb"):
                    both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", size)
                # With a 1 KB threshold a 2,000-byte element gets a node of its own, between the
                # packed nodes before and after it.
                both("RPUSH", "l", "a", "x" * 2000, "b")
                self.assertEqual(both("LRANGE", "l", "1", "1"), ("*", [("$", b"x" * 2000)]))
                fields = [dict(f.split(b":", 1) for f in r[1].split(b" ") if b":" in f)
                          for r in (a.call("DEBUG", "OBJECT", "l"), b.call("DEBUG", "OBJECT", "l"))]
                self.assertEqual(fields[0][b"ql_nodes"], b"3")
                for name in (b"ql_nodes", b"ql_listpack_max", b"ql_avg_node"):
                    if name in fields[1]:
                        self.assertEqual(fields[0].get(name), fields[1][name], name)
                both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
        finally:
            redis_.stop()
            tu.stop_keel(keel)

class ActiveExpiry(unittest.TestCase):
    """Keys with a TTL disappear without being touched; with DEBUG SET-ACTIVE-EXPIRE 0 they
    stay counted in DBSIZE until something reads them. Redis runs the same steps."""

    @classmethod
    def setUpClass(cls):
        cls.keel, cls.redis = tu.start_pair(DEBUG_ARGS, [])

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        tu.stop_keel(cls.keel)

    def set_volatile_keys(self, c, n=100):
        c.send(b"".join(tu.encode_command("SET", "exp:%d" % i, "v", "PX", "100")
                        for i in range(n)))
        for _ in range(n):
            self.assertEqual(c.read_reply(), ("+", b"OK"))

    def test_active_expiry_removes_keys_in_the_background(self):
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                c.call("FLUSHALL")
                c.call("CONFIG", "RESETSTAT")
                self.set_volatile_keys(c)
                # DBSIZE reads no key, so only the background cycle can remove them (expired_keys
                # counts all 100 with no keyspace miss).
                gone = tu.wait_until(lambda: c.call("DBSIZE") == (":", 0), 30, 0.1)
                self.assertTrue(gone, "%s: keys left: %r" % (server.binary, c.call("DBSIZE")))
                stats = info_sections_on(c, "stats")["Stats"]
                self.assertEqual(stats["expired_keys"], "100", server.binary)
                self.assertEqual(stats["keyspace_misses"], "0", server.binary)
                self.assertEqual(info_sections_on(c, "keyspace")["Keyspace"], {})

    def test_set_active_expire_0_stops_background_expiry(self):
        for server in (self.redis, self.keel):
            with tu.RawClient(server.port) as c:
                c.call("FLUSHALL")
                c.call("CONFIG", "RESETSTAT")
                self.assertEqual(c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("+", b"OK"))
                try:
                    self.set_volatile_keys(c)
                    self.assertEqual(c.call("DBSIZE"), (":", 100))
                    # Long past the TTL, and many cron and event-loop cycles later...
                    time.sleep(2)
                    self.assertEqual(c.call("DBSIZE"), (":", 100), server.binary)
                    self.assertEqual(info_sections_on(c, "stats")["Stats"]["expired_keys"], "0")
                    # ...until the keys are read: each read expires its key.
                    for i in range(50):
                        self.assertEqual(c.call("GET", "exp:%d" % i), ("$", None))
                    self.assertEqual(c.call("DBSIZE"), (":", 50), server.binary)
                    self.assertEqual(info_sections_on(c, "stats")["Stats"]["expired_keys"],
                                     "50")
                finally:
                    self.assertEqual(c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1"), ("+", b"OK"))
                # Turned back on, the background cycle removes the rest.
                gone = tu.wait_until(lambda: c.call("DBSIZE") == (":", 0), 30, 0.1)
                self.assertTrue(gone, server.binary)


if __name__ == "__main__":
    unittest.main()
