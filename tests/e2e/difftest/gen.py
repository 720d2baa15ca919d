"""The seeded generator state shared by all families: the key space, the pools of values and
arguments, the databases in use, and the rules for expiry times.

Expiry times never depend on timing. Absolute times are fixed constants far in the past or
future. Relative times (EX, PX, EXPIRE, ...) are "tier + 2 s per op generated so far": each is
at least a day away, and later commands always ask for a later time than earlier ones within a
tier. So GT/LT and NX/XX decisions never hinge on which millisecond a server executed a command,
and no key expires by itself during a run. Keys that are already expired come from SET with an
EXAT/PXAT in the past, which Redis stores and expires lazily (active expiry is switched off)."""

import random
import time

from . import registry

N_DBS = 4  # databases the stream uses; SELECT/MOVE/SWAPDB/COPY aim at 0..N_DBS-1
ALL_DBS = 16

# 50 keys: plain names plus names that are interesting to glob patterns, binary or empty.
KEYS = [b"k%d" % i for i in range(38)] + [
    b"", b"a b", b"\x00bin\xff", b"{t}k", b"*", b"k*", b"k?", b"[k]", b"\\k", b"k\xc3\xa9",
    b"K1", b"k10x"]

INT_LIKE = [
    b"0", b"-0", b"007", b" 1", b"1 ", b"+1", b"00", b"-1", b"1\x00", b"\t1", b"",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
    b"-9223372036854775809", b"9223372036854775806", b"-9223372036854775807",
    b"18446744073709551615", b"99999999999999999999999", b"4611686018427387904",
    b"1e3", b"inf", b"-inf", b"+inf", b"nan", b"3.14", b"0x10", b"1.0", b"10.5e2", b"-0.0",
    b".5", b"5.", b"1e400", b"1e-400", b"0.1", b"1_000", b"12345678901234567890", b"abc",
]

FLOAT_LIKE = [
    b"0.1", b"-0.1", b"1.5", b"1e3", b"-1e3", b"1e308", b"-1e308", b"inf", b"-inf", b"nan",
    b"abc", b"", b" 1", b"1 ", b"0x10", b"1.7976931348623157e308", b"5e-324", b"3", b"-3", b"0",
    b"-0", b"1e4932", b"1e5000", b"0.0000001", b"123456789.123456789", b"1e17", b"-2.5e-5",
    b"3.0", b"+2", b"1e", b".", b"1.1.1", b"10000000000000000000000", b"0.3333333333333333",
    b"7", b"-7", b"2.5", b"1e-10",
]

WORDS = [b"hello", b"world", b"foo", b"bar", b"keel", b"redis", b"a", b"\xff\xfe", b"\r\n",
         b"\x00", b"space here", b"\"quoted\"", b"*", b"?", b"[a-z]"]

# Relative expiry tiers in seconds: a day, 116 days, 127 years.
REL_TIERS_S = (100_000, 10_000_000, 4_000_000_000)
ABS_FUTURE_S = (2_500_000_000, 3_000_000_000, 4_102_444_800, 9_000_000_000)
ABS_PAST_S = (1, 1_000_000_000, 1_600_000_000, 1_700_000_000)
# Out-of-range or malformed expiry arguments. As seconds (and as absolute times of either unit)
# each gets a fixed error or result. As relative milliseconds 9223372036854775 would be a valid
# expiry ~292,000 years from now whose exact value depends on the clock, so that list has only
# values Redis rejects or turns into an expiry in the past.
BAD_EXPIRES = [b"9223372036854775807", b"-9223372036854775808", b"9223372036854776",
               b"9223372036854775", b"-9223372036854776", b"-9223372036854775", b"abc", b"1.5",
               b"", b" 1", b"1e3", b"18446744073709551616", b"+1"]
BAD_RELATIVE_MS = [b"9223372036854775807", b"-9223372036854775808", b"abc", b"1.5", b"", b" 1",
                   b"1e3", b"18446744073709551616", b"+1", b"0x10"]


class Gen:
    def __init__(self, seed, max_ops, families=None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.tick = 0  # ops generated so far; drives relative expiry times
        self.db = 0  # the database the stream has SELECTed
        self.start_ms = int(time.time() * 1000)
        self.clock_tolerance_ms = 2000
        self._gens, self._cum = registry.weighted_generators(families)  # families/ imported
        # Relative expiries land within these windows (with a day's slack for slow runs).
        slack_s = 2 * max_ops + 2 * 86400
        self.windows_ms = [(self.start_ms + (t - 86400) * 1000,
                            self.start_ms + (t + slack_s) * 1000) for t in REL_TIERS_S]
        for s in ABS_FUTURE_S + ABS_PAST_S:
            if self.in_relative_window(s * 1000):
                raise RuntimeError("fixed expiry %d lies among relative ones; the clock is odd" % s)

    def in_relative_window(self, ms):
        return any(lo <= ms <= hi for lo, hi in self.windows_ms)

    def next_ops(self):
        """Returns the next op(s) of the stream as a list."""
        self.tick += 1
        fn = self.rng.choices(self._gens, cum_weights=self._cum)[0]
        ops = fn(self)
        return ops if isinstance(ops, list) else [ops]

    # --- random pieces the families share ---

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def key(self):
        return KEYS[self.rng.randrange(len(KEYS))]

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def dbindex(self):
        return self.rng.randrange(N_DBS)

    def int_arg(self, lo=-100, hi=100):
        """An integer argument: usually in [lo, hi], sometimes an edge or malformed one."""
        r = self.rng.random()
        if r < 0.85:
            return b"%d" % self.rng.randint(lo, hi)
        return self.pick(INT_LIKE)

    def float_arg(self):
        r = self.rng.random()
        if r < 0.15:
            return b"%d" % self.rng.randint(-50, 50)
        if r < 0.45:
            return b"%.3f" % self.rng.uniform(-100, 100)
        if r < 0.6:
            # Any magnitude and up to 17 significant digits: exercises the formatting of sums.
            x = self.rng.uniform(-1, 1) * 10.0 ** self.rng.randint(-20, 25)
            return (b"%." + b"%d" % self.rng.randint(1, 17) + b"g") % x
        return self.pick(FLOAT_LIKE)

    def case(self, token):
        """An option keyword, sometimes in lower or mixed case (Redis ignores case)."""
        r = self.rng.random()
        if r < 0.85:
            return token
        if r < 0.93:
            return token.lower()
        return bytes(c ^ 0x20 if 65 <= (c & ~0x20) <= 90 and self.chance(0.5) else c
                     for c in token)

    def value(self):
        r = self.rng.random()
        if r < 0.35:
            return b"%d" % self.rng.randint(-1000, 1000)
        if r < 0.45:
            return self.pick(INT_LIKE)
        if r < 0.55:
            return self.pick(FLOAT_LIKE)
        if r < 0.72:
            return self.pick(WORDS)
        if r < 0.75:
            # All-ones and all-zero bytes: the edge cases of BITPOS and BITCOUNT.
            return self.pick([b"\xff", b"\x00", b"\x0f"]) * self.rng.randint(1, 24)
        if r < 0.97:
            return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 40)))
        # Rarely a larger value, repeated pattern so generation stays cheap.
        unit = bytes(self.rng.getrandbits(8) for _ in range(16))
        return (unit * 400)[:self.rng.randint(100, 6000)]

    # --- expiry arguments (see the module comment) ---

    def rel_seconds(self):
        return self.pick(REL_TIERS_S) + 2 * self.tick

    def rel_ms(self):
        return self.rel_seconds() * 1000 + self.rng.randrange(1000)

    def expire_seconds(self, allow_nonpositive=True):
        """An argument for EXPIRE / SET EX: relative seconds, sometimes <= 0 or malformed."""
        r = self.rng.random()
        if r < 0.85:
            return b"%d" % self.rel_seconds()
        if r < 0.93 and allow_nonpositive:
            return self.pick([b"0", b"-1", b"-100000"])
        return self.pick(BAD_EXPIRES)

    def expire_ms(self, allow_nonpositive=True):
        r = self.rng.random()
        if r < 0.85:
            return b"%d" % self.rel_ms()
        if r < 0.93 and allow_nonpositive:
            return self.pick([b"0", b"-1", b"-100000000"])
        return self.pick(BAD_RELATIVE_MS)

    def expire_at_seconds(self, past_share=0.3):
        r = self.rng.random()
        if r < past_share:
            return b"%d" % self.pick(ABS_PAST_S + (0, -1))
        if r < 0.93:
            return b"%d" % self.pick(ABS_FUTURE_S)
        return self.pick(BAD_EXPIRES)

    def expire_at_ms(self, past_share=0.3):
        r = self.rng.random()
        sub = self.pick([0, 1, 499, 500, 501, 999])
        if r < past_share:
            return b"%d" % (self.pick(ABS_PAST_S) * 1000 + sub)
        if r < 0.93:
            return b"%d" % (self.pick(ABS_FUTURE_S) * 1000 + sub)
        return self.pick(BAD_EXPIRES)

    def element(self, pool=None):
        """A collection element: mostly from a small pool (so commands hit existing members),
        sometimes any value."""
        if pool is not None and self.chance(0.85):
            return self.pick(pool)
        return self.value()

    def count_arg(self, lo=-5, hi=20):
        """A count argument: mostly small, sometimes 0, negative, an edge or malformed."""
        return self.int_arg(lo, hi)

    def pattern(self):
        """A glob pattern for KEYS / SCAN MATCH: a known one, or a random mix of glob tokens."""
        if self.chance(0.3):
            tokens = [b"*", b"?", b"k", b"1", b"[", b"]", b"^", b"-", b"\\", b"0-9", b"[k1]",
                      b"[a-z]", b"[^k]", b"\\*", b"*k*", b"\xc3", b"\xff", b" ", b"{t}"]
            return b"".join(self.pick(tokens) for _ in range(self.rng.randint(1, 6)))
        return self.pick([
            b"*", b"k*", b"k?", b"k1*", b"k[0-3]*", b"k[^0-3]", b"k[!1]*", b"*\\**", b"\\*",
            b"[", b"k[a-", b"\\", b"k[3-1]", b"?", b"??", b"*b*", b"k\\?", b"[k]", b"\\[k\\]",
            b"{t}*", b"*\xff", b"K*", b"k[\\]]", b"**k*", b"k1?", b"", b"a b", b"*x", b"k[]]",
            b"\x00*", b"k[1-]", b"[^k]*", b"[\\", b"k*?*1",
        ])
