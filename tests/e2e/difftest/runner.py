"""Drives keel-server and redis-server with the same generated stream and compares every reply.

Simple commands go out in pipelined batches (sent to both servers before either is read, so the
servers work in parallel); interactive ops (full SCANs, RANDOMKEY) run between batches. The first
mismatch stops the run with a report (seed, command index, recent commands, both replies), or,
with keep_going, is recorded and both servers are flushed so the stream can go on."""

import collections
import sys
import time

from . import families  # noqa: F401  (registers every family before Gen reads the registry)
from . import dump
from .gen import ALL_DBS, Gen
from .ops import Cmd
from .resp import Connection, ProtocolError, format_command, format_reply

SIDES = ("keel", "redis")


class Mismatch(Exception):
    pass


class ServerFailure(Exception):
    """A server closed the connection, timed out or sent something that is not RESP."""

    def __init__(self, side, error):
        super().__init__("%s failed: %s: %s" % (SIDES[side], type(error).__name__, error))
        self.in_flight = []  # pipelined commands that got no reply; any of them may be the cause


class Runner:
    def __init__(self, keel_port, redis_port, seed, n_commands, keep_going=False, batch=64,
                 history=20, out=sys.stderr, families=None):
        self.conns = (Connection(keel_port), Connection(redis_port))
        self.seed = seed
        self.n_commands = n_commands
        self.families = families
        self.gen = Gen(seed, n_commands, families)
        self.keep_going = keep_going
        self.batch = batch
        self.history = collections.deque(maxlen=history)
        self.index = 0  # commands sent to both servers so far, including those of interactive ops
        self.mismatches = []  # (index, command, keel reply, redis reply, reason)
        self.out = out
        self.ops_run = 0
        self.db = 0  # the database selected on the servers, as of the last command checked

    def close(self):
        for c in self.conns:
            c.close()

    # --- primitives used by ops and dump ---

    def _send(self, side, commands):
        try:
            self.conns[side].send(commands)
        except OSError as e:
            raise ServerFailure(side, e)

    def _read(self, side):
        try:
            return self.conns[side].read()
        except (OSError, ProtocolError) as e:
            raise ServerFailure(side, e)

    def call_one(self, side, args):
        """One command on one server (for ops whose follow-up commands depend on the reply)."""
        self.index += 1
        self.history.append((self.index, SIDES[side], args))
        self._send(side, [args])
        return self._read(side)

    def call_both(self, args):
        self.index += 1
        self.history.append((self.index, None, args))
        for side in (0, 1):
            self._send(side, [args])
        ra, rb = self._read(0), self._read(1)
        self._track_db(args, rb)
        return ra, rb

    def _track_db(self, args, redis_reply):
        if redis_reply == ("+", b"OK") and args[0].upper() == b"SELECT":
            self.db = int(args[1])

    def mismatch(self, args, ra, rb, reason):
        entry = (self.index, args, ra, rb, reason)
        self.mismatches.append(entry)
        text = self.describe(entry)
        if not self.keep_going:
            raise Mismatch(text)
        print(text, file=self.out)
        self.resync()

    def describe(self, entry):
        index, args, ra, rb, reason = entry
        lines = ["DIFFERENTIAL MISMATCH: seed %d, command #%d (db %d): %s"
                 % (self.seed, index, self.db, reason),
                 "  command: " + format_command(args),
                 "  keel:    " + ("-" if ra is None else format_reply(ra)),
                 "  redis:   " + ("-" if rb is None else format_reply(rb)),
                 "  last %d commands (keel and redis each got them unless marked):"
                 % len(self.history)]
        for i, side, a in self.history:
            lines.append("    #%-7d %s%s" % (i, "[%s only] " % side if side else "",
                                            format_command(a)))
        lines.append("  reproduce: /usr/bin/python3 tests/e2e/test_differential.py --seed %d "
                     "--commands %d%s%s" % (
                                         self.seed, self.n_commands,
                                         " --batch %d" % self.batch if self.batch != 64 else "",
                                         " --families %s" % ",".join(sorted(self.families))
                                         if self.families else ""))
        return "\n".join(lines)

    def resync(self):
        """After a mismatch in keep_going mode: empty every database on both servers."""
        for side in (0, 1):
            for db in range(ALL_DBS):
                self._send(side, [[b"SELECT", b"%d" % db], [b"FLUSHDB"]])
                self._read(side), self._read(side)
            # The generator is past every command sent so far, so its db is the servers' db.
            self._send(side, [[b"SELECT", b"%d" % self.gen.db]])
            self._read(side)
        self.db = self.gen.db

    # --- the stream ---

    def setup(self):
        for args in ([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"], [b"SELECT", b"0"]):
            ra, rb = self.call_both(args)
            if ra != ("+", b"OK") or rb != ("+", b"OK"):
                raise Mismatch("setup command %s failed: keel %s, redis %s"
                               % (format_command(args), format_reply(ra), format_reply(rb)))

    def _flush_batch(self, pending):
        if not pending:
            return
        for side in (0, 1):
            self._send(side, [op.args for op in pending])
        replies = ([], [])
        for side in (0, 1):
            try:
                for _ in pending:
                    replies[side].append(self._read(side))
            except ServerFailure as e:
                # A server that dies mid-batch may not have sent the replies of the commands
                # before the fatal one either: list every command that got no reply.
                answered = len(replies[side])
                for op in pending[:answered]:
                    self.index += 1
                    self.history.append((self.index, None, op.args))
                e.in_flight = [(self.index + 1 + i, op.args)
                               for i, op in enumerate(pending[answered:])]
                raise
        for n, op in enumerate(pending):
            self.index += 1
            self.history.append((self.index, None, op.args))
            ra, rb = replies[0][n], replies[1][n]
            self._track_db(op.args, rb)
            reason = op.check(ra, rb, self.gen)
            if reason:
                self.mismatch(op.args, ra, rb, reason)
                # (keep_going) The rest of the batch ran on diverging state: count, don't check.
                self.index += len(pending) - n - 1
                return

    def run(self, progress_every=0, deadline=None):
        """Runs n_commands ops, or fewer if time.time() passes deadline (the prefix of the same
        stream: a seed still reproduces it), then compares the keyspaces. Raises Mismatch on the
        first difference (unless keep_going) and when a server stops answering."""
        try:
            self._run(progress_every, deadline)
        except ServerFailure as e:
            if e.in_flight:
                index, last = e.in_flight[0]
                reason = ("%s; no reply to %d pipelined commands (rerun with --batch 1 to find "
                          "the one that failed):\n%s" % (e, len(e.in_flight), "\n".join(
                              "    #%-7d %s" % (i, format_command(a)) for i, a in e.in_flight)))
            else:
                index, _, last = self.history[-1] if self.history else (self.index, None, [])
                reason = str(e)
            raise Mismatch(self.describe((index, last, None, None, reason)))
        return self.mismatches

    def _run(self, progress_every, deadline):
        self.setup()
        pending = []
        pending_bytes = 0
        while self.ops_run < self.n_commands:
            if deadline is not None and self.ops_run % 1000 == 0 and time.time() > deadline:
                print("differential: time budget used up after %d ops" % self.ops_run,
                      file=self.out)
                break
            for op in self.gen.next_ops():
                self.ops_run += 1
                if isinstance(op, Cmd):
                    pending.append(op)
                    pending_bytes += sum(len(a) for a in op.args)
                    if len(pending) >= self.batch or pending_bytes > 65536:
                        self._flush_batch(pending)
                        pending, pending_bytes = [], 0
                else:
                    self._flush_batch(pending)
                    pending, pending_bytes = [], 0
                    op.run(self)
            if progress_every and self.ops_run % progress_every == 0:
                print("  %d ops, %d mismatches" % (self.ops_run, len(self.mismatches)),
                      file=self.out)
        self._flush_batch(pending)
        dump.compare_keyspaces(self)
