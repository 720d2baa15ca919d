"""A running server's whole dataset in a canonical, JSON-ready form, and a readable comparison of
two such snapshots. Used by test_rdb_compat.py and by tests/testdata/rdb/make_fixtures.py, which
writes the expected dataset of each RDB fixture in this form (<name>.json).

Form: {"dbs": {"<db>": {"dbsize": N, "keys": {<key>: {
          "type": "string" | "list" | "set" | "zset" | "hash" | <other TYPE reply>,
          "encoding": OBJECT ENCODING,
          "expire_ms": PEXPIRETIME (absolute unix ms) or None,
          "value": string: <bytes>; list: [<bytes>, ...] in order; set: sorted [<bytes>, ...];
                   hash: {<field>: <bytes>}; zset: [[<member>, <score>], ...] in ZRANGE order,
          "ql_nodes": quicklist node count from DEBUG OBJECT (lists only),
          "freq": OBJECT FREQ (only with freq=True), "idle": OBJECT IDLETIME (only with idle=True)
      }}}}}
Only databases holding keys appear. <bytes> is "long:<length>:<sha256 hex>" for more than 256
bytes, else the text when every byte is printable ASCII and it does not start with "hex:" or
"long:", else "hex:" + hex digits. <score> is Python's repr of the float
("inf", "-inf", "0.1", "1e+300"), so formatting differences of the reply do not count."""

import hashlib
import re

import keel_testutil as tu


class SnapshotError(Exception):
    """A command the snapshot needs failed: the server lacks it or answered an error."""


LONG = 256


def enc(b):
    """Canonical text of a byte string (see the module comment)."""
    if len(b) > LONG:
        return "long:%d:%s" % (len(b), hashlib.sha256(b).hexdigest())
    if all(0x20 <= c <= 0x7E for c in b):
        s = b.decode("ascii")
        if not s.startswith(("hex:", "long:")):
            return s
    return "hex:" + b.hex()


def dec(s):
    """The bytes behind enc(s) (not for the "long:" form)."""
    return bytes.fromhex(s[4:]) if s.startswith("hex:") else s.encode("ascii")


def score_text(raw):
    return repr(float(raw))


class _Caller:
    def __init__(self, client):
        self.client = client

    def __call__(self, *args):
        reply = self.client.call(*args)
        if reply[0] == "-":
            raise SnapshotError("%s failed: %s" % (" ".join(_show(a) for a in args),
                                                   reply[1].decode("utf-8", "replace")))
        return reply[1]


def _show(arg):
    if isinstance(arg, bytes):
        return enc(arg)
    return str(arg)


def _bulks(items):
    return [v for _, v in items]


def database_count(call):
    reply = call("CONFIG", "GET", "databases")
    values = _bulks(reply)
    if len(values) != 2:
        raise SnapshotError("CONFIG GET databases returned %r" % (reply,))
    return int(values[1])


def scan_keys(call):
    keys, cursor = set(), b"0"
    while True:
        reply = call("SCAN", cursor, "COUNT", "1000")
        cursor = reply[0][1]
        keys.update(_bulks(reply[1][1]))
        if cursor == b"0":
            return keys


def key_entry(call, key, freq=False, idle=False):
    """One key's entry. OBJECT FREQ / IDLETIME come first: every later command except TYPE,
    PEXPIRETIME, OBJECT ENCODING and DEBUG OBJECT would touch the key."""
    entry = {}
    if freq:
        entry["freq"] = call("OBJECT", "FREQ", key)
    if idle:
        entry["idle"] = call("OBJECT", "IDLETIME", key)
    kind = call("TYPE", key).decode()
    entry["type"] = kind
    pexpiretime = call("PEXPIRETIME", key)
    entry["expire_ms"] = None if pexpiretime == -1 else pexpiretime
    entry["encoding"] = call("OBJECT", "ENCODING", key).decode()
    if kind == "string":
        entry["value"] = enc(call("GET", key))
    elif kind == "list":
        entry["value"] = [enc(v) for v in _bulks(call("LRANGE", key, 0, -1))]
        line = call("DEBUG", "OBJECT", key).decode()
        m = re.search(r"\bql_nodes:(\d+)", line)
        if not m:
            raise SnapshotError("DEBUG OBJECT shows no ql_nodes for a list: %s" % line)
        entry["ql_nodes"] = int(m.group(1))
    elif kind == "set":
        entry["value"] = [enc(v) for v in sorted(_bulks(call("SMEMBERS", key)))]
    elif kind == "hash":
        flat = _bulks(call("HGETALL", key))
        entry["value"] = {enc(flat[i]): enc(flat[i + 1]) for i in range(0, len(flat), 2)}
    elif kind == "zset":
        flat = _bulks(call("ZRANGE", key, 0, -1, "WITHSCORES"))
        entry["value"] = [[enc(flat[i]), score_text(flat[i + 1])] for i in range(0, len(flat), 2)]
    else:
        entry["value"] = None  # a type the fixtures do not hold (a stream): the type shows it
    return entry


def snapshot(port, freq=False, idle=False):
    """The dataset of the server on 127.0.0.1:port in canonical form. Raises SnapshotError when a
    command it needs fails."""
    with tu.RawClient(port, timeout=20.0) as client:
        call = _Caller(client)
        dbs = {}
        for db in range(database_count(call)):
            call("SELECT", db)
            dbsize = call("DBSIZE")
            keys = scan_keys(call)
            if not keys and dbsize == 0:
                continue
            dbs[str(db)] = {"dbsize": dbsize,
                            "keys": {enc(k): key_entry(call, k, freq, idle) for k in sorted(keys)}}
        call("SELECT", 0)
        return {"dbs": dbs}


def debug_digest(port):
    """DEBUG DIGEST of the whole dataset (hex text)."""
    with tu.RawClient(port, timeout=20.0) as client:
        return _Caller(client)("DEBUG", "DIGEST").decode()


def digest_values(port, dataset):
    """DEBUG DIGEST-VALUE of every key of a snapshot: {(db, key): hex}, to locate a digest
    difference."""
    out = {}
    with tu.RawClient(port, timeout=20.0) as client:
        call = _Caller(client)
        for db, content in dataset["dbs"].items():
            call("SELECT", int(db))
            for key in content["keys"]:
                out[(db, key)] = _bulks(call("DEBUG", "DIGEST-VALUE", dec(key)))[0].decode()
        call("SELECT", 0)
    return out


# ---- Comparison ----

def _clip(value, width=80):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _value_differences(kind, exp, act):
    """Short descriptions of how two canonical values differ."""
    if exp == act:
        return []
    if isinstance(exp, list) and isinstance(act, list):
        if kind in ("list", "zset"):
            for i, (a, b) in enumerate(zip(exp, act)):
                if a != b:
                    return ["first difference at index %d: expected %s, got %s (lengths %d, %d)"
                            % (i, _clip(a), _clip(b), len(exp), len(act))]
            return ["lengths differ: expected %d, got %d" % (len(exp), len(act))]
        missing = sorted(set(exp) - set(act))
        extra = sorted(set(act) - set(exp))
        return ["missing %d members (%s), unexpected %d (%s)"
                % (len(missing), _clip(missing[:5]), len(extra), _clip(extra[:5]))]
    if isinstance(exp, dict) and isinstance(act, dict):
        missing = sorted(set(exp) - set(act))
        extra = sorted(set(act) - set(exp))
        changed = sorted(f for f in set(exp) & set(act) if exp[f] != act[f])
        out = []
        if missing:
            out.append("missing fields %s" % _clip(missing[:5]))
        if extra:
            out.append("unexpected fields %s" % _clip(extra[:5]))
        for f in changed[:3]:
            out.append("field %s: expected %s, got %s" % (_clip(f), _clip(exp[f]), _clip(act[f])))
        return out
    return ["expected %s, got %s" % (_clip(exp), _clip(act))]


def differences(expected, actual, encodings=True, expire_tolerance_ms=0, idle_tolerance_s=60):
    """Every difference between two snapshots (or fixture JSON documents), as readable lines.
    encodings=False ignores OBJECT ENCODING and ql_nodes (an object may change encoding when it is
    reloaded). freq and idle are compared only when the expected side has them."""
    out = []
    edbs, adbs = expected["dbs"], actual["dbs"]
    for db in sorted(set(edbs) | set(adbs), key=int):
        if db not in adbs:
            out.append("db %s: missing (expected %d keys)" % (db, len(edbs[db]["keys"])))
            continue
        if db not in edbs:
            out.append("db %s: unexpected, %d keys, e.g. %s"
                       % (db, len(adbs[db]["keys"]), _clip(sorted(adbs[db]["keys"])[:3])))
            continue
        e, a = edbs[db], adbs[db]
        if e["dbsize"] != a["dbsize"]:
            out.append("db %s: DBSIZE expected %d, got %d" % (db, e["dbsize"], a["dbsize"]))
        for key in sorted(set(e["keys"]) | set(a["keys"])):
            where = "db %s key %s" % (db, _clip(key, 60))
            if key not in a["keys"]:
                out.append("%s: missing (expected a %s)" % (where, e["keys"][key]["type"]))
                continue
            if key not in e["keys"]:
                out.append("%s: unexpected %s" % (where, a["keys"][key]["type"]))
                continue
            ek, ak = e["keys"][key], a["keys"][key]
            if ek["type"] != ak["type"]:
                out.append("%s: type expected %s, got %s" % (where, ek["type"], ak["type"]))
                continue
            for d in _value_differences(ek["type"], ek["value"], ak["value"]):
                out.append("%s: value: %s" % (where, d))
            ee, ae = ek["expire_ms"], ak["expire_ms"]
            if (ee is None) != (ae is None) or (
                    ee is not None and abs(ee - ae) > expire_tolerance_ms):
                out.append("%s: expire time expected %s, got %s" % (where, ee, ae))
            if encodings:
                if ek["encoding"] != ak["encoding"]:
                    out.append("%s: encoding expected %s, got %s"
                               % (where, ek["encoding"], ak["encoding"]))
                if ek.get("ql_nodes") != ak.get("ql_nodes"):
                    out.append("%s: quicklist nodes expected %s, got %s"
                               % (where, ek.get("ql_nodes"), ak.get("ql_nodes")))
            if "freq" in ek and ek["freq"] != ak.get("freq"):
                out.append("%s: OBJECT FREQ expected %s, got %s" % (where, ek["freq"],
                                                                      ak.get("freq")))
            if "idle" in ek and (ak.get("idle") is None
                                 or abs(ek["idle"] - ak["idle"]) > idle_tolerance_s):
                out.append("%s: OBJECT IDLETIME expected about %s, got %s"
                           % (where, ek["idle"], ak.get("idle")))
    return out


def format_differences(diffs, limit=20):
    if not diffs:
        return "datasets are identical"
    head = "%d difference(s)%s:" % (len(diffs), ", first %d" % limit if len(diffs) > limit else "")
    return "\n  ".join([head] + diffs[:limit])
