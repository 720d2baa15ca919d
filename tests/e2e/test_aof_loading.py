"""Loading the AOF at startup: torn tails cut with a warning (T1, and T2 for Keel's batch marks),
an unfinished MULTI reverted (C4), and refusals that name the file, the offset and the repair for
garbage (C1), a checksum mismatch in synced data (C9), a truncated non-last file (C2), an unknown
command (C3) and manifest anomalies (C5); empty files start (C6); an old single-file AOF, with or
without an RDB preamble, is upgraded into the multi-part layout, idempotently (C11)."""

import os
import shutil
import unittest

from aof_util import AofCase, incr_files, read_manifest
from keel_testutil import encode_command


def cmd(*args):
    return encode_command(*args)


class Loading(AofCase):
    def make_aof(self, *writes, policy="always"):
        """Runs `writes` (lists of arguments, one batch each) under `policy`, stops cleanly and
        returns the path of the last incr file."""
        s = self.start("--appendfsync", policy)
        r = s.client()
        for w in writes:
            r.execute_command(*w)
        self.stop(s)
        return incr_files(self.dir)[-1]

    def start_fails(self, *args):
        with self.assertRaises(RuntimeError) as e:
            self.start(*args)
        return str(e.exception)

    def append(self, path, data):
        with open(path, "ab") as f:
            f.write(data)

    def test_t1_torn_command_at_the_end_is_cut(self):
        path = self.make_aof(["SET", "a", "1"])
        size = os.path.getsize(path)
        self.append(path, b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhel")
        s = self.start()
        self.assertEqual(s.client().get("a"), b"1")
        self.assertIsNone(s.client().get("b"))
        log = s.read_log()
        self.assertIn("Truncating the AOF", log)
        self.assertEqual(os.path.getsize(path), size)
        self.stop(s)

    def test_t1_refused_without_aof_load_truncated(self):
        path = self.make_aof(["SET", "a", "1"])
        self.append(path, b"*3\r\n$3\r\nSET\r\n$1")
        log = self.start_fails("--aof-load-truncated", "no")
        self.assertIn("Unexpected end of file reading the append only file", log)
        self.assertIn(os.path.basename(path), log)

    def test_t2_garbage_tail_after_the_last_sync_starts(self):
        path = self.make_aof(["SET", "a", "1"], ["SET", "b", "2"])
        size = os.path.getsize(path)
        self.append(path, b"\x00\x00\x00garbage\xff!!!*3\r\n")
        s = self.start()
        self.assertEqual(s.client().mget("a", "b"), [b"1", b"2"])
        self.assertIn("unsynced torn tail", s.read_log())
        self.assertEqual(os.path.getsize(path), size)
        self.stop(s)

    def test_c1_garbage_in_synced_data_is_refused(self):
        path = self.make_aof(["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"])
        data = open(path, "rb").read()
        at = data.index(cmd("SET", "a", "1"))
        data = data[:at] + b"!!!" + data[at + 3:]
        open(path, "wb").write(data)
        log = self.start_fails()
        self.assertIn("Bad file format reading the append only file", log)
        self.assertIn("offset %d" % at, log)
        self.assertIn("redis-check-aof --fix", log)

    def test_c1_garbage_in_a_redis_file_is_refused(self):
        path = self.make_aof(["SET", "a", "1"])
        with open(path, "wb") as f:  # as Redis writes it: no batch marks
            f.write(cmd("SELECT", "0") + cmd("SET", "a", "1") + b"!!!" + cmd("SET", "b", "2"))
        log = self.start_fails()
        self.assertIn("Bad file format reading the append only file", log)

    def test_c9_bit_flip_in_synced_payload_is_refused(self):
        path = self.make_aof(["SET", "a", "value1"], ["SET", "b", "2"], ["SET", "c", "3"])
        data = open(path, "rb").read()
        at = data.index(b"value1")
        data = data[:at] + b"valuX1" + data[at + 6:]
        open(path, "wb").write(data)
        log = self.start_fails()
        self.assertIn("checksum", log)

    def test_c2_truncated_non_last_file_is_refused(self):
        path = self.make_aof(["SET", "a", "1"])
        with open(self.aofdir("appendonly.aof.2.incr.aof"), "wb") as f:
            f.write(cmd("SET", "later", "1"))
        with open(self.aofdir("appendonly.aof.manifest"), "a") as f:
            f.write("file appendonly.aof.2.incr.aof seq 2 type i\n")
        self.append(path, b"*3\r\n$3\r\nSET\r\n$1\r\nb")
        log = self.start_fails()
        self.assertIn("is not the last file", log)

    def test_c3_unknown_command_is_refused(self):
        path = self.make_aof(["SET", "a", "1"])
        self.append(path, cmd("FOOBARX", "1"))
        log = self.start_fails()
        self.assertIn("Unknown command 'FOOBARX' reading the append only file", log)

    def test_c4_unfinished_multi_is_reverted(self):
        path = self.make_aof(["SET", "a", "1"])
        size = os.path.getsize(path)
        self.append(path, cmd("MULTI") + cmd("SET", "m", "1"))
        s = self.start()
        self.assertIsNone(s.client().get("m"))
        self.assertIn("Revert incomplete MULTI/EXEC transaction", s.read_log())
        self.assertEqual(os.path.getsize(path), size)
        self.stop(s)

    def test_c4_refused_without_aof_load_truncated(self):
        path = self.make_aof(["SET", "a", "1"])
        self.append(path, cmd("MULTI") + cmd("SET", "m", "1"))
        log = self.start_fails("--aof-load-truncated", "no")
        self.assertIn("Unexpected end of file", log)

    def test_c5_manifest_anomalies_are_refused(self):
        self.make_aof(["SET", "a", "1"])
        manifest = self.aofdir("appendonly.aof.manifest")
        good = open(manifest).read()
        cases = {
            "missing file": good + "file appendonly.aof.9.incr.aof seq 9 type i\n",
            "duplicate base": good + "file appendonly.aof.7.base.rdb seq 7 type b\n",
            "unknown type": good + "file appendonly.aof.8.incr.aof seq 8 type x\n",
            "path": good.replace("file appendonly.aof.1.incr.aof",
                                 "file ../appendonly.aof.1.incr.aof"),
            "odd arguments": good + "file appendonly.aof.8.incr.aof seq 8 type\n",
            "empty": "",
        }
        for name, text in cases.items():
            with self.subTest(name):
                open(manifest, "w").write(text)
                log = self.start_fails()
                self.assertIn("appendonly.aof", log)
                self.assertTrue("manifest" in log or "AOF file" in log, log[-2000:])
        open(manifest, "w").write(good)
        s = self.start()
        self.assertEqual(s.client().get("a"), b"1")
        self.stop(s)

    def test_c6_empty_incr_file_starts(self):
        path = self.make_aof(["SET", "a", "1"])
        open(path, "wb").close()
        s = self.start()
        self.assertIsNone(s.client().get("a"))
        s.client().set("b", "2")
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().get("b"), b"2")
        self.stop(s)


class Upgrade(AofCase):
    def check_upgrade(self, content):
        with open(os.path.join(self.dir, "appendonly.aof"), "wb") as f:
            f.write(content)
        s = self.start()
        r = s.client()
        self.assertEqual(r.get("old"), b"1")
        self.assertEqual(read_manifest(self.dir)[0], ("appendonly.aof", 1, "b"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "appendonly.aof")))
        r.set("new", "2")
        self.stop(s)
        s = self.start()
        self.assertEqual(s.client().mget("old", "new"), [b"1", b"2"])
        self.stop(s)

    def test_c11_single_file(self):
        self.check_upgrade(cmd("SELECT", "0") + cmd("SET", "old", "1"))

    def test_c11_rdb_preamble(self):
        s = self.start(appendonly="no")
        s.client().set("old", "1")
        s.client().save()
        self.stop(s)
        rdb = open(os.path.join(self.dir, "dump.rdb"), "rb").read()
        os.remove(os.path.join(self.dir, "dump.rdb"))
        self.check_upgrade(rdb + cmd("SET", "tail", "1"))

    def test_c11_interrupted_upgrade_is_finished(self):
        with open(os.path.join(self.dir, "appendonly.aof"), "wb") as f:
            f.write(cmd("SET", "old", "1"))
        os.mkdir(self.aofdir())
        with open(self.aofdir("appendonly.aof.manifest"), "w") as f:
            f.write("file appendonly.aof seq 1 type b\n")
        s = self.start()
        self.assertEqual(s.client().get("old"), b"1")
        self.stop(s)


if __name__ == "__main__":
    unittest.main()
