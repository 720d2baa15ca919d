#!/usr/bin/python3
"""Compares keel-server with redis-server on the same machine in one run: redis-benchmark
throughput for GET, SET, INCR, MSET, LPUSH, LPOP, SADD, HSET, ZADD and LRANGE_100 at pipeline 1
and 16, then the memory each needs for 1,000,000 keys with 16-byte names and 32-byte values and
for 1,000,000 elements of each collection type, in small and in large collections. Prints one
Markdown table; --json also writes the raw numbers. See bench/README.md.

    /usr/bin/python3 bench/run.py --keel build/bench/server/keel-server [--quick] [--json out.json]
"""

import argparse
import json
import os
import platform
import re
import socket
import statistics
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))

from keel_testutil import ServerProcess  # noqa: E402

TESTS = "get,set,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100"
# Table order. redis-benchmark names some tests with a suffix ("MSET (10 keys)", "LRANGE_100
# (first 100 elements)"); the first word is the name here.
OPS = ["GET", "SET", "INCR", "MSET", "LPUSH", "LPOP", "SADD", "HSET", "ZADD", "LRANGE_100"]
PIPELINES = (1, 16)
CLIENTS = 50
SIDES = ("keel", "redis")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def start(binary):
    # The same settings for both: loopback, a free port, no RDB snapshots, no AOF
    # (ServerProcess adds --save '' --appendonly no and its own --dir). On a machine with two or
    # more CPUs the server gets CPU 1 and redis-benchmark CPU 0, so neither steals the other's core.
    server = ServerProcess(binary)
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(server.proc.pid, {1})
    return server


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_benchmark(port, pipeline, requests, tests=TESTS):
    """One redis-benchmark run of `tests` (comma-separated); returns {op: requests per second}."""
    cmd = ["redis-benchmark", "-p", str(port), "-t", tests, "-c", str(CLIENTS), "-P",
           str(pipeline), "-n", str(requests), "--csv", "-q"]
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    out = {}
    for line in res.stdout.splitlines():
        fields = [f.strip('"') for f in line.split('","')]
        if len(fields) < 2 or fields[0] == "test":
            continue
        op = fields[0].split(" ")[0]
        try:
            out[op] = float(fields[1])
        except ValueError:
            pass
    missing = [op for op in OPS if op.lower() in tests.split(",") and op not in out]
    if res.returncode != 0 or missing:
        log("redis-benchmark on port %d (-P %d) exited %d, missing %s\nstdout: %s\nstderr: %s"
            % (port, pipeline, res.returncode, missing, res.stdout[-2000:], res.stderr[-2000:]))
    return out


def raw_call(port, payload):
    """Sends one inline command and returns the reply (enough for INFO and DBSIZE)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
            if data.startswith(b"$"):
                header, _, rest = data.partition(b"\r\n")
                if len(rest) >= int(header[1:]) + 2:
                    return rest[:int(header[1:])].decode("latin-1")
            elif data.endswith(b"\r\n"):
                return data.decode("latin-1").strip()
    return data.decode("latin-1")


def used_memory(port):
    info = raw_call(port, b"INFO memory\r\n")
    m = re.search(r"^used_memory:(\d+)", info, re.M)
    return int(m.group(1)) if m else None


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def dbsize(port):
    reply = raw_call(port, b"DBSIZE\r\n")
    return int(reply[1:]) if reply.startswith(":") else None


def write_load_file(path, keys):
    """SET commands for `keys` keys: 16-byte names key:000000000000, 32-byte values."""
    with open(path, "wb") as f:
        chunk = []
        for i in range(keys):
            chunk.append(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\nval:%028d\r\n" % (i, i))
            if len(chunk) == 100000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def _bulk(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def write_collection_file(path, kind, collections, per_collection):
    """Commands that build `collections` collections of `kind` with `per_collection` elements
    each, 100 elements per command. Elements are 16 bytes (integers for "intset")."""
    cmd = {"list": b"RPUSH", "hash": b"HSET", "set": b"SADD", "intset": b"SADD",
           "zset": b"ZADD"}[kind]
    with open(path, "wb") as f:
        for c in range(collections):
            key = b"%s:%010d" % (kind.encode(), c)
            for start in range(0, per_collection, 100):
                args = [cmd, key]
                for i in range(start, min(start + 100, per_collection)):
                    if kind == "intset":
                        args.append(b"%d" % (i * 7919))
                    elif kind == "hash":
                        args += [b"field:%010d" % i, b"value:%010d" % i]
                    elif kind == "zset":
                        args += [b"%d" % (i % 1000), b"member:%09d" % i]
                    else:
                        args.append(b"element:%08d" % i)
                f.write(_bulk(*args))


# (label, kind, collections, elements each) for the per-element memory rows: compact encodings
# (small collections) and hash tables / skiplists / long quicklists (one large collection).
COLLECTION_SETS = [
    ("list, 10,000 x 100", "list", 10_000, 100),
    ("list, 1 x 1,000,000", "list", 1, 1_000_000),
    ("hash, 10,000 x 100 (listpack)", "hash", 10_000, 100),
    ("hash, 1 x 1,000,000 (hashtable)", "hash", 1, 1_000_000),
    ("set, 10,000 x 100 (intset)", "intset", 10_000, 100),
    ("set, 1 x 1,000,000 (hashtable)", "set", 1, 1_000_000),
    ("zset, 10,000 x 100 (listpack)", "zset", 10_000, 100),
    ("zset, 1 x 1,000,000 (skiplist)", "zset", 1, 1_000_000),
]


def measure_memory(binary, load_path, keys):
    server = start(binary)
    try:
        time.sleep(0.5)
        before = {"used_memory": used_memory(server.port), "rss": rss_bytes(server.proc.pid)}
        started = time.time()
        with open(load_path, "rb") as f:
            res = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=f,
                                 capture_output=True, text=True, timeout=1800)
        load_s = time.time() - started
        m = re.search(r"errors: (\d+), replies: (\d+)", res.stdout)
        if res.returncode != 0 or not m or m.group(1) != "0":
            log("redis-cli --pipe into %s: exit %d\n%s%s" % (binary, res.returncode,
                                                            res.stdout[-1000:], res.stderr[-1000:]))
        time.sleep(1.0)  # let lazy frees and allocator housekeeping settle
        after = {"used_memory": used_memory(server.port), "rss": rss_bytes(server.proc.pid)}
        result = {"keys_loaded": dbsize(server.port), "load_seconds": round(load_s, 2),
                  "before": before, "after": after}
        for k in ("used_memory", "rss"):
            if before[k] is not None and after[k] is not None and keys:
                result[k + "_per_key"] = (after[k] - before[k]) / keys
        return result
    finally:
        server.stop()


def add_server_options(p, null=False):
    """The comparison scripts' --keel and --redis options, and --null when `null`."""
    p.add_argument("--keel", required=True, help="path to keel-server (a Release build)")
    p.add_argument("--redis", default="/usr/bin/redis-server")
    if null:
        p.add_argument("--null", default=None,
                       help="keel-bench-null, a server that does no work (default: "
                            "bench/keel-bench-null in keel-server's build tree; the null column "
                            "is n/a without it)")


def server_binaries(args):
    """{"keel": ..., "redis": ...} from the options, plus "null" when --null was given or
    bench/keel-bench-null is in the build tree keel-server (build/X/server/keel-server) is in."""
    binaries = {"keel": os.path.abspath(args.keel), "redis": args.redis}
    if hasattr(args, "null"):
        built = os.path.join(os.path.dirname(os.path.dirname(binaries["keel"])), "bench",
                             "keel-bench-null")
        null = args.null or (built if os.access(built, os.X_OK) else None)
        if null:
            binaries["null"] = os.path.abspath(null)
    return binaries


def write_json(path, results):
    """--json: every raw number of the run."""
    if path:
        with open(path, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


def version(binary):
    try:
        res = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        return (res.stdout or res.stderr).strip()
    except OSError as e:
        return "unknown (%s)" % e


def fmt_rate(v):
    return "n/a" if v is None else "{:,.0f}".format(v)


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else "%.2f" % (a / b)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def spread(values):
    """(max - min) / median of one cell's runs."""
    return (max(values) - min(values)) / statistics.median(values) if len(values) > 1 else 0.0


def markdown(results):
    lines = ["| benchmark | keel | redis | keel/redis | null | keel/null |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in results["benchmarks"]:
        k, r, c = row["keel_median"], row["redis_median"], row.get("null_median")
        ratio = row.get("paired_ratio")
        lines.append("| %s -P %d, ops/s | %s | %s | %s | %s | %s |"
                     % (row["op"], row["pipeline"], fmt_rate(k), fmt_rate(r),
                        "n/a" if ratio is None else "%.2f" % ratio, fmt_rate(c),
                        fmt_ratio(k, c)))
    for row in results.get("cpu_us_per_request", []):
        k, r = row["keel"], row["redis"]
        lines.append("| server CPU -P %d, us/request | %.2f | %.2f | %s | | |"
                     % (row["pipeline"], k, r, fmt_ratio(k, r)))
    mem = results["memory"]
    for key, label in (("used_memory_per_key", "used_memory"), ("rss_per_key", "RSS")):
        k, r = mem["keel"].get(key), mem["redis"].get(key)
        lines.append("| %s, bytes/key (%s keys) | %s | %s | %s | | |"
                     % (label, "{:,}".format(results["config"]["keys"]),
                        "n/a" if k is None else "%.1f" % k, "n/a" if r is None else "%.1f" % r,
                        fmt_ratio(k, r)))
    for row in results.get("collections", []):
        k, r = (row[s].get("used_memory_per_key") for s in SIDES)
        lines.append("| used_memory, bytes/element: %s | %s | %s | %s | | |"
                     % (row["label"], "n/a" if k is None else "%.1f" % k,
                        "n/a" if r is None else "%.1f" % r, fmt_ratio(k, r)))
    worst = max((spread(row[s + "_runs"]) for row in results["benchmarks"] for s in SIDES
                 if row[s + "_runs"]), default=0.0)
    lines.append("")
    lines.append("Throughput cells are medians of %d runs; a throughput ratio is the median of the "
                 "per-round ratios of back-to-back runs of that test. The widest cell's runs spread "
                 "%.0f%% (max-min over median). Load average before/after: %.2f / %.2f."
                 % (results["config"]["repeats"], 100 * worst, results["load_before"],
                    results["load_after"]))
    lines.append("null: keel-bench-null (bench/null_server.cc), an epoll server that does no work, "
                 "in the same rounds: about what the client alone allows (see bench/README.md).")
    # The benchmark itself keeps both CPUs busy, so only the load before it started tells of
    # other work on the machine.
    if results["load_before"] > 1.0:
        lines.append("WARNING: other processes were using the CPUs; the ratios are unreliable.")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(p, null=True)
    p.add_argument("--requests", type=int, default=None,
                   help="requests per test at pipeline 16 (default 1,000,000; pipeline 1 runs a "
                        "fifth of that)")
    p.add_argument("--repeats", type=int, default=None, help="runs per server (default 3)")
    p.add_argument("--keys", type=int, default=None, help="keys for the memory test (1,000,000)")
    p.add_argument("--quick", action="store_true",
                   help="a fast smoke run: 100,000 requests, 1 repeat, 100,000 keys")
    p.add_argument("--json", help="also write the raw results here")
    args = p.parse_args()

    requests = args.requests or (100_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    keys = args.keys or (100_000 if args.quick else 1_000_000)
    binaries = server_binaries(args)
    rate_sides = SIDES + (("null",) if "null" in binaries else ())
    per_pipeline = {1: max(1, requests // 5), 16: requests}

    results = {
        "config": {"requests": per_pipeline, "repeats": repeats, "clients": CLIENTS,
                   "keys": keys, "key_bytes": 16, "value_bytes": 32, "tests": TESTS,
                   "cpus": os.cpu_count(), "machine": platform.platform(),
                   "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        "versions": {s: version(binaries[s]) for s in SIDES},
        "null_server": binaries.get("null"),
        "benchmarks": [], "memory": {}, "load_before": loadavg(),
    }

    runs = {(s, op, pl): [] for s in rate_sides for op in OPS for pl in PIPELINES}
    cpu_runs = {(s, pl): [] for s in SIDES for pl in PIPELINES}
    servers = {s: start(binaries[s]) for s in rate_sides}
    try:
        for rep in range(repeats):
            for pl in PIPELINES:
                log("round %d/%d: -P %d -n %d, each test on both servers"
                    % (rep + 1, repeats, pl, per_pipeline[pl]))
                cpu = {side: 0.0 for side in rate_sides}
                for i, op in enumerate(OPS):
                    # Each test runs on both servers back to back, the first one alternating, so
                    # a slow moment of the machine falls on both sides of a pair; the null
                    # server right after them.
                    order = SIDES if (rep + i + pl) % 2 == 0 else SIDES[::-1]
                    for side in order + rate_sides[len(SIDES):]:
                        cpu_before = cpu_seconds(servers[side].proc.pid)
                        rates = run_benchmark(servers[side].port, pl, per_pipeline[pl], op.lower())
                        cpu[side] += cpu_seconds(servers[side].proc.pid) - cpu_before
                        runs[(side, op, pl)].append(rates.get(op))
                for side in SIDES:
                    cpu_runs[(side, pl)].append(1e6 * cpu[side] / (per_pipeline[pl] * len(OPS)))
    finally:
        for s in servers.values():
            s.stop()

    for pl in PIPELINES:
        for op in OPS:
            row = {"op": op, "pipeline": pl}
            for side in rate_sides:
                values = [v for v in runs[(side, op, pl)] if v is not None]
                row[side + "_runs"] = values
                row[side + "_median"] = statistics.median(values) if values else None
            # The ratio is the median of the per-round ratios of the two back-to-back runs.
            pairs = [k / r for k, r in zip(runs[("keel", op, pl)], runs[("redis", op, pl)])
                     if k is not None and r]
            row["paired_ratio"] = statistics.median(pairs) if pairs else None
            results["benchmarks"].append(row)
    results["cpu_us_per_request"] = [
        {"pipeline": pl, **{side: statistics.median(cpu_runs[(side, pl)]) for side in SIDES}}
        for pl in PIPELINES]

    fd, load_path = tempfile.mkstemp(prefix="keel-bench-", suffix=".resp")
    os.close(fd)
    try:
        log("memory: writing %d SET commands" % keys)
        write_load_file(load_path, keys)
        for side in SIDES:
            log("memory: loading %d keys into %s" % (keys, side))
            results["memory"][side] = measure_memory(binaries[side], load_path, keys)
    finally:
        os.unlink(load_path)

    results["collections"] = []
    scale = 10 if args.quick else 1
    for label, kind, collections, each in COLLECTION_SETS:
        if collections > 1:
            collections //= scale
        else:
            each //= scale
        fd, load_path = tempfile.mkstemp(prefix="keel-bench-", suffix=".resp")
        os.close(fd)
        try:
            write_collection_file(load_path, kind, collections, each)
            row = {"label": label, "kind": kind, "collections": collections, "each": each}
            for side in SIDES:
                log("memory: %s into %s" % (label, side))
                row[side] = measure_memory(binaries[side], load_path, collections * each)
            results["collections"].append(row)
        finally:
            os.unlink(load_path)

    results["load_after"] = loadavg()
    print(markdown(results))
    write_json(args.json, results)
    ok = all(row["keel_median"] and row["redis_median"] for row in results["benchmarks"])
    ok = ok and all(results["memory"][s].get("keys_loaded") == keys for s in SIDES)
    ok = ok and all(row[s].get("keys_loaded") == row["collections"]
                    for row in results["collections"] for s in SIDES)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
