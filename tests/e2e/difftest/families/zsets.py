"""Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK
ZRANGE (all forms) ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
ZREMRANGEBY* ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD ZSCAN and
the blocking pops inside MULTI; and the "zset" dumper. Every reply is deterministic except
ZRANDMEMBER and ZSCAN's order."""

from ..collection_ops import ElementScan, RandomRead, ZLexCommand
from ..ops import Cmd
from ..registry import family

fam = family("zsets", share=25)
fam.arity(ZADD=-4, ZINCRBY=4, ZREM=-3, ZCARD=2, ZCOUNT=4, ZLEXCOUNT=4, ZSCORE=3, ZMSCORE=-3,
          ZRANK=3, ZREVRANK=3, ZRANGE=-4, ZRANGESTORE=-5, ZRANGEBYSCORE=-4, ZREVRANGEBYSCORE=-4,
          ZRANGEBYLEX=-4, ZREVRANGEBYLEX=-4, ZREMRANGEBYRANK=4, ZREMRANGEBYSCORE=4,
          ZREMRANGEBYLEX=4, ZPOPMIN=-2, ZPOPMAX=-2, ZMPOP=-4, BZPOPMIN=-3, BZPOPMAX=-3,
          BZMPOP=-5, ZRANDMEMBER=-2, ZUNION=-3, ZINTER=-3, ZDIFF=-3, ZUNIONSTORE=-4,
          ZINTERSTORE=-4, ZDIFFSTORE=-4, ZINTERCARD=-3, ZSCAN=-3)

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"aa", b"ab", b"", b"1", b"-1", b"\xff", b"x" * 70]
SCORES = [b"0", b"1", b"2", b"-1", b"1.5", b"0.1", b"-0", b"inf", b"-inf", b"+inf", b"3e2",
          b"1e-5", b"10", b"100", b"0.30000000000000004", b"1e300", b"nan", b"abc", b""]
SCORE_BOUNDS = [b"-inf", b"+inf", b"inf", b"0", b"1", b"(1", b"2", b"(2", b"-1", b"(-inf",
                b"1.5", b"(0.1", b"abc", b"(", b"((1", b"10", b"(10", b"nan"]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[aa", b"(ab", b"[", b"(", b"a", b"[\xff",
              b"[e", b"(e"]


@fam.dumper("zset")
def dump_zset(call, key):
    return ("*", [call([b"OBJECT", b"ENCODING", key]),
                  call([b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])])


def _member(g):
    return g.element(MEMBERS)


def _score(g):
    return b"%d" % g.rng.randint(-3, 10) if g.chance(0.6) else g.pick(SCORES)


def _index(g):
    return b"%d" % g.rng.randint(-8, 8) if g.chance(0.85) else g.pick(
        [b"9223372036854775807", b"-9223372036854775808", b"x", b"1.5"])


def _limit(g):
    return [g.case(b"LIMIT"), g.int_arg(-2, 4), g.int_arg(-2, 5)] if g.chance(0.3) else []


@fam.command(14)
def zadd(g):
    args = [b"ZADD", g.key()]
    for flag in (b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"):
        if g.chance(0.1):
            args.append(g.case(flag))
    if g.chance(0.02):  # many members: crosses zset-max-listpack-entries (128)
        for i in range(g.rng.randint(100, 200)):
            args += [b"%d" % g.rng.randint(0, 50), b"m%d" % i]
    else:
        for _ in range(g.rng.randint(1, 4)):
            args += [_score(g), _member(g)]
    if g.chance(0.02):
        args.pop()
    return Cmd(*args)


@fam.command(4)
def zincrby(g):
    return Cmd("ZINCRBY", g.key(), _score(g), _member(g))


@fam.command(5)
def zrem(g):
    return Cmd("ZREM", g.key(), *[_member(g) for _ in range(g.rng.randint(1, 3))])


@fam.command(8)
def small_reads(g):
    cmd = g.rng.randrange(7)
    key = g.key()
    if cmd == 0:
        return Cmd("ZCARD", key)
    if cmd == 1:
        return Cmd("ZCOUNT", key, g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS))
    if cmd == 2:
        return ZLexCommand(["ZLEXCOUNT", key, g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)])
    if cmd == 3:
        return Cmd("ZSCORE", key, _member(g))
    if cmd == 4:
        return Cmd("ZMSCORE", key, *[_member(g) for _ in range(g.rng.randint(1, 4))])
    return Cmd(g.pick(["ZRANK", "ZREVRANK"]), key, _member(g))


@fam.command(12)
def zrange(g):
    key = g.key()
    form = g.rng.randrange(4)
    if form == 0:
        args = [b"ZRANGE", key, _index(g), _index(g)]
    elif form == 1:
        args = [b"ZRANGE", key, g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS), g.case(b"BYSCORE")]
    elif form == 2:
        args = [b"ZRANGE", key, g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS), g.case(b"BYLEX")]
    else:
        args = [b"ZRANGE", key, _index(g), _index(g)]
    if g.chance(0.3):
        args.append(g.case(b"REV"))
    args += _limit(g)
    if g.chance(0.4):
        args.append(g.case(b"WITHSCORES"))
    key_index = 1
    if g.chance(0.15):
        args[0] = b"ZRANGESTORE"
        args.insert(1, g.key())
        key_index = 2
        if g.chance(0.8) and args[-1].upper() == b"WITHSCORES":
            args.pop()
    if form == 2:
        return ZLexCommand(args, key_index)
    return Cmd(*args)


@fam.command(6)
def zrange_legacy(g):
    cmd = g.pick([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE", b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"])
    bounds = LEX_BOUNDS if b"LEX" in cmd else SCORE_BOUNDS
    args = [cmd, g.key(), g.pick(bounds), g.pick(bounds)]
    if b"SCORE" in cmd and g.chance(0.4):
        args.append(g.case(b"WITHSCORES"))
    args += _limit(g)
    return ZLexCommand(args) if b"LEX" in cmd else Cmd(*args)


@fam.command(3)
def zremrange(g):
    kind = g.rng.randrange(3)
    if kind == 0:
        return Cmd("ZREMRANGEBYRANK", g.key(), _index(g), _index(g))
    if kind == 1:
        return Cmd("ZREMRANGEBYSCORE", g.key(), g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS))
    return ZLexCommand(["ZREMRANGEBYLEX", g.key(), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)])


@fam.command(4)
def zpop(g):
    args = [g.pick([b"ZPOPMIN", b"ZPOPMAX"]), g.key()]
    if g.chance(0.5):
        args.append(g.count_arg(-1, 5))
    return Cmd(*args)


def _mpop_args(g):
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"-1", b"5", b"x"])
    args = [numkeys] + keys + [g.case(g.pick([b"MIN", b"MAX"])) if g.chance(0.97) else b"MID"]
    if g.chance(0.5):
        args += [g.case(b"COUNT"), g.count_arg(-1, 5)]
    return args


@fam.command(3)
def zmpop(g):
    return Cmd("ZMPOP", *_mpop_args(g))


@fam.command(2)
def blocking_in_multi(g):
    timeout = g.pick([b"0", b"0.01", b"1", b"-1", b"abc"])
    if g.chance(0.5):
        inner = Cmd(g.pick(["BZPOPMIN", "BZPOPMAX"]), *g.keys(1, 3), timeout)
    else:
        inner = Cmd("BZMPOP", timeout, *_mpop_args(g))
    return [Cmd("MULTI"), inner, Cmd("EXEC")]


@fam.command(6)
def setops(g):
    cmd = g.pick([b"ZUNION", b"ZINTER", b"ZDIFF"])
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.92) else g.pick([b"0", b"-1", b"9", b"x"])
    store = g.chance(0.4)
    args = [cmd + b"STORE", g.key()] if store else [cmd]
    args += [numkeys] + keys
    if cmd != b"ZDIFF":
        if g.chance(0.3):
            args += [g.case(b"WEIGHTS")] + [g.pick([b"1", b"2", b"-1", b"0.5", b"inf", b"x"])
                                           for _ in keys]
        if g.chance(0.3):
            args += [g.case(b"AGGREGATE"), g.case(g.pick([b"SUM", b"MIN", b"MAX", b"AVG"]))]
    if not store and g.chance(0.4):
        args.append(g.case(b"WITHSCORES"))
    return Cmd(*args)


@fam.command(2)
def zintercard(g):
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"-1", b"9", b"x"])
    args = ["ZINTERCARD", numkeys] + keys
    if g.chance(0.4):
        args += [g.case(b"LIMIT"), g.count_arg(-1, 5)]
    return Cmd(*args)


@fam.command(2)
def zrandmember(g):
    args = ["ZRANDMEMBER", g.key()]
    if g.chance(0.7):
        args.append(b"%d" % g.rng.randint(-6, 8) if g.chance(0.9) else g.pick(
            [b"0", b"x", b"1.5", b"-1000", b"9223372036854775807", b"-9223372036854775808",
             b"4611686018427387904"]))
        if g.chance(0.4):
            args.append(g.case(b"WITHSCORES"))
    return RandomRead(*args)


@fam.command(2)
def zscan(g):
    match = g.pick([b"a*", b"*", b"?", b"m1*"]) if g.chance(0.4) else None
    count = g.rng.randint(1, 20) if g.chance(0.5) else None
    return ElementScan("ZSCAN", g.key(), True, match, count)


@fam.command(1)
def encoding(g):
    return Cmd("OBJECT", "ENCODING", g.key())
