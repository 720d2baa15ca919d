"""List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
LPOS LMOVE RPOPLPUSH LMPOP, the blocking ones inside MULTI (where they never block), node-size
and compression settings changing under the stream; and the "list" dumper."""

from ..ops import Cmd
from ..registry import family

fam = family("lists", share=25)
fam.arity(LPUSH=-3, RPUSH=-3, LPUSHX=-3, RPUSHX=-3, LPOP=-2, RPOP=-2, LLEN=2, LRANGE=4, LINDEX=3,
          LSET=4, LINSERT=5, LREM=4, LTRIM=4, LPOS=-3, LMOVE=5, RPOPLPUSH=3, LMPOP=-4,
          BLPOP=-3, BRPOP=-3, BLMOVE=6, BRPOPLPUSH=4, BLMPOP=-5)

# Few distinct elements, so LREM, LPOS and LINSERT find what they look for.
POOL = [b"a", b"b", b"c", b"1", b"2", b"-3", b"hello", b"", b"9223372036854775807", b"x" * 70]
INDEXES = [b"0", b"1", b"-1", b"-2", b"2", b"5", b"-100", b"100", b"9223372036854775807",
           b"-9223372036854775808", b"abc", b"1.5", b""]


@fam.dumper("list")
def dump_list(call, key):
    return ("*", [call([b"OBJECT", b"ENCODING", key]), call([b"LRANGE", key, b"0", b"-1"])])


def _values(g, lo=1, hi=5):
    n = g.rng.randint(lo, hi) if g.chance(0.97) else g.rng.randint(50, 300)
    return [g.element(POOL) for _ in range(n)]


def _index(g):
    return b"%d" % g.rng.randint(-12, 12) if g.chance(0.8) else g.pick(INDEXES)


@fam.command(16)
def push(g):
    return Cmd(g.pick(["LPUSH", "RPUSH"]), g.key(), *_values(g))


@fam.command(3)
def pushx(g):
    return Cmd(g.pick(["LPUSHX", "RPUSHX"]), g.key(), *_values(g, 1, 3))


@fam.command(8)
def pop(g):
    args = [g.pick([b"LPOP", b"RPOP"]), g.key()]
    if g.chance(0.4):
        args.append(g.count_arg(-2, 8))
    return Cmd(*args)


@fam.command(3)
def llen(g):
    return Cmd("LLEN", g.key())


@fam.command(8)
def lrange(g):
    return Cmd("LRANGE", g.key(), _index(g), _index(g))


@fam.command(4)
def lindex(g):
    return Cmd("LINDEX", g.key(), _index(g))


@fam.command(3)
def lset(g):
    return Cmd("LSET", g.key(), _index(g), g.element(POOL))


@fam.command(3)
def linsert(g):
    where = g.case(g.pick([b"BEFORE", b"AFTER"])) if g.chance(0.95) else b"MIDDLE"
    return Cmd("LINSERT", g.key(), where, g.element(POOL), g.element(POOL))


@fam.command(3)
def lrem(g):
    return Cmd("LREM", g.key(), g.count_arg(-3, 3), g.element(POOL))


@fam.command(2)
def ltrim(g):
    return Cmd("LTRIM", g.key(), _index(g), _index(g))


@fam.command(4)
def lpos(g):
    args = [b"LPOS", g.key(), g.element(POOL)]
    for opt in (b"RANK", b"COUNT", b"MAXLEN"):
        if g.chance(0.35):
            args += [g.case(opt), g.int_arg(-3, 5) if g.chance(0.9) else g.pick(
                [b"0", b"-9223372036854775808", b"9223372036854775807", b"x"])]
    if g.chance(0.03):
        args.append(g.pick([b"RANK", b"FOO"]))
    return Cmd(*args)


def _side(g):
    return g.case(g.pick([b"LEFT", b"RIGHT"])) if g.chance(0.97) else b"UP"


@fam.command(4)
def lmove(g):
    if g.chance(0.3):
        return Cmd("RPOPLPUSH", g.key(), g.key())
    return Cmd("LMOVE", g.key(), g.key(), _side(g), _side(g))


def _mpop_args(g):
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"-1", b"5", b"x"])
    args = [numkeys] + keys + [_side(g)]
    if g.chance(0.5):
        args += [g.case(b"COUNT"), g.count_arg(-1, 6)]
    return args


@fam.command(3)
def lmpop(g):
    return Cmd("LMPOP", *_mpop_args(g))


@fam.command(3)
def blocking_in_multi(g):
    """Inside MULTI a blocking pop never blocks: it serves what is there or replies nil."""
    timeout = g.pick([b"0", b"0.01", b"1", b"-1", b"abc"])
    cmd = g.rng.randrange(5)
    if cmd == 0:
        inner = Cmd(g.pick(["BLPOP", "BRPOP"]), *g.keys(1, 3), timeout)
    elif cmd == 1:
        inner = Cmd("BLMOVE", g.key(), g.key(), _side(g), _side(g), timeout)
    elif cmd == 2:
        inner = Cmd("BRPOPLPUSH", g.key(), g.key(), timeout)
    else:
        inner = Cmd("BLMPOP", timeout, *_mpop_args(g))
    return [Cmd("MULTI"), inner, Cmd("EXEC")]


@fam.command(0.5)
def node_settings(g):
    """Node size and compression change the encoding's layout, never a reply."""
    if g.chance(0.5):
        return Cmd("CONFIG", "SET", "list-max-listpack-size",
                   g.pick([b"-2", b"-1", b"1", b"2", b"3", b"128", b"-5"]))
    return Cmd("CONFIG", "SET", "list-compress-depth", g.pick([b"0", b"1", b"2"]))


@fam.command(0.5)
def type_and_encoding(g):
    return Cmd("OBJECT", "ENCODING", g.key())
