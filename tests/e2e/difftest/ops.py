"""What a generator returns: a Cmd (one command, one reply per server, compared by a check from
checks.py) or an interactive op that drives both servers itself (a full SCAN, RANDOMKEY)."""

from . import checks


def to_bytes(a):
    if isinstance(a, bytes):
        return a
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, int):
        return b"%d" % a
    raise TypeError("command argument %r" % (a,))


class Cmd:
    __slots__ = ("args", "check")

    def __init__(self, *args, check=checks.exact):
        self.args = [to_bytes(a) for a in args]
        self.check = check


class ScanAll:
    """SCAN 0 [MATCH p] [COUNT n] [TYPE t] iterated to cursor 0 on each server; the sets of keys
    must be equal. Without MATCH and TYPE it also deletes every logically expired key of the db on
    both servers, which makes the db's DBSIZE deterministic again."""

    def __init__(self, match=None, count=None, type_=None):
        self.options = []
        if match is not None:
            self.options += [b"MATCH", to_bytes(match)]
        if count is not None:
            self.options += [b"COUNT", to_bytes(count)]
        if type_ is not None:
            self.options += [b"TYPE", to_bytes(type_)]

    def run(self, runner):
        """Returns the set of keys, or None after a mismatch or when both servers refused."""
        first = runner.call_both([b"SCAN", b"0"] + self.options)
        if any(r[0] == "-" for r in first):
            if first[0] != first[1]:
                runner.mismatch([b"SCAN", b"0"] + self.options, first[0], first[1],
                                "replies differ")
            return None
        results = []
        for side in (0, 1):
            keys, reply, rounds = set(), first[side], 0
            args = [b"SCAN", b"0"] + self.options
            while True:
                kind, payload = reply
                if (kind != "*" or payload is None or len(payload) != 2 or payload[0][0] != "$"
                        or payload[1][0] != "*" or payload[1][1] is None
                        or any(k[0] != "$" or k[1] is None for k in payload[1][1])):
                    runner.mismatch(args, reply if side == 0 else None,
                                    reply if side == 1 else None,
                                    "malformed SCAN reply")
                    return None
                keys.update(k[1] for k in payload[1][1])
                cursor = payload[0][1]
                rounds += 1
                if cursor == b"0":
                    break
                if rounds > 100000:
                    runner.mismatch(args, None, None, "SCAN did not finish in 100000 calls")
                    return None
                args = [b"SCAN", cursor] + self.options
                reply = runner.call_one(side, args)
            results.append(keys)
        if results[0] != results[1]:
            a, b = results
            runner.mismatch([b"SCAN", b"0"] + self.options, ("*", sorted(a - b)),
                            ("*", sorted(b - a)),
                            "SCAN to completion returned different key sets "
                            "(replies shown: keys only keel returned / only redis returned)")
            return None
        return results[0]


class RandomKey:
    """A full SCAN (purging logically expired keys) and then RANDOMKEY: both nil, or each server
    names a key that its SCAN returned."""

    def run(self, runner):
        keys = ScanAll().run(runner)
        if keys is None:
            return
        ra, rb = runner.call_both([b"RANDOMKEY"])
        if ra == rb == ("$", None):
            return
        ok = all(r[0] == "$" and r[1] is not None and r[1] in keys for r in (ra, rb))
        if not ok:
            runner.mismatch([b"RANDOMKEY"], ra, rb,
                            "RANDOMKEY must return an existing key on both, or nil on both "
                            "(db has %d keys)" % len(keys))
