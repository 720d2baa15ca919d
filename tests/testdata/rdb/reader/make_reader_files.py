#!/usr/bin/python3
"""Makes the RDB reader's test files with a real redis-server (Debian's 7.0.15).

Usage: make_reader_files.py <port> <outdir>, with a server already running as
  redis-server --port <port> --save '' --appendonly no --dir <dir> --enable-debug-command yes
      --list-max-listpack-size 4 --hash-max-listpack-entries 4 --zset-max-listpack-entries 4
      --set-max-intset-entries 4
Writes types.rdb (every encoding 7.0 writes: int/raw/LZF strings, listpack, plain and LZF
quicklist nodes, intset and hash-table sets, listpack and skiplist zsets, listpack and hash-table
hashes, a stream, a function library, TTLs, three dbs, binary keys) with types.txt (what the
server says each key holds, in rdb_reader_test.cc's canonical form), lru.rdb (IDLE opcodes),
lfu.rdb (FREQ opcodes) and <key>.dump DUMP payloads of types.rdb's
db 0 keys for the fuzz corpus.
"""
import os
import shutil
import sys

import redis

port, out = int(sys.argv[1]), sys.argv[2]
r = redis.Redis(port=port)
os.makedirs(out, exist_ok=True)
T = 4102444800000  # 2100-01-01 in ms: a fixed expiry that never passes while the tests run


def esc(b):
    if isinstance(b, str):
        b = b.encode()
    return "".join(chr(c) if 0x21 <= c < 0x7f and chr(c) not in "\\,=" else "\\x%02x" % c
                   for c in b)


def build():
    r.flushall()
    r.function_flush()
    r.function_load("#!lua name=keellib\n"
                    "redis.register_function('keelfn', function(keys, args) return 1 end)")
    r.select(0)
    r.set("str:raw", "hello world")
    r.set("str:empty", "")
    for k, v in [("int8", "-128"), ("int16", "300"), ("int32", "2147483647"),
                 ("notint32", "2147483648"), ("zero", "0"), ("lead0", "007")]:
        r.set("str:" + k, v)
    r.set("str:lzf", "abcdefghij" * 30)
    r.set(b"bin\x00\xff\x01key", b"\x00\x01\x02\xfe\xff")
    r.set("k" * 100, "key long enough for LZF")
    r.set("str:ttl", "expires", pxat=T)
    r.rpush("list:small", "a", "1", "-2", "bb")
    r.rpush("list:big", *[str(i) if i % 3 else "item-%d" % i for i in range(20)])
    r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "40")
    r.rpush("list:plain", "x", "p" * 60, "y", "q" * 45)
    r.config_set("list-compress-depth", "1")
    r.rpush("list:lzf", *["compressible element %02d ........" % i for i in range(24)])
    r.config_set("list-compress-depth", "0")
    r.pexpireat("list:small", T + 1)
    r.hset("hash:small", mapping={"f1": "v1", "num": "123", "": "empty field"})
    r.hset("hash:big", mapping={"field%d" % i: "value%d" % i for i in range(10)})
    r.hset("hash:longval", mapping={"a": "x" * 100})
    r.pexpireat("hash:big", T + 2)
    r.sadd("set:int", 1, 2, 3, -5)
    r.sadd("set:int64", 9223372036854775807, -9223372036854775808)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:manyints", *range(100, 110))
    r.zadd("zset:small", {"a": 1, "b": 2.5, "c": float("-inf"), "d": float("inf")})
    r.zadd("zset:big", {"m%d" % i: i * 0.1 for i in range(10)})
    r.zadd("zset:odd", {"big": 1e300, "tiny": 5e-324, "neg": -0.5})
    r.xadd("stream:1", {"f": "v"}, id="1-1")
    r.xadd("stream:1", {"f": "w", "g": "x"}, id="2-0")
    r.select(1)
    r.set("db1:key", "one")
    r.sadd("db1:set", "x")
    r.select(5)
    r.set("db5:key", "five", pxat=T + 3)
    r.select(0)


def canonical():
    lines = []
    for db in (0, 1, 5):
        r.select(db)
        for k in r.keys("*"):
            t = r.type(k).decode()
            exp = r.pexpiretime(k)
            if t == "string":
                v = esc(r.get(k))
            elif t == "list":
                v = ",".join(esc(x) for x in r.lrange(k, 0, -1))
            elif t == "set":
                v = ",".join(sorted(esc(x) for x in r.smembers(k)))
            elif t == "hash":
                v = ",".join(sorted(esc(f) + "=" + esc(x) for f, x in r.hgetall(k).items()))
            elif t == "zset":
                raw = r.execute_command("ZRANGE", k, 0, -1, "WITHSCORES")
                v = ",".join(sorted(esc(raw[i]) + "=" + raw[i + 1].decode()
                                    for i in range(0, len(raw), 2)))
            else:
                v = "entries=%d" % r.xlen(k)
            lines.append("%d %s %s %d %s" % (db, esc(k), t, exp, v))
    r.select(0)
    return "".join(l + "\n" for l in sorted(lines))


def save(name):
    r.save()
    d = r.config_get("dir")["dir"]
    shutil.copy(os.path.join(d, "dump.rdb"), os.path.join(out, name))


build()
save("types.rdb")
with open(os.path.join(out, "types.txt"), "w") as f:
    f.write(canonical())
for k in r.keys("*"):
    name = esc(k).replace("\\", "_")[:40]
    with open(os.path.join(out, name + ".dump"), "wb") as f:
        f.write(r.dump(k))

r.flushall()
r.function_flush()
r.set("a", "1")
r.rpush("b", "x")
r.config_set("maxmemory-policy", "allkeys-lru")
save("lru.rdb")
r.config_set("maxmemory-policy", "allkeys-lfu")
r.get("a")
save("lfu.rdb")
r.config_set("maxmemory-policy", "noeviction")
