#!/usr/bin/python3
"""Compares keel-server's append-only file with redis-server's on the same machine in one run:
SET throughput under `appendfsync always` and `everysec` (redis-benchmark, 50 clients, pipeline
1), and GET throughput from other clients while an `always` SET load runs. Both servers write to
the same disk. For scale, the same rounds measure SET without an AOF and keel-bench-null, a
server that does no work (about what the client alone allows). Prints one Markdown
table; --json also writes the raw numbers. See bench/README.md.

    /usr/bin/python3 bench/aof.py --keel build/release/server/keel-server [--repeats N]
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

from run import (SIDES, ServerProcess, add_server_options, fmt_ratio, loadavg, log,  # noqa: E402
                 raw_call, server_binaries, version, write_json)

CLIENTS = 50


def start(binary, data_dir, policy):
    args = ["--dir", data_dir]
    if policy != "off":
        args += ["--appendonly", "yes", "--appendfsync", policy]
    server = ServerProcess(binary, args=args, data_dir=data_dir)
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(server.proc.pid, {1})
    return server


def benchmark_cmd(port, test, requests, clients=CLIENTS):
    cmd = ["redis-benchmark", "-p", str(port), "-t", test, "-c", str(clients), "-P", "1",
           "-n", str(requests), "-r", "100000", "-d", "32", "--csv", "-q"]
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    return cmd


def rps(output, test):
    for line in output.splitlines():
        fields = [f.strip('"') for f in line.split('","')]
        if len(fields) >= 2 and fields[0].split(" ")[0] == test.upper():
            return float(fields[1])
    raise RuntimeError("no %s result in redis-benchmark output:\n%s" % (test, output[-2000:]))


def run(port, test, requests, server=None):
    res = subprocess.run(benchmark_cmd(port, test, requests), capture_output=True, text=True,
                         timeout=1800)
    try:
        return rps(res.stdout, test)
    except RuntimeError:
        log("redis-benchmark exited %d; stderr:\n%s" % (res.returncode, res.stderr[-2000:]))
        if server is not None:
            log("server log:\n" + server.read_log()[-4000:])
        raise


def set_calls(port):
    """SET commands the server has run (INFO commandstats), or None (keel-bench-null)."""
    m = re.search(r"^cmdstat_set:calls=(\d+)", raw_call(port, b"INFO commandstats\r\n"), re.M)
    return int(m.group(1)) if m else None


def gets_during_writes(port, requests):
    """GET throughput of 50 clients while 50 others run SETs (started first, still running), and
    the SETs per second the writers got meanwhile (None when the server cannot tell)."""
    load = subprocess.Popen(benchmark_cmd(port, "set", 100_000_000), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        before, started = set_calls(port), time.time()
        gets = run(port, "get", requests)
        after, elapsed = set_calls(port), time.time() - started
        sets = None if before is None or after is None else (after - before) / elapsed
        return gets, sets
    finally:
        load.kill()
        load.wait()


def one_round(binary, work, requests, null=False):
    """One server's rows. keel-bench-null has no AOF: it runs each load once."""
    out = {}
    for policy in ("always", "everysec", "off"):
        if null and policy != "always":
            continue
        d = tempfile.mkdtemp(dir=work)
        server = start(binary, d, policy)
        try:
            n = requests["everysec"] if policy == "everysec" else requests["always"]
            out["set_" + policy] = run(server.port, "set", n, server)
            if policy == "always":
                gets, sets = gets_during_writes(server.port, requests["get"])
                out["get_during_always"] = gets
                if sets is not None:
                    out["set_during_gets"] = sets
        finally:
            server.stop()
            shutil.rmtree(d, ignore_errors=True)
    return out


ROWS = [("set_always", "SET, appendfsync always, requests/s"),
        ("set_everysec", "SET, appendfsync everysec, requests/s"),
        ("get_during_always", "GET from 50 other clients during an always SET load, requests/s"),
        ("set_during_gets", "... meanwhile, SETs/s of the 50 writers (always)"),
        ("set_off", "SET, no AOF, requests/s")]
# keel-bench-null's runs: which of them stands beside each row.
NULL_OF = {"set_always": "set_always", "set_everysec": "set_always",
           "get_during_always": "get_during_always", "set_off": "set_always"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(p, null=True)
    p.add_argument("--repeats", type=int, default=3, help="rounds per server (3)")
    p.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    p.add_argument("--json", help="also write the raw results here")
    args = p.parse_args()
    binaries = server_binaries(args)
    requests = {"always": 100_000, "everysec": 1_000_000, "get": 1_000_000}
    if args.quick:
        requests = {k: v // 20 for k, v in requests.items()}
    # On the disk, not a tmpfs: fsync must cost what it costs.
    work = tempfile.mkdtemp(prefix="keel-bench-aof-", dir="/var/tmp")
    results = {"repeats": args.repeats, "load_before": loadavg(), "requests": requests,
               "versions": {s: version(binaries[s]) for s in SIDES}}
    runs = {s: {k: [] for k, _ in ROWS} for s in SIDES}
    runs["null"] = {}
    try:
        for rep in range(args.repeats):
            for s in (SIDES if rep % 2 == 0 else SIDES[::-1]):
                log("round %d: %s" % (rep + 1, s))
                for k, v in one_round(binaries[s], work, requests).items():
                    runs[s][k].append(v)
            if "null" in binaries:
                log("round %d: null server" % (rep + 1))
                for k, v in one_round(binaries["null"], work, requests, null=True).items():
                    runs["null"].setdefault(k, []).append(v)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["runs"] = runs
    results["load_after"] = loadavg()
    med = {s: {k: statistics.median(v) for k, v in runs[s].items() if v} for s in runs}

    def cell(side, k):
        return "n/a" if k not in med[side] else "{:,.0f}".format(med[side][k])

    lines = ["| AOF, %d clients, pipeline 1 | keel | redis | keel/redis | null | keel/null |"
             % CLIENTS, "|---|---:|---:|---:|---:|---:|"]
    for k, name in ROWS:
        c = med["null"].get(NULL_OF.get(k))
        lines.append("| %s | %s | %s | %s | %s | %s |"
                     % (name, cell("keel", k), cell("redis", k),
                        fmt_ratio(med["keel"].get(k), med["redis"].get(k)),
                        "" if c is None else "{:,.0f}".format(c),
                        "" if c is None else fmt_ratio(med["keel"].get(k), c)))
    lines.append("")
    lines.append("Medians of %d rounds, the sides interleaved; above 1.00 means Keel is faster. "
                 "null: keel-bench-null, a server that does no work, under the same load "
                 "(SET rows: a SET load; the GET row: GETs during a SET load). "
                 "Load average before/after: %.2f / %.2f." % (args.repeats, results["load_before"],
                                                              results["load_after"]))
    print("\n".join(lines))
    write_json(args.json, results)


if __name__ == "__main__":
    main()
