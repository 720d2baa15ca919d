"""Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE SINTER
SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, mixing integer members (intset)
with strings; and the "set" dumper."""

from .. import checks
from ..collection_ops import ElementScan, RandomRead, SyncedPop
from ..ops import Cmd
from ..registry import family

fam = family("sets", share=25)
fam.arity(SADD=-3, SREM=-3, SCARD=2, SISMEMBER=3, SMISMEMBER=-3, SMEMBERS=2, SRANDMEMBER=-2,
          SPOP=-2, SMOVE=4, SINTER=-2, SINTERCARD=-3, SINTERSTORE=-3, SUNION=-2, SUNIONSTORE=-3,
          SDIFF=-2, SDIFFSTORE=-3, SSCAN=-3)

INTS = [b"%d" % i for i in range(-5, 20)] + [
    b"9223372036854775807", b"-9223372036854775808", b"65535", b"65536", b"-32768", b"-32769",
    b"2147483647", b"2147483648", b"-2147483649"]
STRINGS = [b"a", b"b", b"c", b"01", b"+1", b"-0", b"1.0", b"", b" 1", b"x" * 70]


@fam.dumper("set")
def dump_set(call, key):
    kind, members = call([b"SMEMBERS", key])
    return ("*", [call([b"OBJECT", b"ENCODING", key]), (kind, sorted(members or []))])


def _member(g):
    return g.element(INTS if g.chance(0.7) else STRINGS)


def _members(g, lo=1, hi=4):
    if g.chance(0.02):  # many members: crosses set-max-intset-entries (512)
        return [b"%d" % g.rng.randrange(-1000, 1000) for _ in range(g.rng.randint(200, 700))]
    return [_member(g) for _ in range(g.rng.randint(lo, hi))]


@fam.command(14)
def sadd(g):
    return Cmd("SADD", g.key(), *_members(g))


@fam.command(5)
def srem(g):
    return Cmd("SREM", g.key(), *_members(g, 1, 3))


@fam.command(6)
def small_reads(g):
    cmd = g.pick(["SCARD", "SISMEMBER", "SMISMEMBER"])
    if cmd == "SCARD":
        return Cmd(cmd, g.key())
    if cmd == "SISMEMBER":
        return Cmd(cmd, g.key(), _member(g))
    return Cmd(cmd, g.key(), *_members(g, 1, 4))


@fam.command(4)
def smembers(g):
    return Cmd("SMEMBERS", g.key(), check=checks.unordered)


@fam.command(3)
def srandmember(g):
    args = ["SRANDMEMBER", g.key()]
    if g.chance(0.7):
        args.append(b"%d" % g.rng.randint(-6, 8) if g.chance(0.9) else g.pick(
            [b"0", b"x", b"1.5", b"-1000", b"9223372036854775807", b"-9223372036854775808",
             b"4611686018427387904"]))
    return RandomRead(*args)


@fam.command(3)
def spop(g):
    args = ["SPOP", g.key()]
    if g.chance(0.6):
        args.append(g.count_arg(-1, 6))
    return SyncedPop(*args)


@fam.command(3)
def smove(g):
    return Cmd("SMOVE", g.key(), g.key(), _member(g))


@fam.command(6)
def algebra(g):
    cmd = g.pick(["SINTER", "SUNION", "SDIFF"])
    if g.chance(0.4):
        return Cmd(cmd + "STORE", g.key(), *g.keys(1, 3))
    # SDIFF keeps the first set's order only partly: compare as multisets.
    return Cmd(cmd, *g.keys(1, 3), check=checks.unordered)


@fam.command(2)
def sintercard(g):
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"-1", b"9", b"x"])
    args = ["SINTERCARD", numkeys] + keys
    if g.chance(0.4):
        args += [g.case(b"LIMIT"), g.count_arg(-1, 5)]
    return Cmd(*args)


@fam.command(2)
def sscan(g):
    match = g.pick([b"1*", b"*", b"?", b"a*", b"-*"]) if g.chance(0.4) else None
    count = g.rng.randint(1, 20) if g.chance(0.5) else None
    return ElementScan("SSCAN", g.key(), False, match, count)


@fam.command(1)
def encoding(g):
    return Cmd("OBJECT", "ENCODING", g.key())
