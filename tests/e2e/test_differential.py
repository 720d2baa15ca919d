#!/usr/bin/python3
"""Differential test: a seeded random stream of commands goes to keel-server and to Debian's
redis-server, and every reply must be identical (type and bytes; error texts included), except
where Redis itself is nondeterministic or the reply depends on the wall clock; then both
keyspaces are compared in full. See difftest/ for the generator, its families and the checks.

    /usr/bin/python3 tests/e2e/test_differential.py                    # as ctest runs it
    /usr/bin/python3 tests/e2e/test_differential.py --commands 200000 --seed 7 [--keep-going]
        [--batch 1] [--progress 10000]

KEEL_SERVER (and REDIS_SERVER) select the binaries; KEEL_DIFF_COMMANDS, KEEL_DIFF_SEED,
KEEL_DIFF_FAMILIES (e.g. "lists,keys") and KEEL_DIFF_SECONDS (time budget) change the unittest's
stream; ctest runs the mixed stream and one stream per data type (tests/CMakeLists.txt). KEEL_SERVER=/usr/bin/redis-server
runs Redis against itself, which must never report a mismatch: that checks the test.

A new data type is covered by a module in difftest/families/ (generators for its commands,
their arities, a dumper for its TYPE), listed in difftest/families/__init__.py."""

import argparse
import os
import random
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keel_testutil  # noqa: E402
from difftest.resp import quote  # noqa: E402
from difftest.runner import Mismatch, Runner  # noqa: E402

DEFAULT_COMMANDS = 250000
DEFAULT_SEED = 20250101
# The unittest stops generating after this many seconds (an ASan build on a busy machine), and
# then still compares the keyspaces; the command line runs the whole stream.
UNITTEST_BUDGET_S = 180
DEBUG_FLAGS = ["--enable-debug-command", "yes"]


def run_stream(seed, commands, keep_going=False, progress=0, out=sys.stderr, budget=None,
               batch=64, families=None):
    """Starts both servers, runs one stream and returns (runner, seconds). Raises Mismatch on a
    difference, and when keel-server does not exit cleanly on SIGTERM (a sanitizer report)."""
    keel = keel_testutil.start_keel(args=DEBUG_FLAGS)
    clean = False
    try:
        redis_server = keel_testutil.start_redis()
        try:
            runner = Runner(keel.port, redis_server.port, seed, commands, keep_going=keep_going,
                            batch=batch, out=out, families=families)
            started = time.time()
            try:
                runner.run(progress_every=progress,
                           deadline=started + budget if budget else None)
            finally:
                runner.close()
            seconds = time.time() - started
            clean = True
        finally:
            redis_server.stop()
    finally:
        code = keel.stop()
        if code not in (0, -signal.SIGTERM):
            with open(keel.log_path, errors="replace") as f:
                tail = f.read()[-8000:]
            text = "keel-server exited with %s; the end of its log:\n%s" % (code, tail)
            if clean:
                raise Mismatch(text)
            print(text, file=out)
    return runner, seconds


class DifferentialTest(unittest.TestCase):
    def test_random_stream_matches_redis(self):
        seed = int(os.environ.get("KEEL_DIFF_SEED", DEFAULT_SEED))
        commands = int(os.environ.get("KEEL_DIFF_COMMANDS", DEFAULT_COMMANDS))
        budget = float(os.environ.get("KEEL_DIFF_SECONDS", UNITTEST_BUDGET_S))
        only = os.environ.get("KEEL_DIFF_FAMILIES")
        families = set(only.split(",")) if only else None
        try:
            runner, seconds = run_stream(seed, commands, budget=budget, families=families)
        except Mismatch as e:
            self.fail("\n" + str(e))
        print("\ndifferential: seed %d, %d ops, %d commands, %.1f s"
              % (seed, runner.ops_run, runner.index, seconds), file=sys.stderr)


class DifferentialHarnessTest(unittest.TestCase):
    """The harness itself must be able to fail: a divergence is caught, clock noise is not."""

    def test_divergent_servers_are_reported(self):
        # Two redis-servers that differ only in the number of databases: the first command that
        # names database 3 (SELECT, SWAPDB, MOVE, COPY ... DB) must be reported.
        a = keel_testutil.start_redis(args=["--databases", "3"])
        b = keel_testutil.start_redis()
        try:
            runner = Runner(a.port, b.port, seed=1, n_commands=3000)
            with self.assertRaises(Mismatch) as ctx:
                runner.run()
            runner.close()
        finally:
            a.stop()
            b.stop()
        text = str(ctx.exception)
        self.assertIn("seed 1", text)
        self.assertIn("DB index is out of range", text)
        # The report shows the commands before the divergence, at most 20 of them.
        window = re.search(r"last (\d+) commands", text)
        self.assertIsNotNone(window, text)
        self.assertTrue(1 <= int(window.group(1)) <= 20, text)
        self.assertIn("reproduce:", text)

    def test_checks(self):
        from difftest import checks
        from difftest.gen import Gen
        gen = Gen(1, 1000)
        self.assertIsNone(checks.exact(("+", b"OK"), ("+", b"OK"), gen))
        self.assertIsNotNone(checks.exact(("+", b"OK"), ("$", b"OK"), gen))
        self.assertIsNotNone(checks.exact((":", b"0"), (":", b"-0"), gen))
        self.assertIsNone(checks.unordered(("*", [("$", b"a"), ("$", b"b")]),
                                           ("*", [("$", b"b"), ("$", b"a")]), gen))
        self.assertIsNotNone(checks.unordered(("*", [("$", b"a")]), ("*", [("$", b"b")]), gen))
        self.assertIsNone(checks.ttl_ms((":", b"100000000"), (":", b"99999500"), gen))
        self.assertIsNotNone(checks.ttl_ms((":", b"100000000"), (":", b"99990000"), gen))
        self.assertIsNotNone(checks.ttl_s((":", b"-1"), (":", b"-2"), gen))
        relative = gen.start_ms + 100_000_000
        self.assertIsNone(checks.abstime_ms((":", b"%d" % relative), (":", b"%d" % (relative + 3)),
                                            gen))
        self.assertIsNotNone(checks.abstime_ms((":", b"2500000000000"), (":", b"2500000000001"),
                                               gen))
        self.assertIsNotNone(checks.abstime_s((":", b"2500000000"), (":", b"2500000001"), gen))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] + " Without options "
                                "this file runs as a unittest module.")
    p.add_argument("--commands", type=int, default=DEFAULT_COMMANDS, metavar="N",
                   help="generated ops (a full SCAN or RANDOMKEY counts as one; default %d)"
                   % DEFAULT_COMMANDS)
    p.add_argument("--seed", type=int, default=None, help="default: random")
    p.add_argument("--keep-going", action="store_true",
                   help="report every mismatch (flushing both servers after each) instead of "
                        "stopping at the first")
    p.add_argument("--progress", type=int, default=0, metavar="N",
                   help="print progress every N ops")
    p.add_argument("--families", default=None, metavar="A,B",
                   help="only these command families (default: all), e.g. lists,keys")
    p.add_argument("--batch", type=int, default=64, metavar="N",
                   help="commands pipelined per round trip (1: one at a time, which pins down "
                        "the command that crashed a server; the stream is the same)")
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    print("differential: seed %d, %d ops, keel-server %s, redis-server %s"
          % (seed, args.commands, keel_testutil.KEEL_SERVER, keel_testutil.REDIS_SERVER))
    try:
        families = set(args.families.split(",")) if args.families else None
        runner, seconds = run_stream(seed, args.commands, args.keep_going, args.progress,
                                     out=sys.stdout, batch=args.batch, families=families)
    except Mismatch as e:
        print(e)
        return 1
    print("differential: %d ops (%d commands incl. SCAN rounds and the final dump) in %.1f s, "
          "%d mismatches" % (runner.ops_run, runner.index, seconds, len(runner.mismatches)))
    if runner.mismatches:
        counts = {}
        for _, args_, _, _, _ in runner.mismatches:
            name = quote(args_[0].upper(), 24) if args_ else "?"
            counts[name] = counts.get(name, 0) + 1
        print("mismatches by command: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    return 1 if runner.mismatches else 0


if __name__ == "__main__":
    # With any of the stream options this is a command-line tool; otherwise a unittest module.
    STREAM_FLAGS = ("--commands", "--seed", "--keep-going", "--progress", "--batch", "--families",
                    "--help", "-h")
    if any(a.split("=")[0] in STREAM_FLAGS for a in sys.argv[1:]):
        sys.exit(main())
    unittest.main()
