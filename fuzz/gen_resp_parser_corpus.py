#!/usr/bin/env python3
"""Writes the seed corpus for fuzz/resp_parser_fuzzer.cc into fuzz/corpus/resp_parser/.

Each seed is: flags byte, piece-count byte, piece-size bytes, request bytes (the layout is
described at the top of the fuzzer). Seeds cover valid pipelines, inline commands and fault
cases N1-N8 of the fault checklist. Re-run after changing the layout; the files are committed.
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "resp_parser")
UNAUTH = 0x01
SMALL_BULK = 0x02  # proto_max_bulk_len = (flags >> 4) * 4
MOVE = 0x04
K16 = 0x9F  # pieces of 32 * 512 = 16 KiB, like Redis's reads


def mbulk(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def seed(flags, sizes, body):
    assert len(sizes) < 16
    return bytes([flags, len(sizes)]) + bytes(sizes) + body


PIPELINE = (mbulk(b"SET", b"key", b"v\r\n\0\r\n*1\r\n$3\r\n") + b"PING\r\n*0\r\n\r\n" +
            mbulk(b"GET", b"key") + b"*-1\r\n" +
            b"ECHO \"a \\x41\\r\\n\" 'b\\'c' d\"e f\"\n" + mbulk(b"") + b"   \n" +
            mbulk(b"MSET", b"a", b"1", b"b", b"2", b"c", b"z" * 300) +
            b"*1\rX$4\r\nPING\r\n*1\r\n$4\r\nPINGxy" + mbulk(b"DEL", b"\r\n") +
            b"*2\r\n$3\r\nGET\r\n$3\r\nke")

SEEDS = {
    "pipeline_whole": seed(0, [], PIPELINE),
    "pipeline_small_pieces": seed(0, [0, 2, 6], PIPELINE),
    "pipeline_moved": seed(MOVE, [10, 0x80, 3], PIPELINE),
    "pipeline_unauth": seed(UNAUTH, [5], PIPELINE),
    "inline_quotes": seed(0, [7], b"SET k \"v\\x00\\n\" \r\nECHO 'it\\'s' a\"b c\"\r\n"
                                  b"ECHO \"\" ''\r\n\x0b\x0cECHO a\x0bb\r\nECHO x\r\r\n"),
    "binary_payloads": seed(0, [1], mbulk(b"SET", b"\r\n", b"\0" * 20 + b"\r\n*1\r\n")),
    "unchecked_terminators": seed(0, [2], b"*1\rX$4\r\nPING\r\n*1\r\n$4\rXPING\r\n"
                                          b"*1\r\n$4\r\nPINGxy"),
    "small_bulk_limit": seed(SMALL_BULK | (3 << 4), [4],
                             mbulk(b"hello world!") + mbulk(b"hello world!!")),
    "auth_then_big": seed(UNAUTH, [], mbulk(b"AUTH", b"pw") + mbulk(b"SET", b"k", b"v" * 16385)),
    "n1_empty_requests": seed(0, [1], b"*-10\r\n\r\n*0\r\n   \n*-1\r\n" + mbulk(b"PING")),
    "n2_huge_count": seed(0, [], b"*3000000000\r\n"),
    "n2_count_int_max": seed(0, [3], b"*2147483647\r\n" + mbulk(b"PING")),
    "n3_negative_bulk": seed(0, [], b"*1\r\n$-10\r\n"),
    "n3_huge_bulk": seed(0, [], b"*1\r\n$2000000000\r\n"),
    "n3_bad_bulk": seed(0, [], b"*1\r\n$blabla\r\n"),
    "n4_payload_too_long": seed(0, [4], b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
    "n4_no_dollar": seed(0, [], b"*1\r\nfoo\r\n"),
    "n5_unbalanced_quotes": seed(0, [], b"set \"\"\"test-key\"\"\" test-value\r\n"),
    "n6_nul_inline": seed(0, [K16], b"\0" + b"x" * 70000),
    "n6_nul_count": seed(0, [K16], b"*\0" + b"\r\n" * 35000),
    "n6_nul_bulk": seed(0, [K16], b"$\0" + b"x" * 70000),
    "n6_nul_bulk_header": seed(0, [K16], b"*1\r\n$4\0\r\nPING\r\n" + b"y" * 66000),
    "n7_inline_no_newline": seed(0, [K16], b"a" * 65537),
    "n7_count_string": seed(0, [K16], b"*" + b"1" * 65536),
    "n7_bulk_count_string": seed(0, [K16], b"*2\r\n$1\r\na\r\n$" + b"1" * 65536),
    "n7_long_line_whole": seed(0, [], b"ECHO " + b"a" * 70000 + b"\r\n"),
    "n7_long_line_pieces": seed(0, [K16, K16, K16, K16, 0], b"ECHO " + b"a" * 70000 + b"\r\n"),
    "n8_unauth_count": seed(UNAUTH, [], b"*100\r\n"),
    "n8_unauth_bulk": seed(UNAUTH, [], b"*1\r\n$100000000\r\n"),
    "n8_unauth_limits_ok": seed(UNAUTH, [2], b"*10\r\n" + b"$1\r\nx\r\n" * 9 + b"$16384\r\n"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
