"""Interactive ops for collection commands whose replies Redis does not fix: a full HSCAN, SSCAN or
ZSCAN (compared as multisets of elements), random reads (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER:
each reply is checked against the collection's contents), and SPOP, after which the Redis side is
brought back in step with Keel's so the stream can go on."""

from .ops import to_bytes

# How to read a whole collection, by TYPE: the command and whether the reply is pairs.
CONTENTS = {
    b"set": (lambda k: [b"SMEMBERS", k], False),
    b"hash": (lambda k: [b"HGETALL", k], True),
    b"zset": (lambda k: [b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"], True),
}


def _items(reply):
    """The bulk strings of an array reply, or None when it is not a plain array of bulks."""
    kind, payload = reply
    if kind != "*" or payload is None or any(r[0] != "$" or r[1] is None for r in payload):
        return None
    return [r[1] for r in payload]


def _contents(runner, key):
    """(type, members dict or set) as both servers agree on them, or None after a mismatch."""
    ra, rb = runner.call_both([b"TYPE", key])
    if ra != rb:
        runner.mismatch([b"TYPE", key], ra, rb, "TYPE differs")
        return None
    type_name = ra[1]
    if type_name not in CONTENTS:
        return type_name, None
    make, pairs = CONTENTS[type_name]
    args = make(key)
    ra, rb = runner.call_both(args)
    got = [_items(r) for r in (ra, rb)]
    if got[0] is None or got[1] is None:
        runner.mismatch(args, ra, rb, "contents are not an array of strings")
        return None
    if pairs:
        values = [dict(zip(g[0::2], g[1::2])) for g in got]
    else:
        values = [set(g) for g in got]
    if values[0] != values[1]:
        runner.mismatch(args, ra, rb, "collection contents differ")
        return None
    return type_name, values[0]


class ElementScan:
    """HSCAN/SSCAN/ZSCAN key 0 [MATCH p] [COUNT n] iterated to cursor 0 on each server; the
    multisets of returned elements (with values for hashes and sorted sets) must be equal."""

    def __init__(self, cmd, key, pairs, match=None, count=None):
        self.cmd, self.key, self.pairs = to_bytes(cmd), key, pairs
        self.options = []
        if match is not None:
            self.options += [b"MATCH", to_bytes(match)]
        if count is not None:
            self.options += [b"COUNT", to_bytes(count)]

    def run(self, runner):
        args = [self.cmd, self.key, b"0"] + self.options
        first = runner.call_both(args)
        if any(r[0] != "*" for r in first):
            if first[0] != first[1]:
                runner.mismatch(args, first[0], first[1], "replies differ")
            return
        results = []
        for side in (0, 1):
            seen, reply, rounds = [], first[side], 0
            while True:
                kind, payload = reply
                items = _items(payload[1]) if kind == "*" and payload and len(payload) == 2 \
                    else None
                if items is None or payload[0][0] != "$":
                    runner.mismatch(args, reply if side == 0 else None,
                                    reply if side == 1 else None, "malformed scan reply")
                    return
                if self.pairs:
                    seen += list(zip(items[0::2], items[1::2]))
                else:
                    seen += items
                cursor = payload[0][1]
                rounds += 1
                if cursor == b"0":
                    break
                if rounds > 100000:
                    runner.mismatch(args, None, None, "scan did not finish in 100000 calls")
                    return
                reply = runner.call_one(side, [self.cmd, self.key, cursor] + self.options)
            # An element may be returned twice across calls; the set of elements must agree.
            results.append(set(seen))
        if results[0] != results[1]:
            a, b = results
            runner.mismatch(args, ("*", sorted(a - b)), ("*", sorted(b - a)),
                            "scan to completion returned different elements "
                            "(shown: only keel / only redis)")


def _count_of(args):
    """The count argument of a random read, or None when absent or not an integer."""
    if len(args) < 3:
        return None
    try:
        return int(args[2])
    except ValueError:
        return None


class RandomRead:
    """SRANDMEMBER / HRANDFIELD / ZRANDMEMBER: errors and nils must be equal; otherwise each
    server's reply must be a valid draw from the (equal) contents: right size, members that
    exist, no repeats for a positive count, values that belong to their members."""

    def __init__(self, *args):
        self.args = [to_bytes(a) for a in args]

    def run(self, runner):
        key = self.args[1]
        state = _contents(runner, key)
        if state is None:
            return
        type_name, contents = state
        ra, rb = runner.call_both(self.args)
        if ra[0] != "*" or rb[0] != "*" or contents is None or ra[1] is None or rb[1] is None:
            if ra != rb and not (ra[0] == rb[0] == "$" and ra[1] in contents and
                                 rb[1] in contents):
                runner.mismatch(self.args, ra, rb, "replies differ")
            return
        count = _count_of(self.args)
        with_values = len(self.args) > 3
        for side, reply in ((0, ra), (1, rb)):
            reason = self._check(reply, contents, count, with_values)
            if reason:
                runner.mismatch(self.args, ra, rb, "%s reply is not a valid draw: %s"
                                % (("keel", "redis")[side], reason))
                return

    @staticmethod
    def _check(reply, contents, count, with_values):
        items = _items(reply)
        if items is None:
            return "not an array of strings"
        members = items[0::2] if with_values else items
        if with_values:
            if len(items) % 2:
                return "odd number of items"
            if any(contents.get(m) != v for m, v in zip(items[0::2], items[1::2])):
                return "a value does not belong to its member"
        if any(m not in contents for m in members):
            return "a member that does not exist"
        if count is None:
            return None
        if count >= 0:
            if len(members) != min(count, len(contents)):
                return "%d members for count %d of %d" % (len(members), count, len(contents))
            if len(set(members)) != len(members):
                return "repeated members for a positive count"
        elif len(members) != -count:
            return "%d members for count %d" % (len(members), count)
        return None


class SyncedPop:
    """SPOP key [count]: both replies must be valid draws of the same size; then Redis's set is
    made equal to Keel's (SADD what Redis popped, SREM what Keel popped) so the stream stays
    deterministic."""

    def __init__(self, *args):
        self.args = [to_bytes(a) for a in args]

    def run(self, runner):
        key = self.args[1]
        state = _contents(runner, key)
        if state is None:
            return
        type_name, contents = state
        ra, rb = runner.call_both(self.args)
        if contents is None or type_name != b"set" or ra[0] == "-" or rb[0] == "-":
            if ra != rb:
                runner.mismatch(self.args, ra, rb, "replies differ")
            return
        popped = []
        for reply in (ra, rb):
            if reply[0] == "$":
                popped.append([] if reply[1] is None else [reply[1]])
            else:
                popped.append(_items(reply))
        if popped[0] is None or popped[1] is None or len(popped[0]) != len(popped[1]) or \
                ra[0] != rb[0]:
            runner.mismatch(self.args, ra, rb, "SPOP replies differ in shape or size")
            return
        for side, got in enumerate(popped):
            if any(m not in contents for m in got) or len(set(got)) != len(got):
                runner.mismatch(self.args, ra, rb, "%s popped members that were not there"
                                % ("keel", "redis")[side])
                return
        keel_popped, redis_popped = set(popped[0]), set(popped[1])
        if keel_popped != redis_popped:
            runner.call_one(1, [b"SADD", key] + sorted(redis_popped - keel_popped))
            runner.call_one(1, [b"SREM", key] + sorted(keel_popped - redis_popped))


class ZLexCommand:
    """A BYLEX range command (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX, ZRANGE ... BYLEX): Redis
    defines lex ranges only when all members share one score. With mixed scores a listpack is still
    scanned deterministically, but a skiplist's answer depends on its random tower heights. So
    on a skiplist with mixed scores the command is not sent at all (it could change the two
    keyspaces differently); otherwise it is compared exactly."""

    def __init__(self, args, key_index=1):
        self.args = [to_bytes(a) for a in args]
        self.key = self.args[key_index]

    def run(self, runner):
        state = _contents(runner, self.key)
        if state is None:
            return
        type_name, contents = state
        if type_name == b"zset" and len(set(contents.values())) > 1:
            ra, rb = runner.call_both([b"OBJECT", b"ENCODING", self.key])
            if ra != rb:
                runner.mismatch([b"OBJECT", b"ENCODING", self.key], ra, rb, "encodings differ")
                return
            if ra == ("$", b"skiplist"):
                return
        ra, rb = runner.call_both(self.args)
        if ra != rb:
            runner.mismatch(self.args, ra, rb, "replies differ")
