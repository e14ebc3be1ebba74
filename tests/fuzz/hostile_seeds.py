#!/usr/bin/python3
"""hostile_seeds.py — seeds for the batch and http fuzz targets whose strings
are hostile: container names, hosts and reasons holding shell, gnuplot, SQL,
HTML and spreadsheet syntax, quotes of both kinds, backslashes, newlines,
256-byte names, invalid and odd UTF-8, RTL marks. Each is a real batch of
the shape servicio sends (a sample listing the container and a decision
about it), so the parser accepts it and the strings travel on to storage.

Usage: hostile_seeds.py OUTDIR   (writes OUTDIR/batch/<sha1>, OUTDIR/http/<sha1>)
Called by gen_corpus.sh; not a suite.
"""
import hashlib
import json
import os
import sys

# As bytes: some are not valid UTF-8 on purpose (the parser must refuse or keep them whole).
NAMES = [
    b'f"`touch /tmp/x/executed`"',
    b'x`touch /tmp/x/executed`',
    b'$(touch /tmp/x/executed)',
    b"'; system('touch /tmp/x/executed'); '",
    b'system("id")',
    b'set output "/tmp/x/owned"',
    b'a\\"b\\\\c\\',
    b'line1\nline2\r\nline3',
    b'<script>alert(1)</script>',
    b'=HYPERLINK("http://x","y")',
    b'+1+cmd|" /C calc"!A0',
    b'-2+3',
    b'@SUM(A1)',
    b'\tTAB',
    b'n' * 256,
    b'\xff\xfe invalid',
    b'\xc0\xaf overlong',
    b'\xed\xa0\x80 surrogate',
    '\u202eRTL-override\u202c'.encode(),
    '\u200f\u05e9\u05dc\u05d5\u05dd rtl mark'.encode(),
    '\u0000nul'.encode(),
    b"Robert'); DROP TABLE records;--",
    b'%s%n%x',
    b'../../etc/passwd',
]


def jstr(b):
    """A JSON string literal for bytes: valid UTF-8 escaped by json, the rest raw."""
    try:
        return json.dumps(b.decode('utf-8'))
    except UnicodeDecodeError:
        return '"' + b.decode('latin-1').replace('\\', '\\\\').replace('"', '\\"') + '"'


def batch(i, name):
    """A two-record batch (bytes) carrying name as host, container name, label and reason."""
    n = jstr(name)
    ts = 1764338400000000000 + i * 10**9
    text = ('{"batch_id":"hostile-%d","host":%s,"run":"hostile-run","records":['
            '{"type":"sample","ts_ns":%d,"cycle":%d,"source":"procfs",'
            '"memory":{"total_kb":1000,"used_kb":500,"available_kb":500},"cpu_pct":1.5,'
            '"containers":[{"id":"c%04d","name":%s,"class":"low","label_class":%s,'
            '"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1,"procs":1}]},'
            '{"type":"decision","ts_ns":%d,"cycle":%d,"container":{"id":"c%04d","name":%s},'
            '"class":"low","action":"removed","reason":%s,"rank":1,'
            '"metrics":{"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1}}]}'
            % (i, n, ts, i, i, n, n, ts + 1, i, i, n, n))
    return text.encode('latin-1')  # ASCII JSON, plus the raw bytes of invalid UTF-8


def put(out, kind, data):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)


def main():
    out = sys.argv[1]
    for i, name in enumerate(NAMES):
        body = batch(i, name)
        put(out, 'batch', body)
        req = (b'POST /logs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
               b'Content-Length: %d\r\n\r\n' % len(body)) + body
        put(out, 'http', req)
    print('%d hostile seeds each in batch and http' % len(NAMES))


if __name__ == '__main__':
    main()
