"""Keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY TOUCH."""

from .. import checks
from ..ops import Cmd, RandomKey, ScanAll
from ..registry import family

fam = family("keys", share=20)
fam.arity(DEL=-2, UNLINK=-2, EXISTS=-2, TYPE=2, KEYS=2, SCAN=-2, RANDOMKEY=1, RENAME=3,
          RENAMENX=3, MOVE=3, COPY=-3, TOUCH=-2)

TYPES = [b"string", b"list", b"set", b"zset", b"hash", b"stream", b"none", b"STRING", b"foo"]


@fam.command(5)
def delete(g):
    return Cmd(g.pick(["DEL", "UNLINK"]), *g.keys(1, 4 if g.chance(0.98) else 100))


@fam.command(5)
def exists(g):
    return Cmd("EXISTS", *g.keys(1, 4))


@fam.command(4)
def type_(g):
    return Cmd("TYPE", g.key())


@fam.command(2)
def keys(g):
    return Cmd("KEYS", g.pattern(), check=checks.unordered)


@fam.command(1.5)
def scan(g):
    match = g.pattern() if g.chance(0.5) else None
    count = None
    if g.chance(0.5):
        count = g.rng.randint(1, 100) if g.chance(0.95) else g.pick(
            [b"9223372036854775807", b"1000000", b"01"])
    type_ = g.pick(TYPES) if g.chance(0.3) else None
    return ScanAll(match, count, type_)


@fam.command(0.5)
def scan_bad(g):
    return Cmd("SCAN", *g.pick([
        [b"abc"], [b" 1"], [b"-"], [b"18446744073709551616"], [b"0", b"COUNT", b"0"],
        [b"0", b"COUNT", b"-1"], [b"0", b"COUNT", b"x"], [b"0", b"MATCH"], [b"0", b"FOO", b"1"],
        [b"0", b"COUNT"], [b"0", b"TYPE"], [b"1.5"]]))
    # (An empty cursor is not here: Redis reads it as 0, so its reply order is not comparable.)


@fam.command(1)
def randomkey(g):
    return RandomKey()


@fam.command(3)
def rename(g):
    src = g.key()
    dst = src if g.chance(0.1) else g.key()  # renaming a key to itself is a case of its own
    return Cmd(g.pick(["RENAME", "RENAMENX"]), src, dst)


@fam.command(2)
def move(g):
    if g.chance(0.9):
        return Cmd("MOVE", g.key(), g.dbindex())
    return Cmd("MOVE", g.key(), g.pick([b"16", b"-1", b"abc", b"", b"1.5"]))


@fam.command(3)
def copy(g):
    args = [b"COPY", g.key(), g.key()]
    if g.chance(0.4):
        args += [b"DB", b"%d" % g.dbindex() if g.chance(0.9) else g.pick([b"16", b"-1", b"x"])]
    if g.chance(0.4):
        args.append(g.pick([b"REPLACE", b"replace"]))
    if g.chance(0.05):
        args.append(g.pick([b"DB", b"FOO", b"REPLACE"]))
    return Cmd(*args)


@fam.command(2)
def touch(g):
    return Cmd("TOUCH", *g.keys(1, 4))
