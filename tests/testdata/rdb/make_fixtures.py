#!/usr/bin/python3
"""Regenerates the RDB compatibility fixtures in this directory (see README.md) with Debian's
redis-server 7.0.15: for each fixture it starts Redis on a free port in a temporary --dir, creates
the data, saves, then loads the file into a fresh redis-server and writes what that server serves
(rdb_dataset.snapshot, plus DEBUG DIGEST) to <name>.json next to <name>.rdb.

    /usr/bin/python3 tests/testdata/rdb/make_fixtures.py

populate() is also used by tests/e2e/test_rdb_compat.py to give keel-server and redis-server the
same commands, so it must stay deterministic and use only commands both servers have."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "e2e"))

import keel_testutil as tu  # noqa: E402
import rdb_dataset  # noqa: E402

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB", "/usr/bin/redis-check-rdb")

# Absolute expire times far in the future, so the fixtures stay valid for decades.
EXPIRE_2100 = 4102444800123        # 2100-01-01T00:00:00.123Z
EXPIRE_9999 = 253402300799999      # 9999-12-31T23:59:59.999Z
EXPIRE_2200 = 7258118400000        # 2200-01-01


class CommandError(Exception):
    pass


def make_call(client):
    """A function running one command on a tu.RawClient, raising CommandError on an error reply
    (so a command a server lacks fails loudly, naming the command)."""
    def call(*args):
        reply = client.call(*args)
        if reply[0] == "-":
            shown = " ".join(rdb_dataset.enc(a) if isinstance(a, bytes) else str(a)
                             for a in args)
            raise CommandError("%s -> %s" % (shown[:200], reply[1].decode("utf-8", "replace")))
        return reply[1]
    return call


def pattern(seed, n):
    """n deterministic, incompressible printable bytes."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (seed, i)).hexdigest().encode()
        i += 1
    return out[:n]


def compressible(seed, n):
    """n bytes that LZF compresses well."""
    unit = seed + b":" + b"abcdefgh" * 4 + b"|"
    return (unit * (n // len(unit) + 1))[:n]


def populate(call, compress_depth=1):
    """Creates, on an empty server with default configuration and DEBUG enabled, data in every
    encoding Redis 7.0 writes, in databases 0, 1 and 15. Restores the configuration it changes.
    compress_depth: list-compress-depth for the long lists (1: their interior nodes are kept
    LZF-compressed and saved as LZF blobs even with rdbcompression no)."""
    call("SELECT", 0)
    # Strings: the integer encodings of RDB strings (int8/16/32) and 64-bit integers (raw in the
    # file, "int" once loaded), non-canonical integers, short/long/LZF/binary/UTF-8 strings.
    strings = {
        "str:int8": b"100", "str:int8:neg": b"-128", "str:int8:zero": b"0",
        "str:int16": b"30000", "str:int16:neg": b"-32768",
        "str:int32": b"2147483647", "str:int32:neg": b"-2147483648",
        "str:int64:max": b"9223372036854775807", "str:int64:min": b"-9223372036854775808",
        "str:int64": b"12345678901234", "str:int:leading-zero": b"0123",
        "str:int:plus": b"+5", "str:int:negzero": b"-0", "str:float": b"3.14",
        "str:empty": b"", "str:embstr": b"hello world", "str:44": b"x" * 44,
        "str:raw": pattern(b"raw", 300), "str:20": b"a" * 20, "str:21": b"a" * 21,
        "str:lzf": compressible(b"lzf", 200), "str:lzf:big": compressible(b"big", 3000),
        "str:crlf": b"line1\r\nline2\r\n",
    }
    for k, v in strings.items():
        call("SET", k, v)
    call("SET", b"bin:\x00\xff\x01\r\n", bytes(range(256)))
    call("SET", b"\xff", b"\x00")
    call("SET", "utf8:ключ:键:🔑".encode(), "значение ✓ 🚀".encode())
    call("INCRBY", "str:counter", 41)
    call("SET", "str:appended", "abc")
    call("APPEND", "str:appended", "def")
    call("SETRANGE", "str:setrange", 30, "z")

    # Lists: one small listpack node; listpack integer and string encodings (up to a 5000-byte
    # element); three 8 KB nodes of 300-byte elements whose interior one is kept LZF-compressed;
    # many 5-element nodes;
    # plain nodes (elements above the packed threshold, one of 9000 compressible bytes, one of
    # 1200 incompressible ones).
    call("RPUSH", "list:small", "a", "b", "c", "1", "2", "-3", "")
    ints = [0, 1, 127, 128, -1, 4095, -4096, 4096, 32767, -32768, 8388607, -8388608,
            2147483647, -2147483648, 9223372036854775807, -9223372036854775808]
    call("RPUSH", "list:encodings", *[str(i) for i in ints],
         "x" * 63, "y" * 64, "z" * 4095, "w" * 4096, compressible(b"l5000", 5000), "007", "1.5")
    call("RPUSH", "list:binary", b"\x00", b"\xff\xfe", "ключ".encode(), b"")
    call("CONFIG", "SET", "list-compress-depth", compress_depth)
    call("RPUSH", "list:big", *[b"%05d" % i + compressible(b"big", 295) for i in range(60)])
    call("LPUSH", "list:big", "head")
    call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 1000)
    call("RPUSH", "list:plain", "head", compressible(b"plain1", 9000), "middle",
         pattern(b"plain2", 1200), "tail")
    call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 0)
    call("CONFIG", "SET", "list-compress-depth", 0)
    call("CONFIG", "SET", "list-max-listpack-size", 5)
    call("RPUSH", "list:fill5", *[str(i * 3) for i in range(23)])
    call("CONFIG", "SET", "list-max-listpack-size", -2)

    # Hashes: listpack (small), hashtable (many fields; a long value), and a hashtable shrunk to
    # a few fields (saved as a hashtable, loaded as a listpack).
    call("HSET", "hash:small", "f1", "v1", "int", "12345", "neg", "-7", "empty", "",
         b"bin\x00", b"\xff", "big", "9223372036854775807")
    call("HSET", "hash:big", *[x for i in range(600) for x in ("f%03d" % i, "v%d" % i)])
    call("HSET", "hash:longvalue", "a", "1", "b", pattern(b"hv", 100))
    call("HSET", "hash:shrunk", *[x for i in range(600) for x in ("f%03d" % i, str(i))])
    call("HDEL", "hash:shrunk", *["f%03d" % i for i in range(3, 600)])

    # Sets: intsets of 16, 32 and 64-bit integers, hashtables (strings, more than 512 integers),
    # and an integer hashtable shrunk below 512 members (loaded as an intset).
    call("SADD", "set:int16", "1", "2", "3", "-5", "32767")
    call("SADD", "set:int32", "1", "100000", "-2147483648")
    call("SADD", "set:int64", "1", "9223372036854775807", "-9223372036854775808")
    call("SADD", "set:strings", "a", "b", "c", "hello world", b"\x00\xff")
    call("SADD", "set:bigint", *[str(i * 7) for i in range(600)])
    call("SADD", "set:shrunk", *[str(i) for i in range(600)])
    call("SREM", "set:shrunk", *[str(i) for i in range(5, 600)])
    call("SADD", "set:mixed", "1", "2", "x")

    # Sorted sets: listpack (scores stored as integers or as text, incl. inf, -inf, 0.1, 1e300),
    # skiplist (many members; a long member), a skiplist shrunk to a few members (loaded as a
    # listpack), equal scores ordered by member.
    call("ZADD", "zset:small", "inf", "pinf", "-inf", "ninf", "0.1", "tenth", "1e300", "huge",
         "-2.5", "neg", "0", "zero", "42", "int", "-7", "negint", "1.5", b"bin\x00\xff",
         "5", "same-a", "5", "same-b", "5", "same-c")
    call("ZADD", "zset:big", *[x for i in range(200) for x in (str(i * 0.5 - 20), "m%03d" % i)])
    call("ZADD", "zset:big", "inf", "top", "-inf", "bottom", "1e300", "huge", "-1e-300", "tiny")
    call("ZADD", "zset:longmember", "1", "a", "2", pattern(b"zm", 100))
    call("ZADD", "zset:shrunk", *[x for i in range(200) for x in (str(i), "s%03d" % i)])
    call("ZREMRANGEBYRANK", "zset:shrunk", 4, -1)

    # Expire times: absolute ones far in the future (deterministic), relative ones of ten years.
    call("SET", "ttl:string", "v")
    call("PEXPIREAT", "ttl:string", EXPIRE_2100)
    call("RPUSH", "ttl:list", "a", "b")
    call("PEXPIREAT", "ttl:list", EXPIRE_9999)
    call("HSET", "ttl:hash", "f", "v")
    call("PEXPIREAT", "ttl:hash", EXPIRE_2200)
    call("SADD", "ttl:set", "1", "2")
    call("EXPIRE", "ttl:set", 315360000)
    call("ZADD", "ttl:zset", "1", "a")
    call("PEXPIRE", "ttl:zset", 315360000123)
    call("SET", "ttl:int", "12345")
    call("EXPIREAT", "ttl:int", 4102444800)

    # Database 1: some names of database 0 with other values. Databases 2..14 stay empty.
    call("SELECT", 1)
    call("SET", "str:int8", "db1")
    call("RPUSH", "list:small", "db1")
    call("SET", "only-in-db1", "1")
    call("PEXPIREAT", "only-in-db1", EXPIRE_2100)
    # Database 15, the last one.
    call("SELECT", 15)
    call("SET", "str:int8", "15")
    call("HSET", "hash:small", "db", "15")
    call("ZADD", "zset:small", "15", "fifteen")
    call("PEXPIREAT", "zset:small", EXPIRE_9999)
    call("SELECT", 0)


# What populate() must have built before saving (in database 0), checked on Redis when the
# fixtures are made, so that a changed default threshold cannot silently drop an encoding.
LIVE_ENCODINGS = {
    "str:int8": "int", "str:int64:max": "int", "str:embstr": "embstr", "str:raw": "raw",
    "str:appended": "raw", "list:big": "quicklist", "hash:small": "listpack",
    "hash:big": "hashtable", "hash:longvalue": "hashtable", "hash:shrunk": "hashtable",
    "set:int16": "intset", "set:int32": "intset", "set:int64": "intset",
    "set:strings": "hashtable", "set:bigint": "hashtable", "set:shrunk": "hashtable",
    "zset:small": "listpack", "zset:big": "skiplist", "zset:longmember": "skiplist",
    "zset:shrunk": "skiplist",
}


def check_live_encodings(call):
    for key, want in LIVE_ENCODINGS.items():
        got = call("OBJECT", "ENCODING", key).decode()
        if got != want:
            raise RuntimeError("%s has encoding %s, populate() meant %s" % (key, got, want))


def add_expired_key(call):
    """A key whose expire time passes right after SAVE: the file holds it, a server loading the
    file later must drop it. Returns its expire time (ms)."""
    at = int(time.time() * 1000) + 1500
    call("SET", "expired:in-file", "gone")
    call("PEXPIREAT", "expired:in-file", at)
    return at


def restore_with(call, key_args, option, amount):
    """Recreates keys with RESTORE ... IDLETIME/FREQ so that their LRU idle time or LFU counter
    is a known value (saved as the IDLE / FREQ opcodes)."""
    for key in key_args:
        payload = call("DUMP", key)
        at = call("PEXPIRETIME", key)
        call("DEL", key)
        call("RESTORE", key, max(at, 0), payload, *(["ABSTTL"] if at > 0 else []),
             option, amount)


def build_lfu(call):
    call("SET", "lfu:a", "1")
    call("RPUSH", "lfu:b", "x", "y")
    call("HSET", "lfu:c", "f", "v")
    call("SET", "lfu:d", "never restored")
    restore_with(call, ["lfu:a"], "FREQ", 100)
    restore_with(call, ["lfu:b"], "FREQ", 255)
    restore_with(call, ["lfu:c"], "FREQ", 0)


def build_lru(call):
    call("SET", "lru:a", "1")
    call("SADD", "lru:b", "1", "2")
    call("ZADD", "lru:c", "1", "m")
    call("PEXPIREAT", "lru:c", EXPIRE_2100)
    restore_with(call, ["lru:a", "lru:b"], "IDLETIME", 1000000)
    restore_with(call, ["lru:c"], "IDLETIME", 5000)


# name: (description, start arguments for saving, start arguments for loading, builder,
#        snapshot options)
FIXTURES = {
    "types": ("every type and encoding in databases 0, 1 and 15, LZF strings and nodes, "
              "expire times, plus a key already expired when the file is loaded",
              [], [], "types", {}),
    "nocompress": ("the same data saved with rdbcompression no and list-compress-depth 0: no "
                   "LZF anywhere", ["--rdbcompression", "no"], [], "nocompress", {}),
    "nochecksum": ("the same data as types saved with rdbchecksum no (CRC field 0)",
                   ["--rdbchecksum", "no"], [], "nochecksum", {}),
    "empty": ("no keys: header, AUX fields, EOF and CRC only", [], [], "empty", {}),
    "lfu": ("keys with LFU counters (FREQ opcodes), saved and loaded with allkeys-lfu",
            ["--maxmemory-policy", "allkeys-lfu"], ["--maxmemory-policy", "allkeys-lfu"],
            "lfu", {"freq": True}),
    "lru": ("keys with LRU idle times (IDLE opcodes), saved and loaded with allkeys-lru",
            ["--maxmemory-policy", "allkeys-lru"], ["--maxmemory-policy", "allkeys-lru"],
            "lru", {"idle": True}),
}


def build(kind, call):
    """Creates fixture `kind`'s data; returns the latest expire time that must pass before the
    file is loaded (or 0)."""
    if kind in ("types", "nochecksum", "nocompress"):
        populate(call, compress_depth=0 if kind == "nocompress" else 1)
        check_live_encodings(call)
        return add_expired_key(call)
    if kind == "lfu":
        build_lfu(call)
    elif kind == "lru":
        build_lru(call)
    return 0


def start_redis(data_dir, dbfilename, args):
    return tu.ServerProcess(REDIS_SERVER, data_dir=data_dir,
                            args=["--dbfilename", dbfilename, "--enable-debug-command", "yes"]
                            + list(args))


def make_fixture(name, out_dir=HERE):
    description, save_args, load_args, kind, snap_opts = FIXTURES[name]
    filename = name + ".rdb"
    work = tempfile.mkdtemp(prefix="keel-rdb-fixture-")
    try:
        server = start_redis(work, filename, save_args)
        try:
            with tu.RawClient(server.port) as client:
                call = make_call(client)
                expired_at = build(kind, call)
                call("SAVE")
        finally:
            server.stop()
        src = os.path.join(work, filename)
        while expired_at and time.time() * 1000 <= expired_at + 50:
            time.sleep(0.1)
        load_dir = tempfile.mkdtemp(prefix="keel-rdb-load-", dir=work)
        shutil.copy(src, os.path.join(load_dir, filename))
        loader = start_redis(load_dir, filename, load_args)
        try:
            dataset = rdb_dataset.snapshot(loader.port, **snap_opts)
            digest = rdb_dataset.debug_digest(loader.port)
        finally:
            loader.stop()
        check = subprocess.run([REDIS_CHECK_RDB, src], capture_output=True, text=True)
        if check.returncode != 0 or "WARNING" in check.stdout or "error" in check.stdout.lower():
            raise RuntimeError("redis-check-rdb refused %s:\n%s" % (src, check.stdout))
        with open(src, "rb") as f:
            data = f.read()
        shutil.copy(src, os.path.join(out_dir, filename))
        doc = {
            "fixture": filename,
            "description": description,
            "made_by": "tests/testdata/rdb/make_fixtures.py with redis-server %s" % redis_version(),
            "rdb_version": int(data[5:9]),
            "sha256": hashlib.sha256(data).hexdigest(),
            "load_args": load_args,
            "snapshot_options": snap_opts,
            "debug_digest": digest,
            "dbs": dataset["dbs"],
        }
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            f.write(dump_json(doc))
        return len(data)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dump_json(doc):
    """JSON with one line per key, so that the files stay small and diff well."""
    lines = ["{"]
    for field in sorted(doc):
        if field != "dbs":
            lines.append(" %s: %s," % (json.dumps(field), json.dumps(doc[field], sort_keys=True)))
    lines.append(' "dbs": {')
    dbs = sorted(doc["dbs"], key=int)
    for i, db in enumerate(dbs):
        content = doc["dbs"][db]
        lines.append('  %s: {"dbsize": %d, "keys": {' % (json.dumps(db), content["dbsize"]))
        keys = sorted(content["keys"])
        for j, key in enumerate(keys):
            entry = json.dumps(content["keys"][key], sort_keys=True, separators=(",", ":"))
            lines.append("   %s: %s%s" % (json.dumps(key), entry, "," if j + 1 < len(keys) else ""))
        lines.append("  }}%s" % ("," if i + 1 < len(dbs) else ""))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def redis_version():
    out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True).stdout
    return out.split("v=")[1].split()[0]


def main(names):
    for name in names or FIXTURES:
        size = make_fixture(name)
        print("%s.rdb: %d bytes" % (name, size))


if __name__ == "__main__":
    main(sys.argv[1:])
