#!/usr/bin/python3
"""Makes the stream test data from a real redis-server (Debian's 7.0.15).

Usage: make_streams.py <port> <outdir>, with a server already running as
  redis-server --port <port> --save '' --appendonly no --dir <dir> --stream-node-max-entries 10
Writes <key>.dump (DUMP payload: type byte, value, 2-byte version, CRC64) per stream, dump.rdb
(SAVE of the same keys) and xinfo.txt (XINFO STREAM FULL of each key, what the tests expect).
Explicit IDs keep the entries stable; delivery and seen times are the server's clock.
"""
import os
import random
import shutil
import sys
import time

import redis

port, out = int(sys.argv[1]), sys.argv[2]
r = redis.Redis(port=port)
r.flushall()

# Same fields (SAMEFIELDS entries), different fields, integer-like fields and values, an empty
# value, a deleted entry.
k = "s:fields"
r.xadd(k, {"a": "1", "b": "2"}, id="1-1")
r.xadd(k, {"a": "3", "b": "4"}, id="1-2")
r.xadd(k, {"c": "x"}, id="1-3")
r.xadd(k, {"a": "5", "b": "6", "extra": "7"}, id="1-4")
r.xadd(k, {"a": "", "b": "text value"}, id="2-0")
r.xadd(k, {"num": "-42", "big": "9223372036854775807"}, id="2-5")
r.xadd(k, {"100": "200"}, id="3-0")
r.xdel(k, "1-2")

# Deltas: a negative seq delta and an ms delta above INT64_MAX (stored as a negative int64).
k = "s:ids"
r.xadd(k, {"f": "v"}, id="5-100")
r.xadd(k, {"f": "w"}, id="6-0")
r.xadd(k, {"f": "x"}, id="1000000000000-7")
r.xadd(k, {"f": "y"}, id="18446744073709551615-0")

# Every entry deleted: no listpack left, but last id, max deleted id and entries_added remain.
k = "s:empty"
r.xadd(k, {"f": "v"}, id="1-1")
r.xadd(k, {"f": "v"}, id="1-2")
r.xdel(k, "1-1", "1-2")

# A group on a stream that never had an entry.
r.xgroup_create("s:mkstream", "g", id="$", mkstream=True)

# Several listpack nodes (stream-node-max-entries 10), exact trimming (deleted-flagged entries in
# the first node), deletions in the middle, groups with PELs, a claim, an empty consumer.
k = "s:many"
for i in range(45):
    fields = {"f": str(i), "g": "v%d" % i} if i % 7 else {"f": str(i), "h": "odd", "i": str(-i)}
    r.xadd(k, fields, id="%d-0" % (100 + i))
r.xtrim(k, maxlen=37, approximate=False)
r.xdel(k, "120-0", "121-0", "133-0")
r.xgroup_create(k, "g1", id="0")
r.xreadgroup("g1", "alice", {k: ">"}, count=5)
r.xreadgroup("g1", "bob", {k: ">"}, count=3)
r.xack(k, "g1", "109-0")
time.sleep(0.01)
r.xclaim(k, "g1", "carol", 0, ["110-0", "111-0"])
r.execute_command("XGROUP", "CREATECONSUMER", k, "g1", "dave")
r.xgroup_create(k, "g2", id="$")
r.execute_command("XGROUP", "CREATE", k, "g3", "125-0", "ENTRIESREAD", "5")
r.xreadgroup("g3", "zed", {k: ">"}, count=2)

# Long repetitive values: the listpack is LZF-compressed in the dump. A 5000-byte random value:
# a listpack string with a 32-bit length.
k = "s:lzf"
r.xadd(k, {"field": "x" * 300}, id="7-1")
r.xadd(k, {"field": "y" * 300}, id="7-2")
rng = random.Random(7)
r.xadd("s:big", {"blob": bytes(rng.randrange(256) for _ in range(5000))}, id="8-8")

keys = ["s:fields", "s:ids", "s:empty", "s:mkstream", "s:many", "s:lzf", "s:big"]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "xinfo.txt"), "w") as f:
    for key in keys:
        with open(os.path.join(out, key.replace(":", "_") + ".dump"), "wb") as d:
            d.write(r.dump(key))
        info = r.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
        if key == "s:big":  # the blob itself is long: its FNV-1a 64 hash stands for it
            h = 0xcbf29ce484222325
            for b in info[info.index(b"entries") + 1][0][1][1]:
                h = ((h ^ b) * 0x100000001b3) % (1 << 64)
            info[info.index(b"entries") + 1][0][1][1] = "fnv1a64=%016x" % h
        f.write("%s %r\n" % (key, info))
r.save()
shutil.copy(os.path.join(r.config_get("dir")["dir"], "dump.rdb"), os.path.join(out, "dump.rdb"))
