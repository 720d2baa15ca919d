#!/usr/bin/python3
"""End-to-end lifecycle suite: keel-server starts from a config file plus command-line overrides,
refuses a bad configuration as redis-server does (exit code 1, the line number and the line),
logs a startup line naming its version, port, pid and I/O backend, serves correctly on both the
io_uring and the epoll backend, daemonizes with a pid file, and stops gracefully on SIGTERM,
SIGINT and SHUTDOWN."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil as tu  # noqa: E402


def keel_binary():
    path = os.environ.get("KEEL_SERVER", tu.KEEL_SERVER)
    if os.sep in path:
        return os.path.abspath(path)  # run_binary changes the working directory
    return shutil.which(path) or path


def port_closed(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def run_binary(binary, args, timeout=60):
    return subprocess.run([binary] + list(args), capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir())


def process_state(pid):
    """The state letter from /proc/<pid>/stat, or None when the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


class GracefulShutdown(unittest.TestCase):
    def check_signal(self, signo, name):
        keel = tu.start_keel()
        client = tu.RawClient(keel.port)
        self.assertEqual(client.call("SET", "k", "v"), ("+", b"OK"))
        code = keel.stop(sig=signo, timeout=60)
        log = keel.read_log()
        self.assertEqual(code, 0, log[-3000:])
        self.assertIn("Received %s scheduling shutdown" % name, log)
        self.assertIn("ready to exit", log)
        self.assertLess(log.index("Received %s" % name), log.index("ready to exit"))
        # Connected clients are disconnected and the port is released.
        data, closed = tu.read_until_closed(client.sock, 10)
        self.assertTrue(closed)
        client.close()
        self.assertTrue(port_closed(keel.port))

    def test_sigterm_shuts_down_gracefully(self):
        self.check_signal(signal.SIGTERM, "SIGTERM")

    def test_sigint_shuts_down_gracefully(self):
        self.check_signal(signal.SIGINT, "SIGINT")

    def test_shutdown_nosave_stops_the_server(self):
        for start in (tu.start_redis, tu.start_keel):
            server = start()
            with tu.RawClient(server.port) as c:
                c.send(tu.encode_command("SHUTDOWN", "NOSAVE"))
                data, closed = c.read_until_closed(30)
            self.assertEqual((data, closed), (b"", True), server.binary)
            self.assertEqual(server.proc.wait(60), 0, server.binary)
            server.stop()
            self.assertIn("ready to exit", server.read_log())
            self.assertTrue(port_closed(server.port))

    def test_shutdown_errors_match_redis_and_keep_serving(self):
        replies = []
        for start in (tu.start_redis, tu.start_keel):
            server = start()
            try:
                with tu.RawClient(server.port) as c:
                    replies.append([c.call("SHUTDOWN", "ABORT"), c.call("SHUTDOWN", "BOGUS"),
                                    c.call("SHUTDOWN", "SAVE", "NOSAVE"),
                                    c.call("SHUTDOWN", "NOSAVE", "ABORT"), c.call("PING")])
            finally:
                code = server.stop()
            self.assertEqual(code, 0, server.binary)
        self.assertEqual(replies[1], replies[0])
        self.assertEqual(replies[1][-1], ("+", b"PONG"))


class CommandLine(unittest.TestCase):
    def test_version_prints_and_exits_0(self):
        for flag in ("--version", "-v"):
            p = run_binary(keel_binary(), [flag])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"^Keel server v=\d+\.\d+\.\d+ redis-compat=7\.0\.\d+ "
                             r"malloc=\S+ bits=64\n$")

    def test_help_prints_usage_and_exits_0(self):
        for flag in ("--help", "-h"):
            p = run_binary(keel_binary(), [flag])
            self.assertEqual(p.returncode, 0)
            text = p.stdout + p.stderr
            self.assertIn("Usage: ./keel-server [/path/to/keel.conf] [options] [-]", text)
            self.assertIn("--version", text)
            self.assertIn("--port 7777", text)


class BadConfiguration(unittest.TestCase):
    """A bad line stops startup with exit code 1 and Redis's fatal banner naming the line; the
    text is redis-server's apart from the product name in the banner."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keel-e2e-conf-")

    def check_like_redis(self, config_text, args, line, quoted):
        path = os.path.join(self.dir, "bad.conf")
        if config_text is not None:
            with open(path, "w") as f:
                f.write(config_text)
        argv = ([path] if config_text is not None else []) + list(args)
        keel = run_binary(keel_binary(), argv)
        redis_ = run_binary(tu.REDIS_SERVER, argv)
        self.assertEqual(redis_.returncode, 1, redis_.stderr)
        self.assertEqual(keel.returncode, 1, keel.stdout + keel.stderr)
        self.assertIn("*** FATAL CONFIG FILE ERROR (Keel ", keel.stderr)
        self.assertIn("Reading the configuration file, at line %d\n" % line, keel.stderr)
        self.assertIn(">>> '%s'\n" % quoted, keel.stderr)
        normalized = re.sub(r"\(Keel [^)]*\)", "(Redis X)", keel.stderr)
        self.assertEqual(normalized, re.sub(r"\(Redis [^)]*\)", "(Redis X)", redis_.stderr))
        self.assertEqual(keel.stdout, "")
        return keel.stderr

    def test_unknown_directive_names_the_line(self):
        err = self.check_like_redis("port 7000\n# a comment\n\nnosuchdirective 1 2\n", [], 4,
                                    "nosuchdirective 1 2")
        self.assertIn("Bad directive or wrong number of arguments", err)

    def test_bad_integer_value_names_the_line(self):
        err = self.check_like_redis("port 7000\nmaxclients lots\n", [], 2, "maxclients lots")
        self.assertIn("argument couldn't be parsed into an integer", err)

    def test_out_of_range_value_names_the_line(self):
        self.check_like_redis("hz 10\nport 99999\n", [], 2, "port 99999")

    def test_bad_yes_no_value_names_the_line(self):
        err = self.check_like_redis("protected-mode maybe\n", [], 1, "protected-mode maybe")
        self.assertIn("argument must be 'yes' or 'no'", err)

    def test_bad_enum_value_names_the_line(self):
        self.check_like_redis("loglevel loud\n", [], 1, "loglevel loud")

    def test_bad_command_line_option_counts_lines_after_the_file(self):
        # The options become lines after a newline that follows the file's text.
        self.check_like_redis("port 7000\nhz 10\n", ["--maxclients", "x"], 4,
                              'maxclients "x"')

    def test_unknown_command_line_option(self):
        self.check_like_redis(None, ["--port", "7000", "--nosuchoption", "1"], 3,
                              'nosuchoption "1"')


class StartupAndConfigFile(unittest.TestCase):
    def test_config_file_with_command_line_overrides(self):
        unused = tu.free_port()
        text = ("# keel test configuration\nport %d\nhz 20\nmaxclients 77\n"
                "timeout 300\n" % unused)
        # ServerProcess adds --port <free port> after the file; --hz and --timeout override too.
        keel = tu.start_keel(config_text=text, args=["--hz", "30", "--timeout", "0"])
        try:
            r = keel.client()
            self.assertEqual(r.config_get("port"), {"port": str(keel.port)})
            self.assertEqual(r.config_get("hz"), {"hz": "30"})
            self.assertEqual(r.config_get("timeout"), {"timeout": "0"})
            self.assertEqual(r.config_get("maxclients"), {"maxclients": "77"})
            info = r.info("server")
            self.assertEqual(info["config_file"], os.path.join(keel.dir, "server.conf"))
            self.assertEqual(info["hz"], 30)
            self.assertIn("Configuration loaded", keel.read_log())
        finally:
            self.assertEqual(keel.stop(), 0)

    def test_startup_log_line_names_version_port_pid_and_backend(self):
        keel = tu.start_keel()
        try:
            log = keel.read_log()
            m = re.search(r"Keel version=(\d+\.\d+\.\d+) \(Redis (7\.0\.\d+) compatible\), "
                          r"bits=64, pid=(\d+), port=(\d+), io_backend=(\w+)", log)
            self.assertIsNotNone(m, log)
            self.assertEqual(int(m.group(3)), keel.proc.pid)
            self.assertEqual(int(m.group(4)), keel.port)
            self.assertIn(m.group(5), ("io_uring", "epoll"))
            info = keel.client().info("server")
            self.assertEqual(info["multiplexing_api"], m.group(5))
            self.assertEqual(info["redis_version"], m.group(2))
            self.assertEqual(info["process_id"], keel.proc.pid)
            self.assertIn("Ready to accept connections", log)
        finally:
            self.assertEqual(keel.stop(), 0)

    def test_logfile_directive_sends_the_log_to_that_file(self):
        logfile = os.path.join(tempfile.mkdtemp(prefix="keel-e2e-log-"), "keel.log")
        keel = tu.start_keel(config_text="logfile %s\n" % logfile)
        try:
            self.assertTrue(keel.client().ping())
        finally:
            self.assertEqual(keel.stop(), 0)
        with open(logfile) as f:
            text = f.read()
        self.assertIn("Keel is starting", text, "nothing was logged to the logfile")
        self.assertIn("Received SIGTERM scheduling shutdown", text)
        self.assertNotIn("Keel is starting", keel.read_log(), "the log still went to stdout")

    def test_loglevel_warning_on_the_command_line_hides_notice_lines(self):
        keel = tu.start_keel(args=["--loglevel", "warning"])
        try:
            self.assertEqual(keel.client().config_get("loglevel"), {"loglevel": "warning"})
        finally:
            self.assertEqual(keel.stop(), 0)
        log = keel.read_log()
        # Notice lines carry '*'; warnings '#'.
        notices = [line for line in log.splitlines() if re.match(r"^\d+:[MC] .* \* ", line)]
        self.assertEqual(notices, [], "notice lines logged at loglevel warning")
        self.assertIn("Received SIGTERM scheduling shutdown", log)


class DaemonMode(unittest.TestCase):
    def test_daemonize_writes_the_pidfile_and_detaches(self):
        d = tempfile.mkdtemp(prefix="keel-e2e-daemon-")
        pidfile = os.path.join(d, "keel.pid")
        port = tu.free_port()
        p = run_binary(keel_binary(), [
            "--daemonize", "yes", "--pidfile", pidfile, "--port", str(port),
            "--bind", "127.0.0.1", "--dir", d, "--save", "", "--logfile",
            os.path.join(d, "keel.log")])
        # The foreground process exits at once; the daemon carries on.
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        pid = None
        try:
            def read_pid():
                try:
                    with open(pidfile) as f:
                        text = f.read()
                    return int(text) if text.endswith("\n") else None
                except (FileNotFoundError, ValueError):
                    return None
            pid = tu.wait_until(read_pid, 30)
            self.assertIsNotNone(pid, "no pid file was written")
            self.assertIn(process_state(pid), ("R", "S", "D"))
            # Detached: its own session, not our child, stdio on /dev/null.
            self.assertEqual(os.getsid(pid), pid)
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            self.assertNotEqual(ppid, os.getpid())
            for fd in (0, 1, 2):
                self.assertEqual(os.readlink("/proc/%d/fd/%d" % (pid, fd)), "/dev/null")

            def serving():
                try:
                    with tu.RawClient(port, timeout=5) as c:
                        return c.call("PING") == ("+", b"PONG")
                except OSError:
                    return False
            self.assertTrue(tu.wait_until(serving, 30))
            with tu.RawClient(port) as c:
                info = c.call("INFO", "server")[1].decode()
            self.assertIn("process_id:%d\r\n" % pid, info)
            os.kill(pid, signal.SIGTERM)
            # The daemon is not our child: it is gone when it disappears or is a zombie.
            self.assertTrue(tu.wait_until(lambda: process_state(pid) in (None, "Z"), 60))
            self.assertFalse(os.path.exists(pidfile), "the pid file was not removed on exit")
            pid = None
        finally:
            if pid is not None and process_state(pid) not in (None, "Z"):
                os.kill(pid, signal.SIGKILL)


class IoBackends(unittest.TestCase):
    """The same functional check against each I/O backend."""

    def functional_check(self, keel):
        r = keel.client()
        self.assertTrue(r.set("a", "1"))
        self.assertEqual(r.get("a"), b"1")
        self.assertEqual(r.incr("a"), 2)
        self.assertEqual(r.delete("a"), 1)
        self.assertIsNone(r.get("a"))
        # A redis-py pipeline.
        pipe = r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set("p:%d" % i, i)
            pipe.get("p:%d" % i)
        results = pipe.execute()
        self.assertEqual(results[0::2], [True] * 2000)
        self.assertEqual(results[1::2], [b"%d" % i for i in range(2000)])
        # A raw pipeline in one write.
        with tu.RawClient(keel.port) as c:
            c.send(b"".join(tu.encode_command("INCR", "raw") for _ in range(3000)))
            self.assertEqual([c.read_reply() for _ in range(3000)],
                             [(":", i + 1) for i in range(3000)])
        # A value larger than any socket buffer.
        big = os.urandom(3 << 20)
        self.assertTrue(r.set("big", big))
        self.assertEqual(r.get("big"), big)
        # Concurrent clients.
        errors = []

        def work(n):
            try:
                c = keel.client()
                for i in range(30):
                    c.set("c:%d" % n, i)
                    if c.get("c:%d" % n) != b"%d" % i:
                        raise AssertionError("client %d read a stale value" % n)
                    c.incr("shared")
                c.close()
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(int(r.get("shared")), 50 * 30)

    def check_backend(self, name):
        try:
            keel = tu.start_keel(args=["--io-backend", name])
        except RuntimeError as e:
            if name == "io_uring" and "io_uring" in str(e):
                self.skipTest("io_uring is not available here: %s" % str(e)[-300:])
            raise
        try:
            m = re.search(r"io_backend=(\w+)", keel.read_log())
            self.assertIsNotNone(m)
            self.assertEqual(m.group(1), name)
            self.assertEqual(keel.client().info("server")["multiplexing_api"], name)
            self.assertEqual(keel.client().config_get("io-backend"), {"io-backend": name})
            self.functional_check(keel)
        finally:
            self.assertEqual(keel.stop(), 0)

    def test_epoll_backend_serves_correctly(self):
        self.check_backend("epoll")

    def test_io_uring_backend_serves_correctly(self):
        self.check_backend("io_uring")


if __name__ == "__main__":
    unittest.main()
