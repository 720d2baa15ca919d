"""Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with values long enough to cross the listpack limits;
and the "hash" dumper."""

from .. import checks
from ..collection_ops import ElementScan, RandomRead
from ..ops import Cmd
from ..registry import family

fam = family("hashes", share=25)
fam.arity(HSET=-4, HSETNX=4, HGET=3, HMGET=-3, HMSET=-4, HDEL=-3, HLEN=2, HSTRLEN=3, HEXISTS=3,
          HKEYS=2, HVALS=2, HGETALL=2, HINCRBY=4, HINCRBYFLOAT=4, HRANDFIELD=-2, HSCAN=-3)

FIELDS = [b"f%d" % i for i in range(12)] + [b"", b"1", b"-1", b"f*", b"\x00", b"x" * 65]


def _pairs(reply):
    kind, items = reply
    if kind != "*" or items is None:
        return reply
    return ("*", sorted(zip(items[0::2], items[1::2])))


def unordered_pairs(ra, rb, gen):
    """HGETALL of a hash table has no order: compare as sets of (field, value)."""
    return None if _pairs(ra) == _pairs(rb) else "field-value pairs differ"


@fam.dumper("hash")
def dump_hash(call, key):
    return ("*", [call([b"OBJECT", b"ENCODING", key]), _pairs(call([b"HGETALL", key]))])


def _field(g):
    return g.element(FIELDS)


def _hvalue(g):
    if g.chance(0.08):
        return b"v" * g.pick([63, 64, 65, 200])  # around hash-max-listpack-value
    return g.element([b"1", b"2", b"-5", b"3.5", b"abc", b"9223372036854775807"])


@fam.command(14)
def hset(g):
    n = g.rng.randint(1, 4) if g.chance(0.97) else g.rng.randint(100, 600)
    args = [g.pick([b"HSET", b"HMSET"]), g.key()]
    for _ in range(n):
        args += [_field(g) if n < 20 else b"f%d" % g.rng.randrange(1000), _hvalue(g)]
    if g.chance(0.02):
        args.pop()  # an odd number of arguments
    return Cmd(*args)


@fam.command(3)
def hsetnx(g):
    return Cmd("HSETNX", g.key(), _field(g), _hvalue(g))


@fam.command(8)
def hget(g):
    return Cmd("HGET", g.key(), _field(g))


@fam.command(3)
def hmget(g):
    return Cmd("HMGET", g.key(), *[_field(g) for _ in range(g.rng.randint(1, 4))])


@fam.command(5)
def hdel(g):
    return Cmd("HDEL", g.key(), *[_field(g) for _ in range(g.rng.randint(1, 3))])


@fam.command(3)
def small_reads(g):
    cmd = g.pick(["HLEN", "HSTRLEN", "HEXISTS"])
    if cmd == "HLEN":
        return Cmd(cmd, g.key())
    return Cmd(cmd, g.key(), _field(g))


@fam.command(4)
def whole(g):
    cmd = g.pick(["HKEYS", "HVALS", "HGETALL"])
    check = unordered_pairs if cmd == "HGETALL" else checks.unordered
    return Cmd(cmd, g.key(), check=check)


@fam.command(4)
def hincrby(g):
    return Cmd("HINCRBY", g.key(), _field(g), g.int_arg(-100, 100))


@fam.command(3)
def hincrbyfloat(g):
    return Cmd("HINCRBYFLOAT", g.key(), _field(g), g.float_arg())


@fam.command(3)
def hrandfield(g):
    args = ["HRANDFIELD", g.key()]
    if g.chance(0.7):
        args.append(b"%d" % g.rng.randint(-6, 8) if g.chance(0.9) else g.pick(
            [b"0", b"x", b"1.5", b"-1000", b"9223372036854775807", b"-9223372036854775808",
             b"4611686018427387904"]))
        if g.chance(0.4):
            args.append(g.case(b"WITHVALUES") if g.chance(0.95) else b"WITHFOO")
    return RandomRead(*args)


@fam.command(2)
def hscan(g):
    match = g.pick([b"f*", b"f1*", b"*", b"?", b"x*"]) if g.chance(0.4) else None
    count = g.rng.randint(1, 20) if g.chance(0.5) else None
    return ElementScan("HSCAN", g.key(), True, match, count)


@fam.command(0.5)
def hscan_bad(g):
    return Cmd("HSCAN", g.key(), *g.pick([
        [b"abc"], [b"0", b"COUNT", b"0"], [b"0", b"COUNT", b"x"], [b"0", b"MATCH"],
        [b"0", b"TYPE", b"hash"], [b"0", b"FOO", b"1"]]))


@fam.command(1)
def encoding(g):
    return Cmd("OBJECT", "ENCODING", g.key())
