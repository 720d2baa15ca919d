"""Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME
PEXPIRETIME PERSIST. See gen.py for why the times are deterministic."""

from .. import checks
from ..ops import Cmd
from ..registry import family

fam = family("expire", share=18)
fam.arity(EXPIRE=-3, PEXPIRE=-3, EXPIREAT=-3, PEXPIREAT=-3, TTL=2, PTTL=2, EXPIRETIME=2,
          PEXPIRETIME=2, PERSIST=2)


def _options(g):
    r = g.rng.random()
    if r < 0.5:
        return []
    if r < 0.9:
        return [g.case(g.pick([b"NX", b"XX", b"GT", b"LT"]))]
    if r < 0.97:
        return [g.pick([b"NX", b"XX", b"GT", b"LT"]), g.pick([b"NX", b"XX", b"GT", b"LT"])]
    return [g.pick([b"FOO", b"", b"GTX", b"NX XX"])]


@fam.command(5)
def expire(g):
    return Cmd("EXPIRE", g.key(), g.expire_seconds(), *_options(g))


@fam.command(4)
def pexpire(g):
    return Cmd("PEXPIRE", g.key(), g.expire_ms(), *_options(g))


@fam.command(3)
def expireat(g):
    return Cmd("EXPIREAT", g.key(), g.expire_at_seconds(), *_options(g))


@fam.command(3)
def pexpireat(g):
    return Cmd("PEXPIREAT", g.key(), g.expire_at_ms(), *_options(g))


@fam.command(3)
def ttl(g):
    return Cmd("TTL", g.key(), check=checks.ttl_s)


@fam.command(3)
def pttl(g):
    return Cmd("PTTL", g.key(), check=checks.ttl_ms)


@fam.command(3)
def expiretime(g):
    return Cmd("EXPIRETIME", g.key(), check=checks.abstime_s)


@fam.command(3)
def pexpiretime(g):
    return Cmd("PEXPIRETIME", g.key(), check=checks.abstime_ms)


@fam.command(3)
def persist(g):
    return Cmd("PERSIST", g.key())
