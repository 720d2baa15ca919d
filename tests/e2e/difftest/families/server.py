"""Connection and database commands: PING ECHO SELECT DBSIZE FLUSHDB SWAPDB."""

from ..ops import Cmd
from ..registry import family

fam = family("server", share=6)
fam.arity(PING=-1, ECHO=2, SELECT=2, DBSIZE=1, FLUSHDB=-1, SWAPDB=3)


@fam.command(3)
def ping(g):
    if g.chance(0.5):
        return Cmd("PING")
    return Cmd("PING", g.value())


@fam.command(2)
def echo(g):
    return Cmd("ECHO", g.value())


@fam.command(8)
def select(g):
    if g.chance(0.9):
        g.db = g.dbindex()
        return Cmd("SELECT", g.db)
    return Cmd("SELECT", g.pick([b"16", b"-1", b"abc", b"", b"1.0", b"99999999999999999999",
                                 b" 1", b"100"]))


@fam.command(4)
def dbsize(g):
    return Cmd("DBSIZE")


@fam.command(0.04)
def flushdb(g):
    return Cmd("FLUSHDB", *g.pick([[], [b"ASYNC"], [b"SYNC"], [b"sync"]]))


@fam.command(0.3)
def flushdb_bad(g):
    return Cmd("FLUSHDB", *g.pick([[b"NOW"], [b"ASYNC", b"SYNC"], [b""]]))


@fam.command(2)
def swapdb(g):
    if g.chance(0.85):
        return Cmd("SWAPDB", g.dbindex(), g.dbindex())
    return Cmd("SWAPDB", g.pick([b"0", b"-1", b"16", b"abc", b"1"]),
               g.pick([b"0", b"-1", b"16", b"x", b"2", b"99999999999999999999"]))
