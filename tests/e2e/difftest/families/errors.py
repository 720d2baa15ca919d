"""Malformed requests: wrong arity for every command any family registers, unknown commands, and
command names in mixed case."""

from ..ops import Cmd
from ..registry import all_arities, family

fam = family("errors", share=3)

UNKNOWN = [b"FOO", b"GETT", b"", b"SET\x00", b"hello world", b"\xff", b"CONFIGX", b"x" * 200]


def _arity_table():
    # Commands that take any number of arguments (PING, FLUSHDB) have no wrong arity.
    if not hasattr(_arity_table, "items"):
        _arity_table.items = sorted((n, a) for n, a in all_arities().items() if a > 0 or a < -1)
    return _arity_table.items


def _mixed_case(g, name):
    return bytes(c ^ 0x20 if 97 <= (c | 0x20) <= 122 and g.chance(0.5) else c for c in name)


@fam.command(6)
def wrong_arity(g):
    name, arity = g.pick(_arity_table())
    if arity > 0:
        choices = [n for n in (arity - 1, arity + 1, arity + 2, 1) if n >= 1 and n != arity]
        n = g.pick(choices)
    else:
        n = g.rng.randint(1, -arity - 1)
    args = [g.key() if i == 1 else g.value() for i in range(1, n)]
    return Cmd(_mixed_case(g, name.encode()), *args)


@fam.command(2)
def unknown(g):
    return Cmd(g.pick(UNKNOWN), *[g.value() for _ in range(g.rng.randint(0, 4))])


@fam.command(2)
def mixed_case(g):
    """A valid command with its name in mixed case."""
    name = g.pick([b"get", b"Get", b"gEt", b"exists", b"Strlen", b"tYpE", b"mGeT"])
    return Cmd(name, g.key())
