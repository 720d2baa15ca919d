"""The end-of-run comparison of both keyspaces: per database DBSIZE, the set of keys, and per
key its TYPE, its whole value (through the dumper its family registered) and its expiry time."""

from . import checks
from .gen import ALL_DBS
from .registry import all_dumpers


def compare_keyspaces(runner):
    dumpers = all_dumpers()
    for db in range(ALL_DBS):
        args = [b"SELECT", b"%d" % db]
        ra, rb = runner.call_both(args)
        if ra != rb:
            runner.mismatch(args, ra, rb, "final dump: SELECT differs")
            continue
        # DBSIZE still counts logically expired keys that nothing has touched yet.
        ra, rb = runner.call_both([b"DBSIZE"])
        if ra != rb:
            runner.mismatch([b"DBSIZE"], ra, rb, "final dump: DBSIZE differs")
            continue
        ra, rb = runner.call_both([b"KEYS", b"*"])
        reason = checks.unordered(ra, rb, runner.gen)
        if reason:
            runner.mismatch([b"KEYS", b"*"], ra, rb, "final dump: key sets differ")
            continue
        if ra[0] != "*" or ra[1] is None:
            runner.mismatch([b"KEYS", b"*"], ra, rb, "final dump: KEYS did not return an array")
            continue
        for _, key in sorted(ra[1]):
            if not _compare_key(runner, key, dumpers):
                break
        runner.call_both([b"SELECT", b"%d" % runner.gen.db])


def _compare_key(runner, key, dumpers):
    args = [b"TYPE", key]
    ra, rb = runner.call_both(args)
    if ra != rb:
        runner.mismatch(args, ra, rb, "final dump: TYPE differs")
        return False
    type_name = ra[1].decode("latin-1")
    if type_name == "none":
        return True
    dumper = dumpers.get(type_name)
    if dumper is None:
        runner.mismatch(args, ra, rb, "final dump: no family registered a dumper for type %r"
                        % type_name)
        return False
    values = [dumper(lambda a, side=side: runner.call_one(side, a), key) for side in (0, 1)]
    if values[0] != values[1]:
        runner.mismatch([b"DUMP-VALUE", key], values[0], values[1], "final dump: values differ")
        return False
    args = [b"PEXPIRETIME", key]
    ra, rb = runner.call_both(args)
    reason = checks.abstime_ms(ra, rb, runner.gen)
    if reason:
        runner.mismatch(args, ra, rb, "final dump: " + reason)
        return False
    return True
