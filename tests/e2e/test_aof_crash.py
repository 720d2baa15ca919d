"""Crashes and failures around the AOF rewrite: the rewrite child killed three times in a row
under load (P4), the server killed at each step of the rewrite protocol (P5), a manifest that
cannot be written (E6), the rewrite and a BGSAVE never running at once, and the server killed
while its initial load runs (P7)."""

import glob
import os
import signal
import subprocess
import threading
import time
import unittest

import redis

from aof_util import AofCase, read_manifest
from keel_testutil import KEEL_SERVER, free_port, raw_exchange, wait_until


def info(r):
    return r.info("persistence")


def child_pids(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def fill(r, n):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("k:%d" % i, "v%d" % i)
        p.sadd("s:%d" % (i % 10), i)
    p.execute()


class RewriteChild(AofCase):
    def test_p4_child_killed_three_times_under_load(self):
        s = self.start("--rdb-key-save-delay", "2000")
        r = s.client()
        fill(r, 500)
        stop = threading.Event()
        count = [0]

        def writer():
            c = s.client()
            while not stop.is_set():
                c.incr("counter")
                count[0] += 1

        t = threading.Thread(target=writer)
        t.start()
        try:
            for attempt in range(1, 4):
                self.assertTrue(r.bgrewriteaof())
                pids = wait_until(lambda: child_pids(s.proc.pid), timeout=10)
                self.assertTrue(pids, "no rewrite child")
                os.kill(pids[0], signal.SIGKILL)
                self.assertTrue(wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0,
                                           timeout=10))
                fields = info(r)
                self.assertEqual(fields["aof_last_bgrewrite_status"], "err")
                self.assertEqual(fields["aof_rewrites_consecutive_failures"], attempt)
                self.assertEqual(glob.glob(self.aofdir("temp-rewriteaof-bg-*")), [])
            # A new incr file was opened at each attempt; all of them are in the manifest.
            incrs = [name for name, _, t in read_manifest(self.dir) if t == "i"]
            self.assertEqual(len(incrs), 4)
        finally:
            stop.set()
            t.join()
        self.assertEqual(int(r.get("counter")), count[0])
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertTrue(r.execute_command("DEBUG", "LOADAOF"))
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        # A manual rewrite still works afterwards.
        r.config_set("rdb-key-save-delay", 0)
        r.bgrewriteaof()
        self.assertTrue(wait_until(lambda: info(r)["aof_rewrites"] == 1, timeout=30))
        self.assertEqual(info(r)["aof_rewrites_consecutive_failures"], 0)
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)

    def test_rewrite_and_bgsave_never_run_at_once(self):
        s = self.start("--rdb-key-save-delay", "2000")
        r = s.client()
        fill(r, 300)
        r.bgrewriteaof()
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("BGSAVE")
        self.assertIn("Another child process is active (AOF?)", str(e.exception))
        self.assertEqual(raw_exchange(s.port, b"BGSAVE SCHEDULE\r\n"),
                         b"+Background saving scheduled\r\n")
        r.config_set("rdb-key-save-delay", 0)
        self.assertTrue(wait_until(lambda: r.info("persistence")["rdb_saves"] >= 1 and
                                   info(r)["rdb_bgsave_in_progress"] == 0, timeout=60))
        self.stop(s)


class CrashDuringRewrite(AofCase):
    """P5: kill -9 at each step; the restart sees the old or the new manifest, never a missing
    file, and every acknowledged write."""

    STEPS = ["incr-created", "base-renamed", "manifest-temp-synced", "manifest-renamed",
             "manifest-dir-synced", "history-deleting"]

    def test_p5_crash_at_each_step(self):
        for step in self.STEPS:
            with self.subTest(step=step):
                self.setUp()
                s = self.start()
                r = s.client()
                fill(r, 200)
                r.execute_command("DEBUG", "AOF-STEP", step, "CRASH")
                try:
                    r.bgrewriteaof()
                    # Writes go on while the child works: the new incr file has them.
                    for i in range(50):
                        r.set("during:%d" % i, i)
                except redis.exceptions.ConnectionError:
                    pass
                self.assertTrue(wait_until(lambda: s.proc.poll() is not None, timeout=30),
                                "the server did not crash at " + step)
                acked = [("during:%d" % i) for i in range(50)]
                self.servers.remove(s)
                s = self.start()
                r = s.client()
                self.assertEqual(r.get("k:199"), b"v199")
                got = r.mget(acked)
                # Whatever was acknowledged before the crash is there, in order.
                present = [v is not None for v in got]
                self.assertEqual(present, sorted(present, reverse=True))
                manifest = read_manifest(self.dir)
                for name, _, _ in manifest:
                    self.assertTrue(os.path.exists(self.aofdir(name)), (step, name))
                self.stop(s)

    def test_e6_manifest_that_cannot_be_written(self):
        # At the end of a rewrite: the step fault is set once the child runs, so it hits the
        # switch to the new base, not the new incr file opened at the fork.
        for step in ("manifest-temp-synced", "manifest-renamed", "base-renamed"):
            with self.subTest(step=step):
                self.setUp()
                s = self.start("--rdb-key-save-delay", "3000")
                r = s.client()
                fill(r, 100)
                r.bgrewriteaof()
                r.execute_command("DEBUG", "AOF-STEP", step, "FAIL")
                r.set("during", "1")
                self.assertTrue(wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0,
                                           timeout=30))
                self.assertEqual(info(r)["aof_last_bgrewrite_status"], "err")
                self.assertIn("Error installing the rewritten AOF", s.read_log())
                self.check_writes_survive(s, r)

    def test_e6_new_incr_file_that_cannot_be_opened(self):
        for step in ("incr-created", "manifest-temp-synced", "manifest-renamed"):
            with self.subTest(step=step):
                self.setUp()
                s = self.start()
                r = s.client()
                fill(r, 100)
                r.execute_command("DEBUG", "AOF-STEP", step, "FAIL")
                with self.assertRaises(redis.exceptions.ResponseError):
                    r.bgrewriteaof()
                self.assertEqual(info(r)["aof_rewrite_in_progress"], 0)
                self.check_writes_survive(s, r)

    def check_writes_survive(self, s, r):
        """Writes go on after the failure, and a kill -9 loses none of them."""
        r.execute_command("DEBUG", "AOF-STEP", "CLEAR")
        r.set("after", "1")
        digest = r.execute_command("DEBUG", "DIGEST")
        self.kill9(s)
        s = self.start()
        self.assertEqual(s.client().get("after"), b"1")
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        for name, _, _ in read_manifest(self.dir):
            self.assertTrue(os.path.exists(self.aofdir(name)), name)
        self.stop(s)


class CrashDuringLoad(AofCase):
    def test_p7_kill_during_startup_load(self):
        s = self.start()
        r = s.client()
        fill(r, 20000)
        digest = r.execute_command("DEBUG", "DIGEST")
        self.stop(s)
        before = {n: os.path.getsize(self.aofdir(n)) for n, _, _ in read_manifest(self.dir)}
        # Killed while it loads (or just after): whatever it did, the next start loads the same.
        for delay in (0.005, 0.02, 0.05):
            proc = subprocess.Popen([KEEL_SERVER, "--port", str(free_port()), "--dir", self.dir,
                                     "--appendonly", "yes", "--save", ""],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.kill()
            proc.wait()
        for n, size in before.items():
            self.assertEqual(os.path.getsize(self.aofdir(n)), size)
        s = self.start()
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)


if __name__ == "__main__":
    unittest.main()
