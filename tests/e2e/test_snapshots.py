"""RDB snapshots in keel-server: SAVE, BGSAVE, save points, LASTSAVE, INFO persistence, MISCONF
after a failed background save, SHUTDOWN SAVE/NOSAVE, SIGTERM, FLUSHALL, DEBUG RELOAD, loading at
startup, and a background save under a write load that must hold exactly the fork instant."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from keel_testutil import raw_exchange, start_keel, stop_keel, wait_until


def info_fields(r, section="persistence"):
    return {k: v for k, v in r.info(section).items()}


def fill(r, prefix="k", n=200):
    """Data of every type, some with TTLs."""
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("%s:str:%d" % (prefix, i), "v%d" % i)
        p.rpush("%s:list:%d" % (prefix, i % 10), *["e%d" % j for j in range(i % 7 + 1)])
        p.hset("%s:hash:%d" % (prefix, i % 10), "f%d" % i, i)
        p.sadd("%s:set:%d" % (prefix, i % 10), i)
        p.zadd("%s:zset:%d" % (prefix, i % 10), {"m%d" % i: i * 1.5})
    p.set("%s:int" % prefix, 12345)
    p.set("%s:ttl" % prefix, "x", ex=100000)
    p.execute()


class SnapshotCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keel-snap-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.stop(signal.SIGKILL)

    def start(self, *args, dir=None):
        s = start_keel(args=["--dir", dir or self.dir, "--enable-debug-command", "yes"] +
                       list(args))
        self.servers.append(s)
        return s

    def stop(self, server):
        self.servers.remove(server)
        stop_keel(server)

    def rdb_path(self):
        return os.path.join(self.dir, "dump.rdb")

    def wait_bgsave_done(self, r):
        wait_until(lambda: info_fields(r)["rdb_bgsave_in_progress"] == 0, timeout=60)


class SaveAndLoad(SnapshotCase):
    def test_save_then_restart_loads_the_same_data(self):
        s = self.start()
        r = s.client()
        fill(r)
        r.select(3)
        r.set("in-db-3", "yes")
        r.select(0)
        before = r.execute_command("DEBUG", "DIGEST")
        self.assertNotEqual(before, b"0" * 40)
        last = r.lastsave()
        self.assertTrue(r.save())
        info = info_fields(r)
        self.assertEqual(info["rdb_changes_since_last_save"], 0)
        self.assertGreaterEqual(info["rdb_saves"], 1)
        self.assertGreaterEqual(r.lastsave(), last)
        self.assertTrue(os.path.exists(self.rdb_path()))
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith("temp-")], [])
        self.stop(s)

        s = self.start()
        r = s.client()
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), before)
        self.assertGreater(r.ttl("k:ttl"), 99000)
        self.assertIn("Done loading RDB, keys loaded:", s.read_log())
        self.assertIn("DB loaded from disk:", s.read_log())
        self.assertEqual(info_fields(r)["rdb_last_load_keys_loaded"], r.dbsize() + 1)
        self.stop(s)

    def test_redis_check_rdb_accepts_keel_files(self):
        s = self.start()
        r = s.client()
        fill(r)
        r.save()
        self.stop(s)
        out = subprocess.run(["redis-check-rdb", self.rdb_path()], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("RDB looks OK", out.stdout)

    def test_debug_reload_keeps_the_data(self):
        s = self.start()
        r = s.client()
        fill(r)
        before = r.execute_command("DEBUG", "DIGEST")
        self.assertEqual(r.execute_command("DEBUG", "RELOAD"), b"OK")
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), before)
        r.set("extra", "1")
        # NOSAVE reloads the file as it was: the new key is gone.
        self.assertEqual(r.execute_command("DEBUG", "RELOAD", "NOSAVE"), b"OK")
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), before)
        self.assertIsNone(r.get("extra"))
        with self.assertRaisesRegex(Exception, "only supports the MERGE, NOFLUSH and NOSAVE"):
            r.execute_command("DEBUG", "RELOAD", "BOGUS")
        self.stop(s)

    def test_an_empty_file_starts_empty(self):
        open(self.rdb_path(), "wb").close()
        s = self.start()
        self.assertEqual(s.client().dbsize(), 0)
        self.assertIn("is empty", s.read_log())
        self.stop(s)


class BackgroundSave(SnapshotCase):
    def test_bgsave_writes_the_file_and_reports_in_info(self):
        s = self.start()
        r = s.client()
        fill(r, n=2000)
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertEqual(r.bgsave(), True)
        self.wait_bgsave_done(r)
        info = info_fields(r)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        self.assertEqual(info["rdb_changes_since_last_save"], 0)
        self.assertGreaterEqual(info["rdb_last_bgsave_time_sec"], 0)
        self.assertEqual(info["rdb_current_bgsave_time_sec"], -1)
        self.assertIn("rdb_last_cow_size", info)
        stats = info_fields(r, "stats")
        self.assertGreaterEqual(stats["total_forks"], 1)
        log = s.read_log()
        self.assertRegex(log, r"Background saving started by pid \d+")
        self.assertIn("Background saving terminated with success", log)
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().execute_command("DEBUG", "DIGEST"), digest)
        self.stop(s)

    def test_bgsave_replies(self):
        s = self.start()
        r = s.client()
        with self.assertRaisesRegex(Exception, "syntax error"):
            r.execute_command("BGSAVE", "NOW")
        # Inside EXEC the save is scheduled, and the cron starts it.
        reply = raw_exchange(s.port, b"MULTI\r\nBGSAVE\r\nEXEC\r\n")
        self.assertTrue(reply.endswith(b"*1\r\n+Background saving scheduled\r\n"), reply)
        wait_until(lambda: info_fields(r)["rdb_saves"] >= 1, timeout=10)
        self.wait_bgsave_done(r)
        self.stop(s)

    def test_save_points_start_a_background_save(self):
        s = self.start("--save", "1 1")
        r = s.client()
        r.set("a", "1")
        wait_until(lambda: info_fields(r)["rdb_changes_since_last_save"] == 0, timeout=20)
        self.assertIn("changes in 1 seconds. Saving...", s.read_log())
        self.wait_bgsave_done(r)
        self.assertTrue(os.path.exists(self.rdb_path()))
        self.stop(s)

    def test_a_failed_background_save_fences_writes_with_misconf(self):
        work = os.path.join(self.dir, "work")
        os.mkdir(work)
        s = self.start("--save", "3600 1", "--enable-protected-configs", "yes", dir=work)
        r = s.client()
        r.set("a", "1")
        # The working directory disappears: the child cannot create its temp file.
        shutil.rmtree(work)
        r.bgsave()
        wait_until(lambda: info_fields(r)["rdb_last_bgsave_status"] == "err", timeout=30)
        with self.assertRaisesRegex(Exception, "^MISCONF .*stop-writes-on-bgsave-error"):
            r.set("b", "2")
        with self.assertRaisesRegex(Exception, "^MISCONF"):
            r.ping()
        self.assertEqual(r.get("a"), b"1")  # reads are served
        p = r.pipeline(transaction=True)
        p.set("c", "3")
        with self.assertRaisesRegex(Exception, "MISCONF"):
            p.execute()
        # Without the option, writes go through even though the snapshot is failing.
        r.config_set("stop-writes-on-bgsave-error", "no")
        self.assertTrue(r.set("b", "2"))
        r.config_set("stop-writes-on-bgsave-error", "yes")
        with self.assertRaisesRegex(Exception, "^MISCONF"):
            r.set("b", "3")
        # A successful save in a working directory lifts the fence.
        fresh = os.path.join(self.dir, "fresh")
        os.mkdir(fresh)
        r.execute_command("CONFIG", "SET", "dir", fresh)
        r.bgsave()
        wait_until(lambda: info_fields(r)["rdb_last_bgsave_status"] == "ok", timeout=30)
        self.assertTrue(r.set("b", "4"))
        self.stop(s)

    def test_bgsave_under_write_load_holds_the_fork_instant(self):
        s = self.start()
        r = s.client()
        fill(r, n=3000)
        r.execute_command("DEBUG", "SNAPSHOT-DIGEST", "1")
        bench = subprocess.Popen(
            ["redis-benchmark", "-p", str(s.port), "-t", "set,lpush,hset", "-n", "150000",
             "-r", "50000", "-c", "20", "-P", "8", "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: r.dbsize() > 10000, timeout=60)
        r.bgsave()
        self.wait_bgsave_done(r)
        out, _ = bench.communicate(timeout=300)
        self.assertEqual(bench.returncode, 0, out)
        self.assertEqual(info_fields(r)["rdb_last_bgsave_status"], "ok")
        m = re.search(r"Snapshot digest at fork: ([0-9a-f]{40})", s.read_log())
        self.assertIsNotNone(m, s.read_log()[-2000:])
        # Reload the file in a second server: its digest is the fork instant's, not today's.
        other = os.path.join(self.dir, "copy")
        os.mkdir(other)
        shutil.copy(self.rdb_path(), other)
        s2 = self.start(dir=other)
        self.assertEqual(s2.client().execute_command("DEBUG", "DIGEST").decode(), m.group(1))
        self.assertNotEqual(r.execute_command("DEBUG", "DIGEST").decode(), m.group(1))
        self.stop(s2)
        self.stop(s)


PIDS_CGROUP = "/sys/fs/cgroup/pids"


class ForkFailure(SnapshotCase):
    """Fault-checklist E7: fork fails. The server is put in a pids cgroup (v1) that allows no new
    task, so BGSAVE's fork gets EAGAIN."""

    def setUp(self):
        super().setUp()
        if not os.access(os.path.join(PIDS_CGROUP, "cgroup.procs"), os.W_OK):
            self.skipTest("no writable pids cgroup at %s to make fork fail" % PIDS_CGROUP)

    def test_a_failed_fork_is_reported_and_the_server_keeps_serving(self):
        s = self.start()
        r = s.client()
        r.set("a", "1")
        group = tempfile.mkdtemp(prefix="keel-fork-", dir=PIDS_CGROUP)
        try:
            tasks = len(os.listdir("/proc/%d/task" % s.proc.pid))
            with open(os.path.join(group, "pids.max"), "w") as f:
                f.write(str(tasks))
            with open(os.path.join(group, "cgroup.procs"), "w") as f:
                f.write(str(s.proc.pid))
            with self.assertRaises(Exception) as cm:
                r.bgsave()
            self.assertEqual(str(cm.exception), "")  # Redis's bare "-ERR"
            self.assertEqual(info_fields(r)["rdb_last_bgsave_status"], "err")
            self.assertEqual(info_fields(r)["rdb_bgsave_in_progress"], 0)
            self.assertIn("Can't save in background: fork:", s.read_log())
            self.assertTrue(r.set("b", "2"))  # no save points: writes go on
            self.assertEqual(r.get("a"), b"1")
        finally:
            with open(os.path.join(PIDS_CGROUP, "cgroup.procs"), "w") as f:
                f.write(str(s.proc.pid))
            os.rmdir(group)
        self.assertTrue(r.bgsave())
        self.wait_bgsave_done(r)
        self.assertEqual(info_fields(r)["rdb_last_bgsave_status"], "ok")
        self.stop(s)


class Shutdown(SnapshotCase):
    def test_sigterm_saves_when_save_points_exist(self):
        s = self.start("--save", "3600 1")
        r = s.client()
        r.set("kept", "1")
        self.stop(s)  # SIGTERM
        self.assertTrue(os.path.exists(self.rdb_path()))
        s = self.start()
        self.assertEqual(s.client().get("kept"), b"1")
        self.stop(s)

    def test_shutdown_save_and_nosave(self):
        s = self.start("--save", "")
        r = s.client()
        r.set("kept", "1")
        r.shutdown(save=True)  # redis-py swallows the closed connection
        s.proc.wait(20)
        self.servers.remove(s)
        self.assertTrue(os.path.exists(self.rdb_path()))
        os.remove(self.rdb_path())
        s = self.start("--save", "3600 1")
        r = s.client()
        r.set("lost", "1")
        r.shutdown(nosave=True)
        s.proc.wait(20)
        self.servers.remove(s)
        self.assertFalse(os.path.exists(self.rdb_path()))

    def test_flushall_with_save_points_writes_an_empty_snapshot(self):
        s = self.start("--save", "3600 1")
        r = s.client()
        r.set("gone", "1")
        r.save()
        r.flushall()
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(20)
        self.servers.remove(s)
        s = self.start()
        self.assertEqual(s.client().dbsize(), 0)
        self.stop(s)


if __name__ == "__main__":
    unittest.main()
