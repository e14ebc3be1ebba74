#!/usr/bin/python3
"""hostile_corpus.py — container names (and a host) built to break out of
the report: gnuplot backquotes and macros, shell $(...), both quote kinds,
backslashes, newlines and carriage returns that would start a new gnuplot
command (set output, system(...)), HTML, spreadsheet formulas, a 256-byte
name, bidirectional-control characters and other odd Unicode. Each name
that would run something names a file in CANARY_DIR: if any file appears
there, something ran.

Also display(s): the display form graphs_text.h specifies (controls, bidi
controls and noncharacters as escapes), written again
here from its description (not from admin_logs' code), so the suite can look
for every name in the CSV, the SVG and the HTML.

As a program: hostile_corpus.py CANARY_DIR prints the names, one JSON
string a line (the fuzzer can use them as seeds).
"""
import json
import sys


def names(c):
    """The corpus: every name at most 256 bytes of UTF-8 (the batch limit)."""
    n = [
        "`touch %s/bq1`" % c,
        'f"`touch %s/bq2`"' % c,  # the example
        "x`touch %s/bq3` " % c,
        "$(touch %s/dollar)" % c,
        "'; system(\"touch %s/sys1\"); '" % c,
        "\"; system(\"touch %s/sys2\"); \"" % c,
        "system('touch %s/sys3')" % c,
        "\\\"`touch %s/bs1`\\\"" % c,
        "\\'`touch %s/bs2`\\'" % c,
        "a\nset output '%s/out1'\nplot 1\n" % c,
        "b\rset output \"%s/out2\"\rreplot" % c,
        "c\n!touch %s/bang" % c,
        "@GPVAL_PWD @ARG0 @x",
        "C:\\path\\to\\n\\t\\\\",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "&amp; &lt; not entities",
        "=HYPERLINK(\"http://example.invalid\",\"y\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "a,b\"c,d",
        "#not a comment",
        "a_b^c{d}&e~f",
        "abc\u202edcba.exe",
        "\u200fRLM\u200eLRM\u2066iso\u2069",
        "\ufeffBOM \uffff nonchar",
        "e\u0301 combining, zero\u200bwidth",
        "\u0085NEL\x7fDEL\x01SOH",
        "ñandú 日本 😀",
    ]
    long = "L" * 200 + "`touch %s/long`" % c
    long += "x" * (256 - len(long.encode()))
    n.append(long)
    for s in n:
        assert len(s.encode("utf-8")) <= 256, s
    return n


HOST = "h`touch %s/host`<b>\"'\n=1"


def host(c):
    return HOST % c


BIDI = {0x061C, 0x200E, 0x200F} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def display(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        elif 0x80 <= o <= 0x9F or o in BIDI or (o & 0xFFFE) == 0xFFFE or 0xFDD0 <= o <= 0xFDEF:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    return "".join(out)


if __name__ == "__main__":
    for s in names(sys.argv[1] if len(sys.argv) > 1 else "/tmp/canary"):
        print(json.dumps(s))
