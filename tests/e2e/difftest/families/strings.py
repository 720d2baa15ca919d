"""String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR DECR
INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SETRANGE SUBSTR; and the "string" dumper."""

from ..ops import Cmd
from ..registry import family

fam = family("strings", share=45)
fam.arity(GET=2, SET=-3, SETNX=3, SETEX=4, PSETEX=4, GETSET=3, GETDEL=2, GETEX=-2, MGET=-2,
          MSET=-3, MSETNX=-3, INCR=2, DECR=2, INCRBY=3, DECRBY=3, INCRBYFLOAT=3, APPEND=3,
          STRLEN=2, GETRANGE=4, SETRANGE=4, SUBSTR=4)

# Range arguments for GETRANGE/SUBSTR: small, negative and the 64-bit edges.
RANGE_EDGES = [b"0", b"-1", b"-2", b"9223372036854775807", b"-9223372036854775808",
               b"2147483647", b"-2147483648", b"4294967296", b"abc", b"1.5", b"", b" 1"]


@fam.dumper("string")
def dump_string(call, key):
    return call([b"GET", key])


@fam.command(10)
def get(g):
    return Cmd("GET", g.key())


def _set_expiry_option(g):
    r = g.rng.random()
    if r < 0.25:
        return [g.case(b"EX"), g.expire_seconds()]
    if r < 0.45:
        return [g.case(b"PX"), g.expire_ms()]
    if r < 0.7:
        # EXAT/PXAT in the past store a logically expired key (lazy expiry).
        return [g.case(b"EXAT"), g.expire_at_seconds(past_share=0.4)]
    if r < 0.9:
        return [g.case(b"PXAT"), g.expire_at_ms(past_share=0.4)]
    return [g.case(b"KEEPTTL")]


@fam.command(14)
def set_(g):
    args = [b"SET", g.key(), g.value()]
    if g.chance(0.5):
        args += _set_expiry_option(g)
    if g.chance(0.25):
        args.append(g.case(g.pick([b"NX", b"XX"])))
    if g.chance(0.15):
        args.append(g.case(b"GET"))
    if g.chance(0.04):  # conflicting, repeated, truncated or unknown options
        # (None of these sets a short expiry: PX 10 always comes with a conflicting EX.)
        args += g.pick([[b"EX"], [b"PX", b"10", b"EX", b"10"], [b"NX", b"XX"],
                        [b"KEEPTTL", b"EX", b"100000"], [b"FOO"], [b"EX", b"100000", b"KEEPTTL"],
                        [b"GET", b"GET"], [b"PXAT"], [b"NX", b"NX"], [b"EX", b"1.5"]])
    return Cmd(*args)


@fam.command(2)
def setnx(g):
    return Cmd("SETNX", g.key(), g.value())


@fam.command(2)
def setex(g):
    if g.chance(0.5):
        return Cmd("SETEX", g.key(), g.expire_seconds(), g.value())
    return Cmd("PSETEX", g.key(), g.expire_ms(), g.value())


@fam.command(2)
def getset(g):
    return Cmd("GETSET", g.key(), g.value())


@fam.command(2)
def getdel(g):
    return Cmd("GETDEL", g.key())


@fam.command(3)
def getex(g):
    args = [b"GETEX", g.key()]
    r = g.rng.random()
    if r < 0.2:
        args += [g.case(b"EX"), g.expire_seconds()]
    elif r < 0.35:
        args += [g.case(b"PX"), g.expire_ms()]
    elif r < 0.5:
        args += [g.case(b"EXAT"), g.expire_at_seconds()]
    elif r < 0.6:
        args += [g.case(b"PXAT"), g.expire_at_ms()]
    elif r < 0.75:
        args.append(g.case(b"PERSIST"))
    elif r < 0.82:
        args += g.pick([[b"EX"], [b"PERSIST", b"EX", b"100000"],
                        [b"EX", b"100000", b"PX", b"100000000"], [b"FOO"], [b"KEEPTTL"],
                        [b"PERSIST", b"PERSIST"], [b"NX"]])
    return Cmd(*args)


@fam.command(4)
def mget(g):
    return Cmd("MGET", *g.keys(1, 6 if g.chance(0.98) else 300))


@fam.command(3)
def mset(g):
    args = []
    for k in g.keys(1, 4 if g.chance(0.98) else 100):
        args += [k, g.value()]
    if g.chance(0.05):
        args.append(g.key())  # odd number of arguments
    return Cmd(g.pick(["MSET", "MSET", "MSETNX"]), *args)


@fam.command(6)
def incr_decr(g):
    name = g.pick(["INCR", "DECR", "INCRBY", "DECRBY"])
    if name in ("INCR", "DECR"):
        return Cmd(name, g.key())
    r = g.rng.random()
    if r < 0.8:
        return Cmd(name, g.key(), g.int_arg(-1000, 1000))
    return Cmd(name, g.key(), g.pick([b"9223372036854775807", b"-9223372036854775808",
                                       b"4611686018427387904", b"-4611686018427387904"]))


@fam.command(4)
def incrbyfloat(g):
    return Cmd("INCRBYFLOAT", g.key(), g.float_arg())


@fam.command(3)
def append(g):
    return Cmd("APPEND", g.key(), g.value())


@fam.command(3)
def strlen(g):
    return Cmd("STRLEN", g.key())


def _range_arg(g):
    if g.chance(0.85):
        return b"%d" % g.rng.randint(-50, 50)
    return g.pick(RANGE_EDGES)


@fam.command(4)
def getrange(g):
    return Cmd(g.pick(["GETRANGE", "GETRANGE", "SUBSTR"]), g.key(), _range_arg(g), _range_arg(g))


@fam.command(3)
def setrange(g):
    r = g.rng.random()
    if r < 0.8:
        offset = b"%d" % g.rng.randint(0, 100)
    elif r < 0.9:
        offset = b"%d" % g.rng.randint(100, 100_000)
    else:
        # Negative and too large offsets fail, and an empty value allocates nothing. (Never a
        # valid offset near 512 MB with a value that fits: that would allocate 512 MB.)
        offset = g.pick([b"-1", b"536870911", b"536870912", b"9223372036854775807", b"abc",
                         b"4294967296", b"1.5", b"", b"-9223372036854775808"])
        return Cmd("SETRANGE", g.key(), offset, g.pick([b"", b"xy", b"\x00\x00\x00"]))
    value = g.value() if g.chance(0.8) else g.pick([b"", b"x"])
    return Cmd("SETRANGE", g.key(), offset, value)
