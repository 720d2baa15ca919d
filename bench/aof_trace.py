#!/usr/bin/python3
"""Where an `appendfsync always` batch spends its time: runs keel-server under a SET load
(redis-benchmark, 50 clients, pipeline 1, pinned as bench/aof.py pins them), records the kernel's
io_uring and block tracepoints for one second, and prints, per batch, the time from submitting the
write to its completion, from queueing the fdatasync to its completion, and what the block device
did meanwhile (data writes, journal writes, cache flushes, discards). Needs root and tracefs.

    /usr/bin/python3 bench/aof_trace.py --keel build/release/server/keel-server [--seconds 1]
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

from aof import benchmark_cmd, start  # noqa: E402

TRACING = "/sys/kernel/tracing"
EVENTS = ["io_uring/io_uring_submit_req", "io_uring/io_uring_queue_async_work",
          "io_uring/io_uring_complete", "block/block_rq_issue", "block/block_rq_complete"]
LINE = re.compile(r"^\s*(\S+)\s+\[\d+\]\s+\S+\s+(\d+\.\d+): (\w+): (.*)$")


def write(path, text):
    with open(os.path.join(TRACING, path), "w") as f:
        f.write(text)


def trace(seconds):
    if not os.path.exists(os.path.join(TRACING, "trace")):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACING], check=True)
    write("tracing_on", "0")
    write("trace", "")
    write("buffer_size_kb", "65536")
    for e in EVENTS:
        write("events/%s/enable" % e, "1")
    try:
        write("tracing_on", "1")
        time.sleep(seconds)
        write("tracing_on", "0")
        with open(os.path.join(TRACING, "trace")) as f:
            return f.read()
    finally:
        for e in EVENTS:
            write("events/%s/enable" % e, "0")


def summary(values):
    if not values:
        return "none"
    v = sorted(values)
    return "n=%d mean=%.0f median=%.0f p90=%.0f" % (len(v), statistics.mean(v), v[len(v) // 2],
                                                   v[int(len(v) * 0.9)])


def analyse(text, seconds):
    submitted, queued, completed = {}, {}, {}
    issued, block = {}, {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        t, event, rest = float(m.group(2)) * 1e6, m.group(3), m.group(4)
        ud = re.search(r"user_data (0x[0-9a-f]+)", rest)
        op = re.search(r"opcode (\w+)", rest)
        if ud and event == "io_uring_complete":
            completed[ud.group(1)] = t
        elif ud and op and op.group(1) in ("WRITE", "FSYNC"):
            if event == "io_uring_submit_req":
                submitted[(op.group(1), ud.group(1))] = t
            elif event == "io_uring_queue_async_work":
                queued[(op.group(1), ud.group(1))] = t
        elif event in ("block_rq_issue", "block_rq_complete"):
            fields = rest.split()
            kind = fields[1]
            sector = "flush" if kind.startswith("FF") else fields[-4]
            if event == "block_rq_issue":
                issued[(kind, sector)] = t
            elif (kind, sector) in issued:
                block.setdefault(kind, []).append(t - issued.pop((kind, sector)))
    def spans(start, op):
        return [completed[ud] - t for (o, ud), t in start.items() if o == op and ud in completed]
    print("write: submitted -> completion seen by the loop, us: %s"
          % summary(spans(submitted, "WRITE")))
    print("fdatasync: queued to io-wq -> completion seen by the loop, us: %s"
          % summary(spans(queued, "FSYNC")))
    print("block requests per second and their device time, us (W write, S sync, M metadata "
          "i.e. the journal, D discard, FF cache flush):")
    for kind in sorted(block):
        print("  %-4s %6.0f/s  %s" % (kind, len(block[kind]) / seconds, summary(block[kind])))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keel", required=True, help="path to keel-server (a Release build)")
    p.add_argument("--seconds", type=float, default=1.0, help="how long to record (1)")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="keel-bench-trace-", dir="/var/tmp")
    server = start(os.path.abspath(args.keel), work, "always")
    load = subprocess.Popen(benchmark_cmd(server.port, "set", 100_000_000),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        text = trace(args.seconds)
    finally:
        load.kill()
        load.wait()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    analyse(text, args.seconds)


if __name__ == "__main__":
    main()
