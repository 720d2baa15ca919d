"""Reply checks: each takes (keel_reply, redis_reply, gen) and returns None when the replies agree
or a sentence saying why they do not. Everything is exact except where Redis itself is
nondeterministic (ordering of KEYS) or the reply depends on the wall clock (TTL and the absolute
expiry time of a key whose expiry was set relative to "now" at slightly different moments)."""


def exact(ra, rb, gen):
    return None if ra == rb else "replies differ"


def unordered(ra, rb, gen):
    """Arrays compared as multisets (KEYS). Items may be nil (SORT ... GET), hence the key."""
    if ra[0] == rb[0] == "*" and ra[1] is not None and rb[1] is not None:
        if sorted(ra[1], key=repr) == sorted(rb[1], key=repr):
            return None
        return "arrays differ as multisets"
    return exact(ra, rb, gen)


def _ints(ra, rb):
    if ra[0] == rb[0] == ":":
        try:
            return int(ra[1]), int(rb[1])
        except ValueError:
            return None
    return None


def _remaining(scale):
    def check(ra, rb, gen):
        if ra == rb:
            return None
        ints = _ints(ra, rb)
        if ints is None or min(ints) < 0:  # -1 (no expiry) and -2 (no key) must agree exactly
            return "replies differ"
        if abs(ints[0] - ints[1]) * scale <= gen.clock_tolerance_ms:
            return None
        return "remaining time differs by more than %d ms" % gen.clock_tolerance_ms
    return check


ttl_s = _remaining(1000)  # TTL
ttl_ms = _remaining(1)  # PTTL


def _absolute(scale):
    def check(ra, rb, gen):
        if ra == rb:
            return None
        ints = _ints(ra, rb)
        if ints is None or min(ints) < 0:
            return "replies differ"
        # An expiry set from a fixed timestamp must match exactly; one set relative to "now"
        # lands in a window the generator knows and may differ by the clock skew between the
        # moments each server executed the command.
        if not all(gen.in_relative_window(v * scale) for v in ints):
            return "absolute expiry differs (fixed timestamp, must match exactly)"
        if abs(ints[0] - ints[1]) * scale <= gen.clock_tolerance_ms:
            return None
        return "absolute expiry differs by more than %d ms" % gen.clock_tolerance_ms
    return check


abstime_s = _absolute(1000)  # EXPIRETIME
abstime_ms = _absolute(1)  # PEXPIRETIME
