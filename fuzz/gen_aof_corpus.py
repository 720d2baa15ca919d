#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/aof_reader_fuzzer.cc and fuzz/aof_manifest_fuzzer.cc into
fuzz/corpus/aof_reader/ and fuzz/corpus/aof_manifest/.

Reader seeds are a flags byte (layout at the top of the fuzzer) then AOF bytes: commands as
redis-server writes them, "#TS:" annotations, MULTI/EXEC, Keel batch marks (their XXH3 computed
with the system libxxhash through ctypes), and the fault cases of the reader's tests. Manifest
seeds are the manifests redis-server 7.0.15 wrote (tests/testdata/aof/) and one per rule of
Redis's parser. Re-run after changing a layout; the files are committed.
"""
import ctypes
import ctypes.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "tests", "testdata", "aof")

_xxhash = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
_xxhash.XXH3_64bits.restype = ctypes.c_uint64
_xxhash.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def marked(batches, synced):
    """Each batch followed by Keel's mark for it."""
    out = b""
    for batch, s in zip(batches, synced):
        out += batch + b"#KEEL %d %d %016x\r\n" % (s, len(batch), _xxhash.XXH3_64bits(batch, len(batch)))
    return out


def write(corpus, name, data):
    d = os.path.join(HERE, "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


STEP_1, STEP_7, STEP_64, WHOLE = 0, 3, 4, 7
SMALL_BULK, SMALL_ARGS, BASE = 8, 16, 32

BATCHES = [
    cmd(b"SELECT", b"0") + cmd(b"SET", b"k", b"v1") + cmd(b"INCR", b"n"),
    b"#TS:1700000000\r\n" + cmd(b"MULTI") + cmd(b"SET", b"k", b"v2") + cmd(b"PEXPIREAT", b"k", b"1800000000000") + cmd(b"EXEC"),
    cmd(b"SET", b"bin\r\nkey", b"\x00\xff\r\n*1\r\n$4\r\nPING\r\n") + cmd(b"DEL", b"k"),
]
MARKED = marked(BATCHES, [0, 120, 300])
TX = cmd(b"SET", b"a", b"1") + cmd(b"multi") + cmd(b"INCR", b"n") + b"#note\n" + cmd(b"exec")

READER = {
    "redis_base": bytes([WHOLE]) + open(os.path.join(TESTDATA, "appendonly.aof.2.base.aof"), "rb").read(),
    "marked": bytes([STEP_1]) + MARKED,
    "marked_pieces_base": bytes([STEP_7 | BASE]) + MARKED,
    "marked_tail": bytes([STEP_64]) + MARKED + cmd(b"SET", b"after", b"mark"),
    "marked_mismatch": bytes([WHOLE]) + MARKED.replace(b"v2", b"v3"),
    "marked_lf_only": bytes([STEP_7]) + marked([cmd(b"PING")], [5])[:-2] + b"\n",
    "marked_torn": bytes([STEP_1]) + MARKED[:-30],
    "garbage_then_marks": bytes([STEP_7]) + b"\x01garbage\r\n" + MARKED,
    "transaction": bytes([STEP_1]) + TX,
    "multi_unterminated": bytes([WHOLE]) + TX[:-14],
    "multi_nested": bytes([WHOLE]) + cmd(b"MULTI") + cmd(b"MULTI") + cmd(b"EXEC"),
    "exec_alone": bytes([WHOLE]) + cmd(b"GET", b"x") + cmd(b"EXEC"),
    "truncated": bytes([STEP_1]) + cmd(b"SET", b"k", b"v") + b"*3\r\n$3\r\nSE",
    "bad_crlf": bytes([WHOLE]) + b"*3\r\n$3\r\nSETX\r\n$1\r\nx\r\n$1\r\ny\r\n",
    "no_dollar": bytes([WHOLE]) + b"*2\r\n$3\r\nGET\r\nx1\r\nx\r\n",
    "count_zero": bytes([WHOLE]) + b"*0\r\n" + cmd(b"PING"),
    "count_negative": bytes([WHOLE]) + b"*-1\r\n" + cmd(b"PING"),
    "huge_len": bytes([WHOLE]) + b"*1\r\n$2000000000\r\n0123456789",
    "small_limits": bytes([STEP_64 | SMALL_BULK | SMALL_ARGS]) + cmd(b"SET", b"k", b"v" * 16) + cmd(b"SET", b"k", b"v" * 17) + cmd(b"A", b"B", b"C", b"D", b"E"),
    "annotations": bytes([STEP_1]) + b"#TS:1\r\n#plain\n#\r\n#a\rb\n" + cmd(b"PING") + b"#" + b"a" * 1020 + b"\r\n",
    "annotation_too_long": bytes([WHOLE]) + b"#" + b"a" * 1023 + b"\n" + cmd(b"PING"),
    "annotation_torn": bytes([WHOLE]) + cmd(b"PING") + b"#TS:17",
    "empty_args": bytes([STEP_7]) + cmd(b"SET", b"", b"") + cmd(b"x"),
}

MANIFEST = {
    "redis_history": open(os.path.join(TESTDATA, "appendonly.aof.manifest"), "rb").read(),
    "redis_quoted": open(os.path.join(TESTDATA, "quoted.manifest"), "rb").read(),
    "tolerated": b"# comment\nFILE a.1.base.rdb SEQ 1 TYPE b\n  file\ta.2.incr.aof\tseq 2 type i x y  \r\n"
                 b"file \"a 3\\x41.incr.aof\" seq 3abc type incr\n#tail",
    "comments_only": b"# nothing\n",
    "empty": b"",
    "blank_line": b"\nfile a seq 1 type i\n",
    "missing_type": b"file a.1.incr.aof seq 1 x y\n",
    "odd": b"file a.1.incr.aof seq 1 type i x\n",
    "few": b"file a.1.incr.aof seq 1\n",
    "duplicate_base": b"file a seq 1 type b\nfile b seq 2 type b\n",
    "non_monotonic": b"file a seq 2 type i\nfile b seq 2 type i\n",
    "unknown_type": b"file a seq 1 type x\n",
    "path": b"file dir/a seq 1 type i\n",
    "seq_zero": b"file a seq 0 type i\n",
    "no_newline": b"file a seq 1 type i",
    "nul": b"file a seq 1 type i\nfile b seq 2 type i\x00\n",
    "long_comment": b"#" + b"c" * 1100 + b"\nfile a seq 1 type i\n",
    "long_line": b"file a seq 1 type i k " + b"v" * 1001 + b"\n",
    "quote_unbalanced": b"file \"a seq 1 type i\n",
    "escapes": b"file \"a\\n\\r\\t\\a\\b\\x01\\\"\" seq 9223372036854775807 type h\n",
}

if __name__ == "__main__":
    for name, data in READER.items():
        write("aof_reader", name, data)
    for name, data in MANIFEST.items():
        write("aof_manifest", name, data)
