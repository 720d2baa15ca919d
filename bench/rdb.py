#!/usr/bin/python3
"""Compares keel-server's RDB snapshots with redis-server's on the same machine in one run: SAVE
time, BGSAVE time, load time at startup, file size, and the copy-on-write of a BGSAVE under a
redis-benchmark write load, for about 3,000,000 keys. Prints one Markdown table; --json also
writes the raw numbers. See bench/README.md.

    /usr/bin/python3 bench/rdb.py --keel build/release/server/keel-server [--keys N] [--json out]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run import (SIDES, ServerProcess, add_server_options, dbsize, fmt_ratio, loadavg,  # noqa: E402
                 log, raw_call, server_binaries, version, write_collection_file, write_json,
                 write_load_file)


def start(binary, data_dir):
    server = ServerProcess(binary, args=["--dir", data_dir])
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(server.proc.pid, {1})
    return server


def info_field(port, name):
    text = raw_call(port, b"INFO persistence\r\n")
    m = re.search(r"^%s:(-?\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


def pipe_into(port, path):
    with open(path, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, check=True,
                       stdout=subprocess.DEVNULL)


def timed_call(port, payload):
    t = time.perf_counter()
    reply = raw_call(port, payload)
    return time.perf_counter() - t, reply


def bgsave_seconds(port):
    t = time.perf_counter()
    reply = raw_call(port, b"BGSAVE\r\n")
    if "started" not in reply:
        raise RuntimeError("BGSAVE: " + reply)
    while info_field(port, "rdb_bgsave_in_progress") != 0:
        time.sleep(0.005)
    if raw_call(port, b"INFO persistence\r\n").find("rdb_last_bgsave_status:ok") < 0:
        raise RuntimeError("BGSAVE failed")
    return time.perf_counter() - t


def load_seconds(binary, data_dir):
    """Starts a server on the saved file and reads the load time it logs (both servers print
    "DB loaded from disk: X seconds")."""
    server = start(binary, data_dir)
    try:
        # Redis answers -LOADING while it loads, so "ready" may come before the line.
        deadline = time.time() + 300
        while True:
            m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", server.read_log())
            if m or time.time() > deadline:
                break
            time.sleep(0.05)
        keys = dbsize(server.port)
        return (float(m.group(1)) if m else None), keys
    finally:
        server.stop()


def cow_under_load(server, keys):
    """BGSAVE while redis-benchmark overwrites random existing keys; returns the child's
    copy-on-write as the server reports it (rdb_last_cow_size)."""
    bench = subprocess.Popen(
        ["taskset", "-c", "0", "redis-benchmark", "-p", str(server.port), "-t", "set", "-n",
         "100000000", "-r", str(keys), "-d", "32", "-c", "50", "-P", "16", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        bgsave_seconds(server.port)
    finally:
        bench.kill()
        bench.wait()
    return info_field(server.port, "rdb_last_cow_size")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(p)
    p.add_argument("--keys", type=int, default=3_000_000, help="string keys (3,000,000)")
    p.add_argument("--repeats", type=int, default=3, help="SAVE/BGSAVE/load runs per server")
    p.add_argument("--json", help="also write the raw results here")
    args = p.parse_args()
    binaries = server_binaries(args)

    work = tempfile.mkdtemp(prefix="keel-bench-rdb-")
    strings = os.path.join(work, "strings.resp")
    write_load_file(strings, args.keys)
    # Some collections as well, in their compact encodings (the engine writes them as they are).
    colls = []
    for kind in ("hash", "list", "set", "zset"):
        path = os.path.join(work, kind + ".resp")
        write_collection_file(path, kind, 10_000, 100)
        colls.append(path)

    results = {"keys": args.keys, "repeats": args.repeats, "load_before": loadavg(),
               "versions": {s: version(binaries[s]) for s in SIDES}}
    runs = {s: {"save": [], "bgsave": [], "load": []} for s in SIDES}
    try:
        dirs = {s: os.path.join(work, s) for s in SIDES}
        for s in SIDES:
            os.mkdir(dirs[s])
            server = start(binaries[s], dirs[s])
            try:
                log("%s: loading %d keys and 40,000 collections" % (s, args.keys))
                pipe_into(server.port, strings)
                for path in colls:
                    pipe_into(server.port, path)
                results[s + "_dbsize"] = dbsize(server.port)
                for rep in range(args.repeats):
                    secs, reply = timed_call(server.port, b"SAVE\r\n")
                    if not reply.startswith("+OK"):
                        raise RuntimeError("SAVE: " + reply)
                    runs[s]["save"].append(secs)
                    runs[s]["bgsave"].append(bgsave_seconds(server.port))
                results[s + "_file_bytes"] = os.path.getsize(os.path.join(dirs[s], "dump.rdb"))
                log("%s: BGSAVE under a write load" % s)
                results[s + "_cow_bytes"] = cow_under_load(server, args.keys)
                raw_call(server.port, b"SAVE\r\n")
            finally:
                server.stop()
        for rep in range(args.repeats):
            for s in (SIDES if rep % 2 == 0 else SIDES[::-1]):
                secs, keys = load_seconds(binaries[s], dirs[s])
                runs[s]["load"].append(secs)
                results[s + "_loaded_keys"] = keys
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["runs"] = runs
    results["load_after"] = loadavg()

    med = {s: {k: statistics.median(v) for k, v in runs[s].items()} for s in SIDES}
    rows = [("SAVE, seconds", med["keel"]["save"], med["redis"]["save"]),
            ("BGSAVE, seconds", med["keel"]["bgsave"], med["redis"]["bgsave"]),
            ("load at startup, seconds", med["keel"]["load"], med["redis"]["load"]),
            ("file size, bytes", results["keel_file_bytes"], results["redis_file_bytes"]),
            ("BGSAVE copy-on-write under SET load, bytes", results["keel_cow_bytes"],
             results["redis_cow_bytes"])]
    lines = ["| RDB, %d keys + 40,000 collections | keel | redis | keel/redis |" % args.keys,
             "|---|---:|---:|---:|"]
    for name, k, r in rows:
        fmt = "%.3f" if isinstance(k, float) else "%d"
        lines.append("| %s | %s | %s | %s |" % (name, fmt % k, fmt % r, fmt_ratio(k, r)))
    lines.append("")
    lines.append("Medians of %d runs; below 1.00 means Keel is faster or smaller. Load average "
                 "before/after: %.2f / %.2f." % (args.repeats, results["load_before"],
                                                 results["load_after"]))
    print("\n".join(lines))
    write_json(args.json, results)


if __name__ == "__main__":
    main()
