#!/usr/bin/python3
"""RDB compatibility suite (issue 4, "How it is verified" a, b, c):
(a) keel-server loads each fixture of tests/testdata/rdb/ (written by Redis 7.0.15) and serves
    exactly the dataset, encodings and DEBUG DIGEST recorded in its .json; redis-server does too,
    which proves the fixture and the harness;
(b) a dataset built on keel-server with the fixtures' commands and SAVEd passes redis-check-rdb,
    and redis-server loads it with the same data and digest; Keel loads its own file and, after
    Redis re-saves it, Redis's file again;
(c) corrupt, truncated, future-version and unreadable files make keel-server exit with a non-zero
    status and a log line naming the file, the byte offset and the reason; it never crashes,
    hangs or reports a sanitizer error.
A Keel feature that is missing makes a test fail with the reason: nothing here skips."""

import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_DIR = os.path.normpath(os.path.join(HERE, "..", "testdata", "rdb"))
sys.path.insert(0, HERE)
sys.path.insert(0, FIXTURE_DIR)

import keel_testutil as tu  # noqa: E402
import make_fixtures as mf  # noqa: E402
import rdb_dataset as ds  # noqa: E402

REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB", "/usr/bin/redis-check-rdb")
FIXTURES = ("types", "nocompress", "nochecksum", "empty", "lfu", "lru")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")
START_TIMEOUT = 20.0
# Relative EXPIRE/PEXPIRE run on two servers at slightly different moments (ASan is slow).
RELATIVE_EXPIRE_TOLERANCE_MS = 60000


def keel_binary():
    path = tu.KEEL_SERVER
    if os.sep in path:
        return os.path.abspath(path)
    return shutil.which(path) or path


# ---- CRC64 (Jones, reflected, initial value 0), to patch headers while keeping the CRC valid ----

def _crc64_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc64_table()


def crc64(data):
    crc = 0
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def with_crc(body):
    """body (everything up to and including the EOF opcode) followed by its CRC64 trailer."""
    return body + struct.pack("<Q", crc64(body))


def with_header(data, header):
    """A checksummed file with its first 9 bytes replaced and the CRC recomputed."""
    return with_crc(header + data[9:-8])


# ---- Fixtures and servers ----

def load_fixture(name):
    with open(os.path.join(FIXTURE_DIR, name + ".json")) as f:
        doc = json.load(f)
    with open(os.path.join(FIXTURE_DIR, name + ".rdb"), "rb") as f:
        data = f.read()
    return doc, data


def wait_loaded(server, timeout=START_TIMEOUT):
    """Waits until PING answers +PONG (not -LOADING)."""
    deadline = time.time() + timeout
    while True:
        if ping(server.port) == b"+PONG":
            return
        if server.proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("%s did not finish loading (exit status %s):\n%s"
                               % (server.binary, server.proc.poll(), server.read_log()[-3000:]))
        time.sleep(0.05)


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).split(b"\r\n")[0]
    except OSError:
        return None


def start_on(binary, data_dir, dbfilename, args=()):
    """A server on --dir data_dir --dbfilename dbfilename, after it has loaded the file."""
    server = tu.ServerProcess(binary, data_dir=data_dir,
                              args=["--dbfilename", dbfilename, "--enable-debug-command", "yes"]
                              + list(args))
    try:
        wait_loaded(server)
    except RuntimeError:
        server.stop(sig=signal.SIGKILL)
        raise
    return server


def stop(server):
    """Stops a server; keel-server must exit with status 0 and no sanitizer report."""
    if server.binary == tu.REDIS_SERVER:
        server.stop()
        return
    tu.stop_keel(server)
    log = server.read_log()
    for mark in SANITIZER_MARKS:
        if mark in log:
            raise AssertionError("keel-server reported %r:\n%s" % (mark, log[-4000:]))


def server_on_copy(case, binary, data, dbfilename, args=()):
    """Starts `binary` on a new directory holding `data` as dbfilename; stopped at cleanup. A
    server that refuses to start fails the test with its log."""
    d = tempfile.mkdtemp(prefix="keel-rdb-")
    case.addCleanup(shutil.rmtree, d, True)
    with open(os.path.join(d, dbfilename), "wb") as f:
        f.write(data)
    try:
        server = start_on(binary, d, dbfilename, args)
    except RuntimeError as e:
        case.fail("%s did not start on %s: %s" % (os.path.basename(binary), dbfilename, e))
    case.addCleanup(stop, server)
    return server


def assert_same(case, expected, actual, what, **options):
    diffs = ds.differences(expected, actual, **options)
    if diffs:
        case.fail("%s: %s" % (what, ds.format_differences(diffs)))


# ---- (a) Redis's files load into Keel as into Redis ----

class FixtureTest(unittest.TestCase):
    def test_fixture_set_is_complete_and_in_sync(self):
        present = {os.path.basename(p)[:-5] for p in os.listdir(FIXTURE_DIR) if p.endswith(".json")}
        self.assertEqual(present, set(FIXTURES), "update FIXTURES in this suite")
        for name in FIXTURES:
            doc, data = load_fixture(name)
            self.assertEqual(hashlib.sha256(data).hexdigest(), doc["sha256"],
                             "%s.rdb and %s.json differ: rerun make_fixtures.py" % (name, name))
            want = 0 if name == "nochecksum" else crc64(data[:-8])
            self.assertEqual(struct.unpack("<Q", data[-8:])[0], want, "%s CRC64 trailer" % name)

    def test_crc64_matches_redis(self):
        self.assertEqual(crc64(b"123456789"), 0xE9C6D914C4B8D9CA)

    def check_fixture(self, binary, name, data=None):
        doc, fixture = load_fixture(name)
        server = server_on_copy(self, binary, fixture if data is None else data, name + ".rdb",
                                doc["load_args"])
        who = "%s loaded by %s" % (name, os.path.basename(binary))
        try:
            actual = ds.snapshot(server.port, **doc["snapshot_options"])
        except ds.SnapshotError as e:
            self.fail("%s: snapshot failed: %s" % (who, e))
        with self.subTest("dataset"):
            assert_same(self, doc, actual, who)
        with self.subTest("DEBUG DIGEST"):
            try:
                digest = ds.debug_digest(server.port)
            except ds.SnapshotError as e:
                self.fail("%s: %s" % (who, e))
            self.assertEqual(digest, doc["debug_digest"], "%s: DEBUG DIGEST" % who)

    def test_keel_loads_a_version_11_header(self):
        # Redis 7.2 writes version 11; a 7.0 body under that header is a valid 7.2 file.
        _, data = load_fixture("types")
        self.check_fixture(keel_binary(), "types", with_header(data, b"REDIS0011"))


def _add_fixture_tests():
    for name in FIXTURES:
        setattr(FixtureTest, "test_keel_loads_%s" % name,
                lambda self, n=name: self.check_fixture(keel_binary(), n))
        setattr(FixtureTest, "test_redis_loads_%s" % name,
                lambda self, n=name: self.check_fixture(tu.REDIS_SERVER, n))


_add_fixture_tests()


# ---- (b) Keel's files load into Redis as the same data ----

class Steps:
    """Each step runs once for the class; a failed step fails every test that needs it, with the
    step's error."""

    def __init__(self):
        self.done = {}

    def get(self, case, name, fn):
        if name not in self.done:
            try:
                self.done[name] = (True, fn())
            except Exception as e:  # noqa: BLE001 - reported to every dependent test
                self.done[name] = (False, "%s: %s" % (type(e).__name__, e))
        ok, value = self.done[name]
        if not ok:
            case.fail("step '%s' failed: %s" % (name, value))
        return value


class KeelWritesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.steps = Steps()
        cls.tmp = tempfile.mkdtemp(prefix="keel-rdb-write-")
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        errors = []
        for server in cls.servers:
            try:
                stop(server)
            except AssertionError as e:
                errors.append(str(e))
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if errors:
            raise AssertionError("\n".join(errors))

    @classmethod
    def start(cls, binary, name, data=None):
        d = os.path.join(cls.tmp, name)
        os.mkdir(d)
        if data is not None:
            with open(os.path.join(d, "dump.rdb"), "wb") as f:
                f.write(data)
        server = start_on(binary, d, "dump.rdb")
        cls.servers.append(server)
        return server

    @classmethod
    def save(cls, server):
        with tu.RawClient(server.port) as c:
            reply = c.call("SAVE")
        if reply != ("+", b"OK"):
            raise AssertionError("SAVE replied %r" % (reply,))
        with open(os.path.join(server.dir, "dump.rdb"), "rb") as f:
            return f.read()

    @staticmethod
    def populate(server):
        with tu.RawClient(server.port) as c:
            mf.populate(mf.make_call(c))

    def step(self, name):
        return self.steps.get(self, name, getattr(self, "_" + name))

    # Steps.
    def _keel(self):
        keel = self.start(keel_binary(), "keel")
        empty = ds.snapshot(keel.port)
        self.populate(keel)
        return {"server": keel, "empty": empty, "live": ds.snapshot(keel.port)}

    def _keel_file(self):
        return self.save(self.step("keel")["server"])

    def _redis_live(self):
        redis = self.start(tu.REDIS_SERVER, "redis")
        self.populate(redis)
        return {"live": ds.snapshot(redis.port), "file": self.save(redis)}

    def _redis_reloaded(self):
        redis = self.start(tu.REDIS_SERVER, "redis-reloaded", self.step("redis_live")["file"])
        return ds.snapshot(redis.port)

    def _redis_from_keel(self):
        redis = self.start(tu.REDIS_SERVER, "redis-from-keel", self.step("keel_file"))
        dataset = ds.snapshot(redis.port)
        return {"server": redis, "dataset": dataset, "digest": ds.debug_digest(redis.port),
                "file": self.save(redis)}

    def _keel_reloaded(self):
        keel = self.start(keel_binary(), "keel-reloaded", self.step("keel_file"))
        return ds.snapshot(keel.port)

    def _keel_round_trip(self):
        keel = self.start(keel_binary(), "keel-round-trip", self.step("redis_from_keel")["file"])
        return {"dataset": ds.snapshot(keel.port), "digest": ds.debug_digest(keel.port)}

    # Tests.
    def test_keel_starts_empty_without_a_file(self):
        self.assertEqual(self.step("keel")["empty"], {"dbs": {}})

    def test_keel_builds_the_fixture_dataset_as_redis_does(self):
        assert_same(self, self.step("redis_live")["live"], self.step("keel")["live"],
                    "populate() on keel-server vs redis-server",
                    expire_tolerance_ms=RELATIVE_EXPIRE_TOLERANCE_MS)

    def test_save_writes_a_checksummed_version_10_file(self):
        data = self.step("keel_file")
        self.assertEqual(data[:9], b"REDIS0010")
        self.assertEqual(data[-9], 0xFF, "EOF opcode before the CRC")
        self.assertEqual(struct.unpack("<Q", data[-8:])[0], crc64(data[:-8]), "CRC64 trailer")

    def test_redis_check_rdb_accepts_the_keel_file(self):
        path = os.path.join(self.tmp, "keel", "check.rdb")
        with open(path, "wb") as f:
            f.write(self.step("keel_file"))
        out = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, text=True, timeout=60)
        text = out.stdout + out.stderr
        self.assertEqual(out.returncode, 0, text)
        self.assertNotIn("WARNING", text)
        self.assertNotIn("error", text.lower())
        self.assertIn("RDB looks OK", text)

    def test_redis_loads_the_keel_file_with_the_same_data(self):
        # Values and exact expire times; encodings may legitimately change on a reload.
        assert_same(self, self.step("keel")["live"], self.step("redis_from_keel")["dataset"],
                    "keel-server before SAVE vs redis-server after loading Keel's file",
                    encodings=False)

    def test_redis_loads_the_keel_file_as_it_loads_its_own(self):
        assert_same(self, self.step("redis_reloaded"), self.step("redis_from_keel")["dataset"],
                    "redis-server on Redis's file vs on Keel's file (encodings included)",
                    expire_tolerance_ms=RELATIVE_EXPIRE_TOLERANCE_MS)

    def test_debug_digest_matches_redis(self):
        redis = self.step("redis_from_keel")
        keel = self.step("keel")
        with tu.RawClient(keel["server"].port) as c:
            reply = c.call("DEBUG", "DIGEST")
        self.assertEqual(reply[0], "+", "keel-server DEBUG DIGEST: %r" % (reply,))
        if reply[1].decode() != redis["digest"]:
            mine = ds.digest_values(keel["server"].port, keel["live"])
            theirs = ds.digest_values(redis["server"].port, redis["dataset"])
            keys = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            self.fail("DEBUG DIGEST %s (keel) != %s (redis); DIGEST-VALUE differs for %s"
                      % (reply[1].decode(), redis["digest"], keys[:20]))

    def test_keel_loads_its_own_file(self):
        assert_same(self, self.step("redis_from_keel")["dataset"], self.step("keel_reloaded"),
                    "redis-server on Keel's file vs keel-server on Keel's file")

    def test_round_trip_keel_redis_keel(self):
        redis = self.step("redis_from_keel")
        keel = self.step("keel_round_trip")
        assert_same(self, redis["dataset"], keel["dataset"],
                    "redis-server on Keel's file vs keel-server on Redis's re-save of it")
        self.assertEqual(keel["digest"], redis["digest"], "DEBUG DIGEST after the round trip")


# ---- (c) Bad files are refused, never crash or hang ----

class Outcome:
    def __init__(self, label, fname):
        self.label = label
        self.fname = fname
        self.state = None      # "exited" at startup, "loaded", "hang"
        self.status = None     # exit status (negative: signal)
        self.log = ""
        self.note = ""


def _watch_startup(proc, port, timeout):
    deadline = time.time() + timeout
    while True:
        if proc.poll() is not None:
            return "exited"
        if ping(port) == b"+PONG":
            return "loaded"
        if time.time() > deadline:
            return "hang"
        time.sleep(0.05)


def run_variant(binary, label, fname, data=None, prepare=None, timeout=START_TIMEOUT):
    """Starts `binary` on a directory holding `data` as fname (or whatever prepare(path)
    creates) and reports what happened. A server that loads the file gets a full snapshot read
    (touching every loaded value) and SIGTERM."""
    d = tempfile.mkdtemp(prefix="keel-rdb-bad-")
    path = os.path.join(d, fname)
    try:
        if prepare is not None:
            prepare(path)
        else:
            with open(path, "wb") as f:
                f.write(data)
        for attempt in range(3):
            out = Outcome(label, fname)
            port = tu.free_port()
            log_path = os.path.join(d, "server-%d.log" % attempt)
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                     "--dbfilename", fname, "--save", "", "--appendonly", "no",
                     "--enable-debug-command", "yes"],
                    stdout=log, stderr=subprocess.STDOUT, cwd=d)
            out.state = _watch_startup(proc, port, timeout)
            if out.state == "loaded":
                try:
                    ds.snapshot(port)
                except Exception as e:  # noqa: BLE001 - only the server's fate matters
                    out.note = "snapshot after loading failed: %s" % e
                proc.send_signal(signal.SIGTERM)
            if out.state in ("loaded", "exited"):
                try:
                    out.status = proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    out.state = "hang"
            if out.state == "hang":
                proc.kill()
                proc.wait()
            with open(log_path, errors="replace") as f:
                out.log = f.read()
            if not (out.state == "exited" and "Address already in use" in out.log):
                return out
        return out
    finally:
        if os.path.exists(path) and not os.path.isdir(path):
            os.chmod(path, 0o600)
        shutil.rmtree(d, ignore_errors=True)


OFFSET_RE = re.compile(r"offset \d+")


def problem(out, must_refuse=True, offset=True, line_re=None):
    """None when `out` is acceptable, else what is wrong."""
    for mark in SANITIZER_MARKS:
        if mark in out.log:
            return "sanitizer report (%s)" % mark
    if out.state == "hang":
        return "hang: neither exited nor answered PING within %d s" % START_TIMEOUT
    if out.status is not None and out.status < 0:
        return "killed by signal %d" % -out.status
    if out.state == "loaded":
        if must_refuse:
            return "loaded the file and served (it must be refused)"
        if out.status != 0:
            return "exit status %s at SIGTERM after loading (%s)" % (out.status, out.note)
        return None
    if out.status == 0:
        return "exited with status 0 (a refusal must exit non-zero)"
    lines = [l for l in out.log.splitlines() if out.fname in l]
    if not lines:
        return "no log line names %s" % out.fname
    if offset:
        lines = [l for l in lines if OFFSET_RE.search(l)]
        if not lines:
            return "no log line names %s with 'offset N'" % out.fname
    if line_re is not None and not any(re.search(line_re, l, re.I) for l in lines):
        return "no log line naming %s matches %r" % (out.fname, line_re)
    return None


def run_all(binary, variants, workers=3, **expect):
    """Runs (label, fname, data) variants in parallel; returns the list of failures as text."""
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(lambda v: run_variant(binary, v[0], v[1], v[2]), variants))
    failures = []
    for out in outcomes:
        p = problem(out, **expect)
        if p:
            failures.append((out, p))
    return failures


def report(failures, total):
    lines = ["%d of %d variants failed:" % (len(failures), total)]
    lines += ["  %s: %s" % (out.label, p) for out, p in failures[:40]]
    for out, p in failures[:3]:
        lines.append("--- log of %s (last lines) ---" % out.label)
        lines += out.log.splitlines()[-8:]
    return "\n".join(lines)


def spread(length, count):
    return [int(i * (length - 1) / (count - 1)) for i in range(count)]


def truncation_points(data):
    """Cut points to refuse. 0 is not one: an empty file starts an empty dataset (fault-checklist
    C7; SnapshotCase.test_an_empty_file_starts_empty in test_snapshots.py covers it)."""
    n = len(data)
    points = {1, 5, 8, 9, 10, 11, n - 9, n - 8, n - 4, n - 1}
    for marker in (b"redis-ver", b"str:embstr", b"hash:big", b"list:big", b"zset:big",
                   b"set:bigint", b"ttl:string", b"\xfe\x01", b"\xfe\x0f"):
        at = data.find(marker)
        assert at > 0, marker
        points.update((at - 1, at + len(marker) // 2))
    points.update(spread(n, 42 - len(points))[1:-1])
    return sorted(p for p in points if 0 < p < n)


# The four version digits. A flip there can make a header Redis reads as an old version without a
# CRC ("REDIS001 " is version 1 to its atoi), so those flips are only required not to crash.
VERSION_BYTES = range(5, 9)


def flip_points(data, count=40, version_bytes=False):
    n = len(data)
    points = {0, 3, 9, 12, n - 9, n - 8, n - 1} | (set(VERSION_BYTES) if version_bytes else set())
    points |= set(spread(n, count + 2 - len(points))[1:-1])
    if not version_bytes:
        points -= set(VERSION_BYTES)
    return [(p, (p * 5 + i) % 8) for i, p in enumerate(sorted(points))]


def flipped(data, offset, bit):
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


class CorruptFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _, cls.data = load_fixture("types")
        _, cls.unchecked = load_fixture("nochecksum")
        cls.binary = keel_binary()

    def check(self, variants, **expect):
        failures = run_all(self.binary, variants, **expect)
        if failures:
            self.fail(report(failures, len(variants)))

    def test_wrong_magic_is_refused(self):
        self.check([("magic REDIX", "bad-magic.rdb", with_header(self.data, b"REDIX0010")),
                    ("magic lowercase", "bad-magic2.rdb", with_header(self.data, b"redis0010"))])

    def test_version_12_is_refused_naming_the_version(self):
        self.check([("version 12", "v12.rdb", with_header(self.data, b"REDIS0012"))],
                   line_re=r"version\D*12|12\D*version")

    def test_version_0_is_refused(self):
        self.check([("version 0", "v0.rdb", with_header(self.data, b"REDIS0000")),
                    ("version not a number", "vx.rdb", with_header(self.data, b"REDIS00x0"))])

    def test_bad_checksum_is_refused(self):
        self.check([("CRC byte %d flipped" % i, "bad-crc-%d.rdb" % i,
                     flipped(self.data, len(self.data) - 8 + i, 0)) for i in (0, 7)])

    def test_truncated_files_are_refused(self):
        points = truncation_points(self.data)
        self.assertGreaterEqual(len(points), 35)
        self.check([("truncated to %d of %d bytes" % (p, len(self.data)), "cut-%d.rdb" % p,
                     self.data[:p]) for p in points])

    def test_truncated_file_without_checksum_is_refused(self):
        n = len(self.unchecked)
        self.check([("unchecked file truncated to %d" % p, "ucut-%d.rdb" % p, self.unchecked[:p])
                    for p in (n - 9, n - 8, n - 1, n // 2)])

    def test_bit_flips_are_refused_when_checksummed(self):
        # Every single-bit change outside the version digits is caught at the latest by the CRC.
        flips = flip_points(self.data)
        self.check([("bit %d of byte %d flipped" % (b, p), "flip-%d-%d.rdb" % (p, b),
                     flipped(self.data, p, b)) for p, b in flips])

    def test_bit_flips_without_checksum_never_crash(self):
        # Without a CRC a flip may go unnoticed (a changed value loads), or be refused.
        flips = flip_points(self.unchecked, version_bytes=True)
        self.check([("unchecked: bit %d of byte %d flipped" % (b, p), "uflip-%d-%d.rdb" % (p, b),
                     flipped(self.unchecked, p, b)) for p, b in flips], must_refuse=False)

    def test_unreadable_file_is_refused(self):
        data = self.data

        def prepare(path):
            if os.geteuid() == 0:
                os.mkdir(path)  # root reads through chmod 000: a directory cannot be read
            else:
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, 0)
        out = run_variant(self.binary, "unreadable", "unreadable.rdb", prepare=prepare)
        p = problem(out, offset=False)
        if p:
            self.fail(report([(out, p)], 1))


if __name__ == "__main__":
    unittest.main()
