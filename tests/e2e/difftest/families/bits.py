"""Bit commands on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP."""

from ..ops import Cmd
from ..registry import family

fam = family("bits", share=12)
fam.arity(SETBIT=4, GETBIT=3, BITCOUNT=-2, BITPOS=-3, BITOP=-4)

BAD_OFFSETS = [b"-1", b"4294967296", b"abc", b"1.5", b"", b" 1", b"9223372036854775807"]


def _bit_offset(g, allow_huge):
    r = g.rng.random()
    if r < 0.8:
        return b"%d" % g.rng.randint(0, 300)
    if r < 0.88:
        return b"%d" % g.rng.randint(300, 800_000)
    if r < 0.94 and allow_huge:
        return g.pick([b"4294967295", b"4294967294", b"100000000"])  # reading far past the end
    return g.pick(BAD_OFFSETS)


def _index(g):
    if g.chance(0.85):
        return b"%d" % g.rng.randint(-40, 40)
    return g.pick([b"9223372036854775807", b"-9223372036854775808", b"abc", b"", b"1.5",
                   b"2147483648", b"-2147483649"])


def _unit(g):
    r = g.rng.random()
    if r < 0.6:
        return []
    if r < 0.95:
        return [g.pick([b"BYTE", b"BIT", b"bit", b"byte"])]
    return [g.pick([b"BITS", b"", b"NIBBLE"])]


@fam.command(5)
def setbit(g):
    bit = g.pick([b"0", b"1"]) if g.chance(0.93) else g.pick([b"2", b"-1", b"a", b"", b"01"])
    return Cmd("SETBIT", g.key(), _bit_offset(g, allow_huge=False), bit)


@fam.command(4)
def getbit(g):
    return Cmd("GETBIT", g.key(), _bit_offset(g, allow_huge=True))


@fam.command(4)
def bitcount(g):
    r = g.rng.random()
    if r < 0.3:
        return Cmd("BITCOUNT", g.key())
    if r < 0.95:
        return Cmd("BITCOUNT", g.key(), _index(g), _index(g), *_unit(g))
    return Cmd("BITCOUNT", g.key(),
               *g.pick([[b"0"], [b"0", b"1", b"BIT", b"x"], [b"0", b"1", b"2"]]))


@fam.command(4)
def bitpos(g):
    bit = g.pick([b"0", b"1"]) if g.chance(0.93) else g.pick([b"2", b"-1", b"a"])
    r = g.rng.random()
    if r < 0.3:
        return Cmd("BITPOS", g.key(), bit)
    if r < 0.5:
        return Cmd("BITPOS", g.key(), bit, _index(g))
    if r < 0.97:
        return Cmd("BITPOS", g.key(), bit, _index(g), _index(g), *_unit(g))
    return Cmd("BITPOS", g.key(), bit, b"0", b"1", b"BIT", b"extra")


@fam.command(3)
def bitop(g):
    op = g.pick([b"AND", b"OR", b"XOR", b"NOT", b"and", b"not"])
    if g.chance(0.03):
        op = g.pick([b"NAND", b"", b"ANDOR"])
    if op.upper() == b"NOT" and g.chance(0.9):
        return Cmd("BITOP", op, g.key(), g.key())
    return Cmd("BITOP", op, g.key(), *g.keys(1, 4))
