"""SORT and SORT_RO over whatever the other families left in the keys: lists, sets, sorted sets
(and other types, for WRONGTYPE), by their own values or BY / GET patterns that name other keys
("k*" turns element 1 into key k1) and hash fields ("k*->f1").

Redis fixes SORT's order except in three places, where the op compares less than the full reply:
  - a set in its hash table encoding, not sorted (BY nosort), comes out in table order;
  - ALPHA compares C strings, so elements equal up to a NUL byte tie, and ties keep the order
    the elements were loaded in: a list's order, but a table's order for sets and sorted sets;
  - ALPHA BY ties on equal or missing BY values the same way, and LIMIT after BY sorts only
    partly in Redis, which leaves ties in any order.
There the reply is compared as a multiset, or, with LIMIT, by its length (and, for ALPHA without
BY, by each element's bytes up to its first NUL, which ties never change). STORE is left out where
the stored list could differ, so the final keyspace comparison stays exact."""

from .. import checks
from ..ops import Cmd, to_bytes
from ..registry import family

fam = family("sort", share=5)
fam.arity(SORT=-2, SORT_RO=-2)

# Collections of the family's own, and weights and hash fields named after their elements, so
# most SORTs have something to sort and BY / GET patterns mostly find their keys.
SORT_KEYS = [b"sort:l", b"sort:s", b"sort:z"]
ELEMENTS = [b"%d" % i for i in range(-3, 25)] + [
    b"1.5", b"-0.5", b"1e2", b"007", b"", b"apple", b"Apple", b"b", b"a\x00z", b"a\x00b", b"a",
    b"\xc3\xa9", b"nan", b"inf", b" 3"]
WEIGHTS = [b"%d" % i for i in range(-5, 40)] + [b"2.5", b"-1e3", b"", b"x", b"x\x00", b"1e400",
                                                b"Zed", b"zed", b"1 "]

BY_PATTERNS = [b"w_*", b"h_*->f1", b"w_*", b"h_*->f1", b"k*", b"k1*", b"*", b"*x", b"k*->f1", b"k*->f2", b"k*->", b"*->f1", b"nosort",
               b"k", b"#", b"k*\x00x", b"\x00*"]
GET_PATTERNS = [b"w_*", b"h_*->f1", b"#", b"k*", b"k1*", b"*", b"k*->f1", b"k*->", b"k", b"#\x00"]


def _options(g, readonly):
    """SORT's options in random order, sometimes malformed."""
    opts = []
    if g.chance(0.35):
        opts.append([g.case(b"BY"), g.pick(BY_PATTERNS)])
    if g.chance(0.35):
        opts.append([g.case(b"LIMIT"), g.int_arg(-3, 12), g.int_arg(-3, 12)])
    for _ in range(g.pick([0, 0, 1, 2])):
        opts.append([g.case(b"GET"), g.pick(GET_PATTERNS)])
    if g.chance(0.3):
        opts.append([g.case(g.pick([b"ASC", b"DESC"]))])
    if g.chance(0.4):
        opts.append([g.case(b"ALPHA")])
    if g.chance(0.25 if not readonly else 0.03):
        opts.append([g.case(b"STORE"), g.key()])
    if g.chance(0.03):
        opts.append([g.pick([b"LIMIT", b"BY", b"GET", b"STORE", b"FOO"])])
    g.rng.shuffle(opts)
    return opts


class SortOp:
    """Reads the key's type and encoding on both servers (they must agree), then runs the SORT
    with the check its nondeterminism allows (see the module comment)."""

    def __init__(self, name, key, opts):
        self.name, self.key, self.opts = to_bytes(name), key, opts

    def run(self, runner):
        info = []
        for args in ([b"TYPE", self.key], [b"OBJECT", b"ENCODING", self.key]):
            ra, rb = runner.call_both(args)
            if ra != rb:
                runner.mismatch(args, ra, rb, "replies differ")
                return
            info.append(ra[1])
        type_name, encoding = info
        words = [o[0].upper() for o in self.opts]
        by = [o[1] for o in self.opts if o[0].upper() == b"BY" and len(o) == 2]
        sorting = not by or b"*" in by[-1].split(b"\x00")[0]
        alpha = b"ALPHA" in words
        limited = any(o[0].upper() == b"LIMIT" and len(o) == 3 for o in self.opts)
        gets = sum(1 for o in self.opts if o[0].upper() == b"GET" and len(o) == 2)
        unordered = type_name in (b"set", b"zset")

        check = checks.exact
        opts = self.opts
        if not sorting and type_name == b"set" and encoding == b"hashtable":
            check = _length if limited else checks.unordered  # STORE sorts it: exact then
            if any(w == b"STORE" for w in words):
                check = checks.exact
        elif sorting and alpha and by:
            if unordered or limited:
                check = _length if limited else checks.unordered
                opts = [o for o in opts if o[0].upper() != b"STORE"]
        elif sorting and alpha and unordered and b"STORE" not in words:
            check = _length if limited or gets else _c_strings

        # Redis 7.0's numeric SORT tests errno after strtod without clearing it first, so an
        # ERANGE left by any earlier command (a ZADD of 1e400, say) fails the next SORT of
        # string elements. Keel clears it. A score parse that succeeds clears Redis's too: ZADD XX
        # on a key that does not exist parses its score and changes nothing.
        runner.call_both([b"ZADD", b"sort:none", b"XX", b"0", b"m"])
        args = [self.name, self.key] + [a for o in opts for a in o]
        ra, rb = runner.call_both(args)
        reason = check(ra, rb, runner.gen)
        if reason is not None:
            runner.mismatch(args, ra, rb, reason)


def _length(ra, rb, gen):
    """Arrays of the same length (errors and integers exactly)."""
    if ra[0] == rb[0] == "*" and ra[1] is not None and rb[1] is not None:
        return None if len(ra[1]) == len(rb[1]) else "array lengths differ"
    return checks.exact(ra, rb, gen)


def _c_strings(ra, rb, gen):
    """The same multiset, in the same order as far as C strings tell the elements apart."""
    if ra[0] == rb[0] == "*" and ra[1] is not None and rb[1] is not None:
        def prefixes(r):
            return [(k, v if v is None else v.split(b"\x00")[0]) for k, v in r[1]]
        if prefixes(ra) != prefixes(rb):
            return "orders differ beyond ties between elements equal up to a NUL byte"
    return checks.unordered(ra, rb, gen)


def _elements(g):
    return [g.pick(ELEMENTS) for _ in range(g.rng.randint(1, 6))]


@fam.command(6)
def sort_data(g):
    r = g.rng.random()
    if r < 0.45:
        key = g.pick(SORT_KEYS)
        if g.chance(0.04):
            return Cmd("DEL", key)
        if key == b"sort:l":
            return Cmd(g.pick(["RPUSH", "LPUSH"]), key, *_elements(g))
        if key == b"sort:s":
            return Cmd("SADD", key, *_elements(g))
        args = []
        for e in _elements(g):
            args += [b"%d" % g.rng.randint(-5, 5), e]
        return Cmd("ZADD", key, *args)
    if r < 0.75:
        return Cmd("SET", b"w_" + g.pick(ELEMENTS), g.pick(WEIGHTS))
    return Cmd("HSET", b"h_" + g.pick(ELEMENTS), g.pick([b"f1", b"f2"]), g.pick(WEIGHTS))


def _sort_key(g):
    return g.pick(SORT_KEYS) if g.chance(0.7) else g.key()


@fam.command(8)
def sort(g):
    return SortOp("SORT", _sort_key(g), _options(g, False))


@fam.command(2)
def sort_ro(g):
    return SortOp("SORT_RO", _sort_key(g), _options(g, True))
