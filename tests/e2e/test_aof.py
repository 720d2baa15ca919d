"""The append-only file in keel-server: the multi-part layout Redis 7.0 writes, propagation in a
replay-safe form, every fsync policy surviving a restart and kill -9 (P1), BGREWRITEAOF with an
RDB or a command base, CONFIG SET appendonly, DEBUG LOADAOF, INFO persistence's aof fields, and
write errors fenced with -MISCONF until the log works again (E1-E4)."""

import os
import threading
import time
import unittest

import redis

from aof_util import AofCase, incr_commands, read_manifest
from keel_testutil import wait_until


def fill(r, n=100):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("s:%d" % i, "v%d" % i)
        p.rpush("l:%d" % (i % 5), *["e%d" % j for j in range(i % 7 + 1)])
        p.hset("h:%d" % (i % 5), "f%d" % i, i)
        p.sadd("set:%d" % (i % 5), i)
        p.zadd("z:%d" % (i % 5), {"m%d" % i: i * 1.5})
    p.set("ttl", "x", ex=100000)
    p.execute()


def info(r):
    return r.info("persistence")


class LayoutAndRestart(AofCase):
    def test_layout_matches_redis(self):
        s = self.start()
        r = s.client()
        r.set("a", "1")
        self.assertEqual(read_manifest(self.dir),
                         [("appendonly.aof.1.base.rdb", 1, "b"),
                          ("appendonly.aof.1.incr.aof", 1, "i")])
        self.assertIn("Creating AOF base file appendonly.aof.1.base.rdb on server start",
                      s.read_log())
        fields = info(r)
        self.assertEqual(fields["aof_enabled"], 1)
        self.assertEqual(fields["aof_last_write_status"], "ok")
        self.assertGreater(fields["aof_current_size"], 0)
        self.stop(s)

    def test_every_policy_survives_restart(self):
        for policy in ("always", "everysec", "no"):
            with self.subTest(policy=policy):
                self.setUp()
                s = self.start("--appendfsync", policy)
                r = s.client()
                fill(r)
                r.select(3)
                r.set("in3", "x")
                digest = r.execute_command("DEBUG", "DIGEST")
                self.stop(s)
                s = self.start("--appendfsync", policy)
                r = s.client()
                self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
                self.assertIn("DB loaded from append only file", s.read_log())
                self.stop(s)

    def test_aof_wins_over_dump_rdb(self):
        s = self.start(appendonly="no")
        s.client().set("from-rdb", "1")
        s.client().save()
        self.stop(s)
        s = self.start()
        r = s.client()
        self.assertIsNone(r.get("from-rdb"))
        self.stop(s)

    def test_propagated_forms_are_replay_safe(self):
        s = self.start()
        r = s.client()
        r.set("k", "v", ex=1000)
        r.expire("k", 500)
        r.incrbyfloat("f", 1.5)
        r.sadd("st", "a")
        r.spop("st")
        r.rpush("q", "x")
        r.blpop("q", 1)
        with r.pipeline(transaction=True) as p:
            p.set("m1", "1")
            p.set("m2", "2")
            p.execute()
        self.stop(s)
        cmds = [[a.decode().upper() if i == 0 else a.decode() for i, a in enumerate(c)]
                for c in incr_commands(self.dir)]
        names = [c[0] for c in cmds]
        self.assertEqual(cmds[0], ["SELECT", "0"])
        set_k = next(c for c in cmds if c[0] == "SET" and c[1] == "k")
        self.assertEqual(set_k[3].upper(), "PXAT")
        self.assertIn("PEXPIREAT", names)
        self.assertNotIn("INCRBYFLOAT", names)
        self.assertNotIn("SPOP", names)
        self.assertNotIn("BLPOP", names)
        i = names.index("MULTI")
        self.assertEqual(names[i:i + 4], ["MULTI", "SET", "SET", "EXEC"])

    def test_expired_keys_are_logged_as_del(self):
        s = self.start()
        r = s.client()
        r.set("gone", "1", px=50)
        time.sleep(0.2)
        self.assertIsNone(r.get("gone"))
        self.stop(s)
        cmds = incr_commands(self.dir)
        self.assertIn([b"DEL", b"gone"], cmds)


class Rewrite(AofCase):
    def rewrite_and_check(self, *args):
        s = self.start(*args)
        r = s.client()
        fill(r)
        r.bgrewriteaof()
        wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0 and info(r)["aof_rewrites"] == 1,
                   timeout=30)
        self.assertEqual(info(r)["aof_last_bgrewrite_status"], "ok")
        r.set("after", "rewrite")
        digest = r.execute_command("DEBUG", "DIGEST")
        manifest = read_manifest(self.dir)
        self.stop(s)
        s = self.start(*args)
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)
        return manifest

    def test_rdb_base(self):
        manifest = self.rewrite_and_check()
        self.assertEqual(manifest, [("appendonly.aof.2.base.rdb", 2, "b"),
                                    ("appendonly.aof.2.incr.aof", 2, "i")])
        self.assertEqual(sorted(os.listdir(self.aofdir())),
                         ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                          "appendonly.aof.manifest"])

    def test_command_base(self):
        manifest = self.rewrite_and_check("--aof-use-rdb-preamble", "no")
        self.assertEqual(manifest[0], ("appendonly.aof.2.base.aof", 2, "b"))

    def test_config_set_appendonly_yes(self):
        s = self.start(appendonly="no")
        r = s.client()
        fill(r)
        r.config_set("appendonly", "yes")
        wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0 and
                   info(r)["aof_enabled"] == 1 and os.path.exists(self.aofdir()), timeout=30)
        wait_until(lambda: info(r)["aof_rewrites"] == 1, timeout=30)
        r.set("later", "1")
        digest = r.execute_command("DEBUG", "DIGEST")
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)

    def test_debug_loadaof(self):
        s = self.start()
        r = s.client()
        fill(r)
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertTrue(r.execute_command("DEBUG", "LOADAOF"))
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)

    def test_automatic_rewrites_under_load_every_policy(self):
        # Small thresholds: the log is rewritten several times while clients write; each
        # rotation must wait for the fsync of the old file in flight (everysec's included).
        for policy in ("always", "everysec", "no"):
            with self.subTest(policy=policy):
                self.setUp()
                s = self.start("--appendfsync", policy, "--auto-aof-rewrite-min-size", "100kb",
                               "--auto-aof-rewrite-percentage", "20")
                r = s.client()
                stop = threading.Event()
                errors = []

                def writer(i):
                    c = s.client()
                    n = 0
                    while not stop.is_set():
                        try:
                            c.set("w%d:%d" % (i, n % 500), "x" * 100)
                        except redis.exceptions.ResponseError as e:
                            errors.append(str(e))
                            return
                        n += 1

                threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
                for t in threads:
                    t.start()
                self.assertTrue(wait_until(lambda: info(r)["aof_rewrites"] >= 8, timeout=60))
                stop.set()
                for t in threads:
                    t.join()
                self.assertEqual(errors, [])
                self.assertEqual(info(r)["aof_last_write_status"], "ok")
                self.assertIn("Starting automatic rewriting of AOF", s.read_log())
                digest = r.execute_command("DEBUG", "DIGEST")
                self.kill9(s)
                s = self.start("--appendfsync", policy)
                self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
                self.stop(s)

    def test_incr_clients_during_rewrite_p6(self):
        s = self.start("--appendfsync", "always")
        r = s.client()
        fill(r, 2000)
        stop = threading.Event()
        counts = [0] * 20

        def worker(i):
            c = s.client()
            while not stop.is_set():
                c.incr("counter")
                counts[i] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        r.bgrewriteaof()
        wait_until(lambda: info(r)["aof_rewrites"] == 1, timeout=30)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()
        total = sum(counts)
        self.assertEqual(int(r.get("counter")), total)
        self.stop(s)
        s = self.start()
        self.assertEqual(int(s.client().get("counter")), total)
        self.stop(s)


class KillNine(AofCase):
    """P1: every acknowledged write survives kill -9, for each policy."""

    def run_load_and_kill(self, policy):
        s = self.start("--appendfsync", policy)
        acked = {}
        stop = threading.Event()
        lock = threading.Lock()

        def worker(i):
            c = s.client()
            n = 0
            while not stop.is_set():
                key = "w%d:%d" % (i, n)
                try:
                    c.set(key, n)
                except redis.exceptions.ConnectionError:
                    return
                with lock:
                    acked[key] = str(n)
                n += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        self.kill9(s)
        stop.set()
        for t in threads:
            t.join()
        s = self.start("--appendfsync", policy)
        r = s.client()
        keys = list(acked)
        self.assertGreater(len(keys), 100)
        got = r.mget(keys)
        missing = [k for k, v in zip(keys, got) if v is None or v.decode() != acked[k]]
        self.assertEqual(missing, [])
        self.stop(s)

    def test_always(self):
        self.run_load_and_kill("always")

    def test_everysec(self):
        self.run_load_and_kill("everysec")

    def test_no(self):
        self.run_load_and_kill("no")


class WriteErrors(AofCase):
    """E1-E3 through the real io_uring path (DEBUG AOF-FAULT)."""

    def test_always_write_error_is_never_acknowledged(self):
        s = self.start("--appendfsync", "always")
        r = s.client()
        r.set("before", "1")
        # The next two writes fail (EIO): the reply waits until a retry succeeds.
        r.execute_command("DEBUG", "AOF-FAULT", "WRITE", 5, 2)
        r.set("during", "1")  # returns only once the log holds it
        self.assertEqual(info(r)["aof_last_write_status"], "ok")
        self.assertIn("Error writing to the AOF file", s.read_log())
        self.kill9(s)
        s = self.start()
        self.assertEqual(s.client().get("during"), b"1")
        self.stop(s)

    def test_everysec_write_error_fences_writes_and_holds_the_reply(self):
        s = self.start("--appendfsync", "everysec")
        r = s.client()
        r.set("before", "1")
        r.execute_command("DEBUG", "AOF-FAULT", "WRITE", 28, -1)  # ENOSPC until cleared
        result = {}
        writer = threading.Thread(target=lambda: result.update(x=s.client().set("x", "1")))
        writer.start()
        self.assertTrue(wait_until(lambda: info(r)["aof_last_write_status"] == "err", timeout=10))
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.set("y", "1")
        self.assertIn("MISCONF Errors writing to the AOF file: No space left on device",
                      str(e.exception))
        self.assertEqual(r.get("before"), b"1")  # reads are served
        self.assertEqual(result, {})  # the failed write was not acknowledged
        r.execute_command("DEBUG", "AOF-FAULT", "CLEAR")
        writer.join(10)
        self.assertEqual(result, {"x": True})
        self.assertTrue(wait_until(lambda: info(r)["aof_last_write_status"] == "ok", timeout=10))
        r.set("y", "1")
        self.kill9(s)
        s = self.start()
        self.assertEqual(s.client().mget("before", "x", "y"), [b"1", b"1", b"1"])
        self.stop(s)

    def test_everysec_sync_error_gives_misconf(self):
        s = self.start("--appendfsync", "everysec")
        r = s.client()
        r.execute_command("DEBUG", "AOF-FAULT", "SYNC", 5, -1)
        r.set("x", "1")
        self.assertTrue(wait_until(lambda: info(r)["aof_last_write_status"] == "err", timeout=10))
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.set("y", "1")
        self.assertIn("MISCONF Errors writing to the AOF file: Input/output error", str(e.exception))
        self.assertEqual(r.get("x"), b"1")  # reads are served
        r.execute_command("DEBUG", "AOF-FAULT", "CLEAR")
        self.assertTrue(wait_until(lambda: info(r)["aof_last_write_status"] == "ok", timeout=10))
        r.set("y", "1")
        self.stop(s)


if __name__ == "__main__":
    unittest.main()
